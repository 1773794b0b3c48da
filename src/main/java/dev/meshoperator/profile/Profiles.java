package dev.meshoperator.profile;

import dev.meshoperator.api.AddonSpec;
import dev.meshoperator.api.AddonsSpec;
import dev.meshoperator.api.Components;
import dev.meshoperator.api.GatewaySpec;
import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.MeshInstallSpec;
import dev.meshoperator.api.Profile;
import dev.meshoperator.profile.ProfileDefaults.Defaults;
import dev.meshoperator.profile.ProfileDefaults.GatewayTemplate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Turns a MeshInstall into its {@link EffectiveConfig}: the profile's defaults with the user's spec
 * laid over them. Pure; never throws on a bad spec. Call {@link #validate} first: resolving an
 * invalid spec yields a config that renders, but not one that works.
 */
public final class Profiles {
  /** Used when a MeshInstall has no metadata.name (meshctl on a bare spec); a valid label value. */
  public static final String UNNAMED = "meshinstall";

  private static final int MAX_LABEL_VALUE = 63;

  private Profiles() {}

  public static EffectiveConfig resolve(MeshInstall install) {
    return resolve(nameOf(install), install.getSpec());
  }

  public static EffectiveConfig resolve(String installName, MeshInstallSpec specOrNull) {
    MeshInstallSpec spec = specOrNull == null ? new MeshInstallSpec() : specOrNull;
    Profile profile = Objects.requireNonNullElse(spec.getProfile(), Profile.DEFAULT);
    Defaults defaults = ProfileDefaults.of(profile);
    Components components = spec.getComponents() == null ? new Components() : spec.getComponents();

    boolean base = components.getBase() != null && components.getBase().getEnabled() != null
        ? components.getBase().getEnabled()
        : defaults.baseEnabled();
    String remoteAddress = spec.getRemote() == null ? null : spec.getRemote().getAddress();
    String name = installName == null || installName.isEmpty() ? UNNAMED : installName;
    String version = nonEmptyOr(spec.getVersion(), IstioVersions.defaultVersion());
    String namespace = nonEmptyOr(spec.getNamespace(), MeshInstallSpec.DEFAULT_NAMESPACE);
    Images images = new Images(nonEmptyOr(spec.getHub(), MeshInstallSpec.DEFAULT_HUB), version);

    return new EffectiveConfig(
        name,
        profile,
        Upgrades.activeRevision(name, spec, version),
        namespace,
        images,
        base,
        istiodMode(defaults.istiodMode(), components),
        Overlay.workload(defaults.pilot(), components.getPilot(), components.getPilot() == null ? null : components.getPilot().getService()),
        gateways(profile, defaults.gateways(), components),
        Overlay.mesh(defaults.mesh(), spec.getMeshConfig()),
        Overlay.injector(defaults.injector(), spec.getSidecarInjector()),
        Optional.ofNullable(remoteAddress).filter(a -> !a.isEmpty()),
        addons(spec.getAddons()),
        ClusterIdentity.of(spec),
        CniConfig.resolve(profile, namespace, images, components.getCni()),
        Upgrades.role(spec));
  }

  /** Problems the CRD schema cannot express, each naming its field; empty when the spec is sound. */
  public static List<Problem> validate(MeshInstall install) {
    List<Problem> problems = new ArrayList<>();
    String name = nameOf(install);
    // The name becomes the value of the meshoperator.dev/install label on every object.
    if (name != null && name.length() > MAX_LABEL_VALUE) {
      problems.add(new Problem("metadata.name", "'" + name + "' is longer than " + MAX_LABEL_VALUE + " characters; it must fit in a label value"));
    }
    problems.addAll(validate(install.getSpec()));
    if (problems.isEmpty()) {
      problems.addAll(revisions(install));
    }
    return List.copyOf(problems);
  }

  /**
   * What only the whole install can tell: a RevisionBased revision name that does not fit (it is made
   * from the install's name), and a version change Istio does not support from the version the
   * control plane last ran ({@link Upgrades#skew}).
   */
  private static List<Problem> revisions(MeshInstall install) {
    List<Problem> problems = new ArrayList<>();
    EffectiveConfig config = resolve(install);
    String istiod = config.revision().qualify("istiod");
    if (istiod.length() > MAX_LABEL_VALUE) {
      problems.add(new Problem("spec.updateStrategy.type", "the RevisionBased revision " + config.revision().label()
          + " (from the name and spec.version) makes the name " + istiod + " longer than " + MAX_LABEL_VALUE
          + " characters; set a shorter spec.revision"));
    }
    Upgrades.skew(install).ifPresent(problems::add);
    return problems;
  }

  public static List<Problem> validate(MeshInstallSpec spec) {
    MeshInstallSpec s = spec == null ? new MeshInstallSpec() : spec;
    return SpecValidator.validate(s, resolve(UNNAMED, s));
  }

  private static IstiodMode istiodMode(IstiodMode profileMode, Components components) {
    Boolean pilot = components.getPilot() == null ? null : components.getPilot().getEnabled();
    // A remote profile's istiod lives elsewhere; enabling pilot there is reported by validation.
    if (pilot == null || profileMode == IstiodMode.REMOTE) {
      return profileMode;
    }
    return pilot ? IstiodMode.LOCAL : IstiodMode.NONE;
  }

  private static List<GatewayConfig> gateways(Profile profile, List<GatewayTemplate> templates, Components components) {
    List<GatewayConfig> result = new ArrayList<>();
    for (GatewayKind kind : GatewayKind.values()) {
      List<GatewaySpec> userGateways = userGateways(components, kind);
      for (GatewayTemplate template : templates) {
        if (template.kind() != kind) {
          continue;
        }
        Optional<GatewaySpec> user = userGateways.stream().filter(g -> template.name().equals(g.getName())).findFirst();
        // Listing a gateway means wanting it, unless it says enabled: false.
        boolean enabled = user.map(g -> g.getEnabled() == null || g.getEnabled()).orElse(template.enabled());
        if (enabled) {
          result.add(new GatewayConfig(kind, template.name(), Overlay.workload(template.workload(), user.orElse(null), user.map(GatewaySpec::getService).orElse(null))));
        }
      }
      for (GatewaySpec user : userGateways) {
        boolean known = user.getName() == null || templates.stream().anyMatch(t -> t.kind() == kind && t.name().equals(user.getName()));
        boolean alreadyAdded = result.stream().anyMatch(g -> g.kind() == kind && g.name().equals(user.getName()));
        if (!known && !alreadyAdded && (user.getEnabled() == null || user.getEnabled())) {
          result.add(new GatewayConfig(kind, user.getName(), Overlay.workload(ProfileDefaults.newGateway(profile, kind), user, user.getService())));
        }
      }
    }
    return result;
  }

  static List<GatewaySpec> userGateways(Components components, GatewayKind kind) {
    List<GatewaySpec> list = kind == GatewayKind.INGRESS ? components.getIngressGateways() : components.getEgressGateways();
    return list == null ? List.of() : list.stream().filter(Objects::nonNull).toList();
  }

  private static AddonsConfig addons(AddonsSpec addons) {
    if (addons == null) {
      return AddonsConfig.NONE;
    }
    return new AddonsConfig(enabled(addons.getPrometheus()), enabled(addons.getGrafana()));
  }

  private static boolean enabled(AddonSpec addon) {
    return addon != null && Boolean.TRUE.equals(addon.getEnabled());
  }

  private static String nameOf(MeshInstall install) {
    return install.getMetadata() == null ? null : install.getMetadata().getName();
  }

  private static String nonEmptyOr(String value, String fallback) {
    return value == null || value.isEmpty() ? fallback : value;
  }
}
