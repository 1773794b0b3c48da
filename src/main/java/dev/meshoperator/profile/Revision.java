package dev.meshoperator.profile;

/**
 * A control plane revision. The default revision has no name: its objects carry Istio's plain names
 * and the label value {@code istio.io/rev=default}; a named revision R suffixes names with -R.
 */
public record Revision(String name) {
  public static final Revision DEFAULT = new Revision("");
  private static final String DEFAULT_LABEL = "default";

  public Revision {
    name = name == null ? "" : name;
  }

  public static Revision of(String name) {
    return name == null || name.isEmpty() ? DEFAULT : new Revision(name);
  }

  public boolean isDefault() {
    return name.isEmpty();
  }

  /** The value of the {@code istio.io/rev} label and of istiod's REVISION env. */
  public String label() {
    return isDefault() ? DEFAULT_LABEL : name;
  }

  public String suffix() {
    return isDefault() ? "" : "-" + name;
  }

  /** {@code base} for the default revision, {@code base-R} otherwise. */
  public String qualify(String base) {
    return base + suffix();
  }
}
