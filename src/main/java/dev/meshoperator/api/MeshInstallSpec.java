package dev.meshoperator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * What to install. Unset fields take the profile's value; set fields win over the profile, field by
 * field (see {@code dev.meshoperator.profile.Profiles}).
 */
// Transition rules at spec level because a field-level "self == oldSelf" only runs when the field
// exists on both sides, so adding or removing an optional revision would slip through.
@ValidationRule(
    value = "(has(self.revision) ? self.revision : '') == (has(oldSelf.revision) ? oldSelf.revision : '')",
    message = "revision is immutable (it cannot be set, changed or removed later); create a new MeshInstall for a canary revision",
    fieldPath = ".revision",
    reason = "FieldValueForbidden")
@ValidationRule(
    value = "(has(self.__namespace__) ? self.__namespace__ : 'istio-system') == (has(oldSelf.__namespace__) ? oldSelf.__namespace__ : 'istio-system')",
    message = "namespace is immutable; create a new MeshInstall to move the control plane",
    fieldPath = ".namespace",
    reason = "FieldValueForbidden")
@ValidationRule(
    value = "self.profile != 'remote' || (has(self.remote) && has(self.remote.address) && self.remote.address != '')",
    message = "the remote profile requires spec.remote.address (the external istiod)",
    fieldPath = ".remote",
    reason = "FieldValueRequired")
@JsonInclude(JsonInclude.Include.NON_NULL)
public class MeshInstallSpec {
  public static final String DEFAULT_NAMESPACE = "istio-system";
  /**
   * The CRD schema's default spec.version. It has to be a compile-time constant (it is an
   * annotation value) in this bottom package, so it cannot be computed from
   * profile.IstioVersions, where the supported releases are kept: it is IstioVersions.defaultVersion()
   * (the newest patch of the newest supported minor) written out, and IstioCrdsTest fails when the
   * two differ. Code outside the schema asks IstioVersions.defaultVersion().
   */
  public static final String DEFAULT_VERSION = "1.32.0";
  public static final String DEFAULT_HUB = "docker.io/istio";
  /**
   * The shape of an Istio release tag: 1.30.3, or a variant such as 1.30.3-distroless. Whether the
   * minor is supported is decided in one place, profile.IstioVersions, and reported in status;
   * the API server refuses only what cannot be a release at all. {@code [.]}, not {@code \.}:
   * the same text is a CEL string literal, where {@code \.} is no valid escape.
   */
  public static final String VERSION_FORMAT = "^[0-9]+[.][0-9]+[.][0-9]+(-[A-Za-z0-9.]+)?$";
  /** meshId: a label-value-like name, as long as a DNS subdomain (the trust domain it defaults to). */
  public static final String MESH_ID_PATTERN = "^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$";

  @JsonPropertyDescription("Starting set of components: default, demo, minimal, remote or empty.")
  @Default("default")
  private Profile profile = Profile.DEFAULT;

  @JsonPropertyDescription("Control plane revision (a DNS label); unset or empty means the default revision. A revision R suffixes every installed name with -R and labels istio.io/rev=R. Immutable.")
  @Pattern("^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)?$")
  private String revision;

  @JsonPropertyDescription("Namespace of the control plane. Immutable.")
  @Default(DEFAULT_NAMESPACE)
  @Pattern("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
  private String namespace = DEFAULT_NAMESPACE;

  @JsonPropertyDescription("Istio release (image tag) whose images run the control plane and the sidecars: MAJOR.MINOR.PATCH[-variant]. "
      + "An unsupported minor is reported in status (condition InvalidSpec) with the supported ones.")
  @Default(DEFAULT_VERSION)
  @Size(max = 128)
  @ValidationRule(
      value = "self.matches('" + VERSION_FORMAT + "')",
      message = "must be an Istio release such as " + DEFAULT_VERSION + " (MAJOR.MINOR.PATCH, optionally -variant such as " + DEFAULT_VERSION + "-distroless)",
      reason = "FieldValueInvalid")
  private String version = DEFAULT_VERSION;

  @JsonPropertyDescription("Image registry of the Istio images: <hub>/pilot:<version> and <hub>/proxyv2:<version>.")
  @Default(DEFAULT_HUB)
  @Pattern("^[^\\s:/][^\\s]*[^\\s/]$")
  private String hub = DEFAULT_HUB;

  @JsonPropertyDescription("Per-component settings overlaid on the profile.")
  private Components components;

  @JsonPropertyDescription("Mesh-wide settings written to the istio mesh ConfigMap.")
  private MeshConfigSpec meshConfig;

  @JsonPropertyDescription("How the operator's webhook injects sidecars.")
  private SidecarInjectorSpec sidecarInjector;

  @JsonPropertyDescription("The external istiod this cluster uses; required by the remote profile.")
  private RemoteSpec remote;

  @JsonPropertyDescription("Optional observability addons; off unless enabled.")
  private AddonsSpec addons;

  @JsonPropertyDescription("This cluster's name and network in a multi-cluster mesh.")
  private ClusterSpec cluster;

  @JsonPropertyDescription("ID of the mesh (ISTIO_META_MESH_ID, the mesh config's defaultConfig.meshId). Unset: the trust domain, as in Istio.")
  @Size(max = 253)
  @Pattern(MESH_ID_PATTERN)
  private String meshId;

  @JsonPropertyDescription("What a change of spec.version does: InPlace (default) or RevisionBased, see the README's upgrade guide.")
  private UpdateStrategySpec updateStrategy;

  @JsonPropertyDescription("Revision tags: names a namespace can label istio.io/rev=<tag> with; each always points at this "
      + "install's active revision, so an upgrade moves the tag and the namespace's label stays.")
  private java.util.List<String> revisionTags;

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
  public Components getComponents() { return components; }
  public void setComponents(Components components) { this.components = components; }
  public MeshConfigSpec getMeshConfig() { return meshConfig; }
  public void setMeshConfig(MeshConfigSpec meshConfig) { this.meshConfig = meshConfig; }
  public SidecarInjectorSpec getSidecarInjector() { return sidecarInjector; }
  public void setSidecarInjector(SidecarInjectorSpec sidecarInjector) { this.sidecarInjector = sidecarInjector; }
  public RemoteSpec getRemote() { return remote; }
  public void setRemote(RemoteSpec remote) { this.remote = remote; }
  public AddonsSpec getAddons() { return addons; }
  public void setAddons(AddonsSpec addons) { this.addons = addons; }
  public ClusterSpec getCluster() { return cluster; }
  public void setCluster(ClusterSpec cluster) { this.cluster = cluster; }
  public String getMeshId() { return meshId; }
  public void setMeshId(String meshId) { this.meshId = meshId; }
  public UpdateStrategySpec getUpdateStrategy() { return updateStrategy; }
  public void setUpdateStrategy(UpdateStrategySpec updateStrategy) { this.updateStrategy = updateStrategy; }
  public java.util.List<String> getRevisionTags() { return revisionTags; }
  public void setRevisionTags(java.util.List<String> revisionTags) { this.revisionTags = revisionTags; }
}
