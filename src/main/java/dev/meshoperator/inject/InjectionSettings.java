package dev.meshoperator.inject;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Everything one revision's injector needs to know about its mesh. The injector's own value type, so
 * that it does not depend on how a MeshInstall spells these; whoever reads a MeshInstall builds one.
 *
 * <p>{@code cni}: Istio CNI runs on the nodes for this revision (Istio's {@code pilot.cni.enabled}):
 * the node sets up the traffic redirect, and injection adds istio-validation instead of istio-init.
 *
 * <p>fabric8 model objects are mutable, so the compact constructor copies them; a settings value
 * handed to several webhook threads must not change under them.
 */
public record InjectionSettings(
    String revision,
    String controlPlaneNamespace,
    String caAddress,
    String proxyImage,
    String clusterId,
    String network,
    String meshId,
    String trustDomain,
    String clusterDomain,
    ResourceRequirements proxyResources,
    NativeSidecarMode nativeSidecar,
    boolean serverSupportsNativeSidecars,
    boolean rewriteAppHTTPProbers,
    boolean holdApplicationUntilProxyStarts,
    Integer concurrency,
    Map<String, String> proxyMetadata,
    List<LabelSelector> neverInjectSelector,
    List<LabelSelector> alwaysInjectSelector,
    Map<String, String> injectedAnnotations,
    ProxyLogLevels logLevels,
    Map<String, Pod> templates,
    boolean cni,
    List<String> tags) {

  public static final String DEFAULT_REVISION = "default";
  public static final String DEFAULT_NAMESPACE = "istio-system";
  public static final String DEFAULT_HUB = "docker.io/istio";
  /** The default Istio release, kept with the supported ones in profile.IstioVersions. */
  public static final String DEFAULT_VERSION = dev.meshoperator.profile.IstioVersions.defaultVersion();

  public InjectionSettings {
    revision = revision == null ? "" : revision;
    Objects.requireNonNull(controlPlaneNamespace, "controlPlaneNamespace");
    Objects.requireNonNull(caAddress, "caAddress");
    Objects.requireNonNull(proxyImage, "proxyImage");
    Objects.requireNonNull(clusterId, "clusterId");
    network = network == null ? "" : network;
    Objects.requireNonNull(meshId, "meshId");
    Objects.requireNonNull(trustDomain, "trustDomain");
    Objects.requireNonNull(clusterDomain, "clusterDomain");
    Objects.requireNonNull(nativeSidecar, "nativeSidecar");
    Objects.requireNonNull(logLevels, "logLevels");
    proxyResources = proxyResources == null
        ? new ResourceRequirements()
        : new ResourceRequirementsBuilder(proxyResources).build();
    proxyMetadata = proxyMetadata == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(proxyMetadata));
    neverInjectSelector = copySelectors(neverInjectSelector);
    alwaysInjectSelector = copySelectors(alwaysInjectSelector);
    injectedAnnotations = injectedAnnotations == null
        ? Map.of()
        : Collections.unmodifiableMap(new LinkedHashMap<>(injectedAnnotations));
    templates = copyTemplates(templates);
    tags = tags == null ? List.of() : List.copyOf(tags);
  }

  /**
   * Whether pods asking for {@code requested} (an istio.io/rev value, "default" for
   * istio-injection=enabled) are this injector's: its own revision or one of its revision tags.
   */
  public boolean answersTo(String requested) {
    return revisionName().equals(requested) || tags.contains(requested);
  }

  /** The default revision in istio-system with the default Istio release's proxy defaults. */
  public static InjectionSettings defaults() {
    return forRevision(DEFAULT_REVISION, DEFAULT_NAMESPACE, DEFAULT_HUB, DEFAULT_VERSION);
  }

  /** Istio's proxy defaults for a revision's control plane, CA address and image derived from names. */
  public static InjectionSettings forRevision(String revision, String namespace, String hub, String version) {
    return new InjectionSettings(
        revision,
        namespace,
        caAddressFor(revision, namespace),
        proxyImageFor(hub, version),
        "Kubernetes",
        "",
        "cluster.local",
        "cluster.local",
        "cluster.local",
        defaultProxyResources(),
        NativeSidecarMode.AUTO,
        false,
        true,
        false,
        null,
        Map.of(),
        List.of(),
        List.of(),
        Map.of(),
        ProxyLogLevels.defaults(),
        Map.of(),
        false,
        List.of());
  }

  /** Where pilot-agent looks for istiod unless its ProxyConfig says otherwise (Istio's mesh.DefaultProxyConfig). */
  public static final String DEFAULT_DISCOVERY_ADDRESS = "istiod.istio-system.svc:15012";

  /**
   * The mesh-wide ProxyConfig every injected proxy starts from, before its pod's
   * {@code proxy.istio.io/config}: the mesh config's defaultConfig without the fields equal to
   * pilot-agent's own defaults, as Istio's injector writes it into PROXY_CONFIG. Sidecars do not
   * read the mesh config, so this is how a revision's or another namespace's sidecar finds its
   * istiod (discoveryAddress) and how mesh-wide concurrency and proxyMetadata reach it. A fresh
   * object on every call; empty for the default revision in istio-system with nothing else set.
   */
  public com.fasterxml.jackson.databind.node.ObjectNode meshProxyConfig() {
    var config = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    if (!DEFAULT_DISCOVERY_ADDRESS.equals(caAddress)) {
      config.put("discoveryAddress", caAddress);
    }
    if (concurrency != null) {
      config.put("concurrency", concurrency.intValue());
    }
    if (!proxyMetadata.isEmpty()) {
      var metadata = config.putObject("proxyMetadata");
      proxyMetadata.forEach(metadata::put);
    }
    if (holdApplicationUntilProxyStarts) {
      config.put("holdApplicationUntilProxyStarts", true);
    }
    return config;
  }

  /** Whether {@link #meshProxyConfig()} has anything in it. */
  public boolean hasMeshProxyConfig() {
    return !DEFAULT_DISCOVERY_ADDRESS.equals(caAddress) || concurrency != null || !proxyMetadata.isEmpty()
        || holdApplicationUntilProxyStarts;
  }

  /** {@code istiod[-rev].<ns>.svc:15012}: the Service istiod's certificate is issued for. */
  public static String caAddressFor(String revision, String namespace) {
    return istiodServiceName(revision) + "." + namespace + ".svc:15012";
  }

  public static String istiodServiceName(String revision) {
    return isDefault(revision) ? "istiod" : "istiod-" + revision;
  }

  public static String proxyImageFor(String hub, String version) {
    return hub + "/proxyv2:" + version;
  }

  /** Both "" and "default" name the default revision, as in Istio. */
  public static boolean isDefault(String revision) {
    return revision == null || revision.isEmpty() || DEFAULT_REVISION.equals(revision);
  }

  public static String normalizeRevision(String revision) {
    return isDefault(revision) ? DEFAULT_REVISION : revision;
  }

  /** The revision's name as pods and the status annotation carry it: never empty. */
  public String revisionName() {
    return normalizeRevision(revision);
  }

  /**
   * The pod's network: its own {@code topology.istio.io/network} label when it has one (even empty),
   * else this cluster's; Istio's injector (pkg/kube/inject/inject.go extractClusterAndNetwork)
   * gives the pod label the last word. Namespace labels are not consulted there: istiod reads a
   * namespace's label itself when it assigns endpoints to networks.
   */
  public String networkOf(Map<String, String> podLabels) {
    if (podLabels != null && podLabels.containsKey(IstioKeys.TOPOLOGY_NETWORK)) {
      String label = podLabels.get(IstioKeys.TOPOLOGY_NETWORK);
      return label == null ? "" : label;
    }
    return network;
  }

  /** Native sidecars unless the pod says otherwise. */
  public boolean nativeSidecarsByDefault() {
    return switch (nativeSidecar) {
      case ON -> true;
      case OFF -> false;
      case AUTO -> serverSupportsNativeSidecars;
    };
  }

  public static ResourceRequirements defaultProxyResources() {
    return new ResourceRequirementsBuilder()
        .addToRequests("cpu", new Quantity("100m"))
        .addToRequests("memory", new Quantity("128Mi"))
        .addToLimits("cpu", new Quantity("2000m"))
        .addToLimits("memory", new Quantity("1024Mi"))
        .build();
  }

  /** A fresh copy on every call, since fabric8 objects are mutable and this record is shared. */
  @Override
  public ResourceRequirements proxyResources() {
    return new ResourceRequirementsBuilder(proxyResources).build();
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  /**
   * User templates ({@code spec.sidecarInjector.templates}): name to the pod fragment laid over the
   * pod. Sorted by name, each a private copy; a fresh copy on every call, as for the resources.
   */
  @Override
  public Map<String, Pod> templates() {
    return copyTemplates(templates);
  }

  private static Map<String, Pod> copyTemplates(Map<String, Pod> templates) {
    Map<String, Pod> out = new TreeMap<>();
    if (templates != null) {
      templates.forEach((k, v) -> out.put(k, TEMPLATE_COPIER.clone(v)));
    }
    return Collections.unmodifiableMap(out);
  }

  private static final KubernetesSerialization TEMPLATE_COPIER = new KubernetesSerialization();

  private static List<LabelSelector> copySelectors(List<LabelSelector> selectors) {
    if (selectors == null) {
      return List.of();
    }
    return selectors.stream().map(s -> new LabelSelectorBuilder(s).build()).toList();
  }

  /** For variations on {@link #defaults()}; every component keeps its value unless set. */
  public static final class Builder {
    private String revision;
    private String controlPlaneNamespace;
    private String caAddress;
    private String proxyImage;
    private String clusterId;
    private String network;
    private String meshId;
    private String trustDomain;
    private String clusterDomain;
    private ResourceRequirements proxyResources;
    private NativeSidecarMode nativeSidecar;
    private boolean serverSupportsNativeSidecars;
    private boolean rewriteAppHTTPProbers;
    private boolean holdApplicationUntilProxyStarts;
    private Integer concurrency;
    private Map<String, String> proxyMetadata;
    private List<LabelSelector> neverInjectSelector;
    private List<LabelSelector> alwaysInjectSelector;
    private Map<String, String> injectedAnnotations;
    private ProxyLogLevels logLevels;
    private Map<String, Pod> templates;
    private boolean cni;
    private List<String> tags = List.of();

    private Builder(InjectionSettings s) {
      revision = s.revision;
      controlPlaneNamespace = s.controlPlaneNamespace;
      caAddress = s.caAddress;
      proxyImage = s.proxyImage;
      clusterId = s.clusterId;
      network = s.network;
      meshId = s.meshId;
      trustDomain = s.trustDomain;
      clusterDomain = s.clusterDomain;
      proxyResources = s.proxyResources();
      nativeSidecar = s.nativeSidecar;
      serverSupportsNativeSidecars = s.serverSupportsNativeSidecars;
      rewriteAppHTTPProbers = s.rewriteAppHTTPProbers;
      holdApplicationUntilProxyStarts = s.holdApplicationUntilProxyStarts;
      concurrency = s.concurrency;
      proxyMetadata = s.proxyMetadata;
      neverInjectSelector = s.neverInjectSelector;
      alwaysInjectSelector = s.alwaysInjectSelector;
      injectedAnnotations = s.injectedAnnotations;
      logLevels = s.logLevels;
      templates = s.templates;
      cni = s.cni;
      tags = s.tags;
    }

    /** Also moves the CA address to the revision's istiod, which is almost always what is meant. */
    public Builder revision(String v) {
      revision = v;
      caAddress = caAddressFor(v, controlPlaneNamespace);
      return this;
    }

    /** Also moves the CA address into the namespace. */
    public Builder controlPlaneNamespace(String v) {
      controlPlaneNamespace = v;
      caAddress = caAddressFor(revision, v);
      return this;
    }

    public Builder caAddress(String v) { caAddress = v; return this; }
    public Builder proxyImage(String v) { proxyImage = v; return this; }
    public Builder clusterId(String v) { clusterId = v; return this; }
    public Builder network(String v) { network = v; return this; }
    public Builder meshId(String v) { meshId = v; return this; }
    public Builder trustDomain(String v) { trustDomain = v; return this; }
    public Builder clusterDomain(String v) { clusterDomain = v; return this; }
    public Builder proxyResources(ResourceRequirements v) { proxyResources = v; return this; }
    public Builder nativeSidecar(NativeSidecarMode v) { nativeSidecar = v; return this; }
    public Builder serverSupportsNativeSidecars(boolean v) { serverSupportsNativeSidecars = v; return this; }
    public Builder rewriteAppHTTPProbers(boolean v) { rewriteAppHTTPProbers = v; return this; }
    public Builder holdApplicationUntilProxyStarts(boolean v) { holdApplicationUntilProxyStarts = v; return this; }
    public Builder concurrency(Integer v) { concurrency = v; return this; }
    public Builder proxyMetadata(Map<String, String> v) { proxyMetadata = v; return this; }
    public Builder neverInjectSelector(List<LabelSelector> v) { neverInjectSelector = v; return this; }
    public Builder alwaysInjectSelector(List<LabelSelector> v) { alwaysInjectSelector = v; return this; }
    public Builder injectedAnnotations(Map<String, String> v) { injectedAnnotations = v; return this; }
    public Builder logLevels(ProxyLogLevels v) { logLevels = v; return this; }
    public Builder templates(Map<String, Pod> v) { templates = v; return this; }
    public Builder cni(boolean v) { cni = v; return this; }
    public Builder tags(List<String> v) { tags = v; return this; }

    public InjectionSettings build() {
      return new InjectionSettings(revision, controlPlaneNamespace, caAddress, proxyImage, clusterId,
          network, meshId, trustDomain, clusterDomain, proxyResources, nativeSidecar,
          serverSupportsNativeSidecars, rewriteAppHTTPProbers, holdApplicationUntilProxyStarts, concurrency,
          proxyMetadata, neverInjectSelector, alwaysInjectSelector, injectedAnnotations, logLevels, templates, cni, tags);
    }
  }
}
