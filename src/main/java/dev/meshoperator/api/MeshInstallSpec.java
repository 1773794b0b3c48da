package dev.meshoperator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PrinterColumn;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class MeshInstallSpec {
  @JsonPropertyDescription("Starting set of components: default, demo, minimal, remote or empty.")
  @Default("default")
  @PrinterColumn(name = "Profile")
  private Profile profile = Profile.DEFAULT;

  @JsonPropertyDescription("Control plane revision (a DNS label); empty means the default revision. Immutable.")
  @Pattern("^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)?$")
  @ValidationRule(value = "self == oldSelf", message = "revision is immutable; create a new MeshInstall for a canary revision")
  @PrinterColumn(name = "Revision")
  private String revision;

  @JsonPropertyDescription("Namespace of the control plane. Immutable.")
  @Default("istio-system")
  @Pattern("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
  @ValidationRule(value = "self == oldSelf", message = "namespace is immutable")
  private String namespace = "istio-system";

  @JsonPropertyDescription("Istio release whose images run the control plane and the sidecars.")
  @Default("1.30.3")
  private String version = "1.30.3";

  @JsonPropertyDescription("Image registry of the Istio images.")
  @Default("docker.io/istio")
  private String hub = "docker.io/istio";

  public Profile getProfile() { return profile; }
  public void setProfile(Profile profile) { this.profile = profile; }
  public String getRevision() { return revision; }
  public void setRevision(String revision) { this.revision = revision; }
  public String getNamespace() { return namespace; }
  public void setNamespace(String namespace) { this.namespace = namespace; }
  public String getVersion() { return version; }
  public void setVersion(String version) { this.version = version; }
  public String getHub() { return hub; }
  public void setHub(String hub) { this.hub = hub; }
}
