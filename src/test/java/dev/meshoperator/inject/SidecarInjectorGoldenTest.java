package dev.meshoperator.inject;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One input pod and one golden injected pod per knob. Every case is also checked for the
 * properties the webhook relies on: the input is not mutated, injecting again changes nothing, and
 * the JSON Patch from input to output reproduces the output.
 */
class SidecarInjectorGoldenTest {

  static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  record Case(String name, String input, InjectionSettings settings, Map<String, String> annotations) {
    Case(String name, String input, InjectionSettings settings) {
      this(name, input, settings, Map.of());
    }

    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Case> cases() {
    InjectionSettings d = InjectionSettings.defaults();
    InjectionSettings canary = d.toBuilder()
        .controlPlaneNamespace("mesh-cp")
        .revision("canary")
        .proxyImage(InjectionSettings.proxyImageFor("registry.example.com/istio", "1.30.3"))
        .clusterId("east")
        .meshId("prod-mesh")
        .trustDomain("example.org")
        .proxyResources(new ResourceRequirementsBuilder()
            .addToRequests("cpu", new Quantity("10m")).addToRequests("memory", new Quantity("40Mi")).build())
        .injectedAnnotations(Map.of("example.org/injected-by", "mesh-operator"))
        .logLevels(new ProxyLogLevels("info", "misc:warning", "default:warn"))
        .neverInjectSelector(List.of(new LabelSelector()))
        .build();
    return Stream.of(
        new Case("classic", "deployment-pod", d),
        new Case("native", "deployment-pod", d.toBuilder().serverSupportsNativeSidecars(true).build()),
        new Case("hold-from-settings", "deployment-pod", d.toBuilder().holdApplicationUntilProxyStarts(true).build()),
        new Case("hold-ignored-when-native", "deployment-pod",
            d.toBuilder().holdApplicationUntilProxyStarts(true).nativeSidecar(NativeSidecarMode.ON).build()),
        new Case("revision-canary", "deployment-pod", canary),
        new Case("classic-user-init", "with-init-containers", d),
        new Case("native-user-init", "with-init-containers", d.toBuilder().nativeSidecar(NativeSidecarMode.ON).build()),
        new Case("cronjob-hold-from-proxy-config", "cronjob-pod", d),
        // meshConfig.defaultConfig reaches the sidecar only through PROXY_CONFIG and env (DNS capture
        // also through istio-init's env), as Istio's injector writes them.
        new Case("mesh-proxy-config", "deployment-pod", d.toBuilder().concurrency(2)
            .proxyMetadata(Map.of("ISTIO_META_DNS_CAPTURE", "true", "ISTIO_META_DNS_AUTO_ALLOCATE", "true")).build()),
        // The pod's proxy.istio.io/config over the mesh's: its fields replace, its proxyMetadata merges key by key.
        new Case("mesh-proxy-config-under-pod", "cronjob-pod", d.toBuilder().concurrency(0)
            .proxyMetadata(Map.of("ISTIO_META_DNS_CAPTURE", "false", "FROM_MESH", "1")).build()),
        new Case("traffic-annotations", "traffic-annotations", d),
        new Case("interception-none", "interception-none", d),
        new Case("interception-none-native", "interception-none", d.toBuilder().nativeSidecar(NativeSidecarMode.ON).build()),
        new Case("proxy-overrides", "proxy-overrides", d),
        new Case("probes", "probes", d),
        new Case("probes-rewrite-off", "probes-rewrite-off", d),
        new Case("probes-rewrite-off-by-settings", "probes", d.toBuilder().rewriteAppHTTPProbers(false).build()),
        new Case("status-port-off", "status-port-off", d),
        new Case("lifecycle", "lifecycle", d),
        new Case("lifecycle-native", "lifecycle", d.toBuilder().nativeSidecar(NativeSidecarMode.ON).build()),
        new Case("lifecycle-rewrite-off-by-settings", "lifecycle", d.toBuilder().rewriteAppHTTPProbers(false).build()),
        // templates
        new Case("gateway-chart", "gateway-chart", d),
        new Case("gateway-chart-native-settings", "gateway-chart", d.toBuilder().nativeSidecar(NativeSidecarMode.ON).build()),
        new Case("gateway-canary-revision", "gateway-chart", canary),
        new Case("grpc-agent", "grpc", d, Map.of("inject.istio.io/templates", "grpc-agent")),
        new Case("grpc-simple", "grpc", d, Map.of("inject.istio.io/templates", "grpc-simple")),
        new Case("templates-list", "templates-list", d.toBuilder().templates(Map.of("team-defaults", teamTemplate())).build()),
        // the same template, written for classic sidecars, over a native one: laid over the init container
        new Case("templates-list-native", "templates-list", d.toBuilder().templates(Map.of("team-defaults", teamTemplate()))
            .nativeSidecar(NativeSidecarMode.ON).build()),
        // the user's own istio-proxy / istio-init
        new Case("proxy-container-override", "proxy-container-override", d),
        new Case("proxy-container-override-native", "proxy-container-override", d.toBuilder().nativeSidecar(NativeSidecarMode.ON).build()),
        new Case("proxy-container-override-tproxy", "proxy-container-override", d,
            Map.of("sidecar.istio.io/interceptionMode", "TPROXY")),
        // annotations with their own volumes and image
        new Case("user-volumes", "user-volumes", d),
        new Case("user-volumes-gateway", "user-volumes", d, Map.of("inject.istio.io/templates", "gateway")),
        // annotations pilot-agent reads itself, reroute interfaces, native off by annotation
        new Case("agent-annotations", "agent-annotations", d.toBuilder().nativeSidecar(NativeSidecarMode.ON).build()),
        // native sidecars of the user's
        new Case("native-user-sidecar-probes", "native-user-sidecar", d.toBuilder().nativeSidecar(NativeSidecarMode.ON).build()),
        // Istio CNI: istio-validation instead of istio-init, and the annotations the plugin reads
        new Case("cni-classic", "deployment-pod", d.toBuilder().cni(true).build()),
        new Case("cni-native", "deployment-pod", d.toBuilder().cni(true).serverSupportsNativeSidecars(true).build()),
        new Case("cni-traffic-annotations", "traffic-annotations", d.toBuilder().cni(true).build()),
        new Case("cni-user-init", "with-init-containers", d.toBuilder().cni(true).build()),
        new Case("cni-proxy-container-override", "proxy-container-override", d.toBuilder().cni(true).build()),
        new Case("cni-interception-none", "interception-none", d.toBuilder().cni(true).build()));
  }

  /** A MeshInstall-declared template: a label, and an env var and a mount for the injected proxy. */
  static Pod teamTemplate() {
    return SERIALIZATION.unmarshal("""
        metadata:
          labels:
            team: shop
        spec:
          containers:
          - name: istio-proxy
            env:
            - name: ISTIO_META_TEAM
              value: shop
            volumeMounts:
            - name: team-ca
              mountPath: /etc/team-ca
          volumes:
          - name: team-ca
            configMap:
              name: team-ca
        """, Pod.class);
  }

  static Pod load(String input) {
    return SERIALIZATION.unmarshal(Golden.read(input + ".in.yaml"), Pod.class);
  }

  static Pod load(Case c) {
    Pod p = load(c.input());
    if (!c.annotations().isEmpty()) {
      Map<String, String> a = new java.util.LinkedHashMap<>(
          p.getMetadata().getAnnotations() == null ? Map.of() : p.getMetadata().getAnnotations());
      a.putAll(c.annotations());
      p.getMetadata().setAnnotations(a);
    }
    return p;
  }

  static Pod injected(Case c) {
    InjectionResult r = SidecarInjector.inject(load(c), c.settings());
    assertThat(r.errors()).as("errors").isEmpty();
    return r.pod();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void matchesGolden(Case c) {
    Golden.check(c.name() + ".golden.yaml", SERIALIZATION.asYaml(injected(c)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void leavesTheInputUntouched(Case c) {
    Pod input = load(c);
    String before = SERIALIZATION.asJson(input);
    InjectionResult r = SidecarInjector.inject(input, c.settings());
    assertThat(r.ok()).isTrue();
    assertThat(SERIALIZATION.asJson(input)).isEqualTo(before);
    assertThat(SERIALIZATION.asJson(r.pod())).isNotEqualTo(before);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void injectingTwiceEqualsInjectingOnce(Case c) {
    Pod once = injected(c);
    InjectionResult twice = SidecarInjector.inject(once, c.settings());
    assertThat(twice.errors()).isEmpty();
    assertThat(SERIALIZATION.asYaml(twice.pod())).isEqualTo(SERIALIZATION.asYaml(once));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void patchFromInputReproducesOutput(Case c) {
    JsonNode before = SERIALIZATION.convertValue(load(c), JsonNode.class);
    JsonNode after = SERIALIZATION.convertValue(injected(c), JsonNode.class);
    ArrayNode patch = JsonPatches.diff(before, after);
    assertThat(patch).isNotEmpty();
    assertThat(JsonPatches.apply(before, patch)).isEqualTo(after);
  }
}
