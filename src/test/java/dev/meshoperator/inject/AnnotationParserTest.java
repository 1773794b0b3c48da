package dev.meshoperator.inject;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Quantity;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class AnnotationParserTest {

  private static final InjectionSettings S = InjectionSettings.defaults();

  static Stream<Arguments> invalid() {
    return Stream.of(
        Arguments.of("sidecar.istio.io/proxyCPU", "lots",
            "annotation sidecar.istio.io/proxyCPU: \"lots\" is not a valid quantity"),
        Arguments.of("sidecar.istio.io/proxyMemory", "-1Gi",
            "annotation sidecar.istio.io/proxyMemory: \"-1Gi\" is not a valid quantity"),
        Arguments.of("sidecar.istio.io/proxyCPULimit", "",
            "annotation sidecar.istio.io/proxyCPULimit: \"\" is not a valid quantity"),
        Arguments.of("sidecar.istio.io/proxyMemoryLimit", "1GB",
            "annotation sidecar.istio.io/proxyMemoryLimit: \"1GB\" is not a valid quantity"),
        Arguments.of("sidecar.istio.io/interceptionMode", "redirect",
            "annotation sidecar.istio.io/interceptionMode: \"redirect\" is not a valid interception mode (REDIRECT, TPROXY or NONE)"),
        Arguments.of("traffic.sidecar.istio.io/includeOutboundIPRanges", "10.0.0.0/8,10.1.2.3",
            "annotation traffic.sidecar.istio.io/includeOutboundIPRanges: \"10.0.0.0/8,10.1.2.3\" is not \"*\" or a comma-separated list of CIDRs"),
        Arguments.of("traffic.sidecar.istio.io/excludeOutboundIPRanges", "*",
            "annotation traffic.sidecar.istio.io/excludeOutboundIPRanges: \"*\" is not a comma-separated list of CIDRs"),
        Arguments.of("traffic.sidecar.istio.io/excludeOutboundIPRanges", "300.0.0.0/8",
            "annotation traffic.sidecar.istio.io/excludeOutboundIPRanges: \"300.0.0.0/8\" is not a comma-separated list of CIDRs"),
        Arguments.of("traffic.sidecar.istio.io/excludeOutboundIPRanges", "fd00::/129",
            "annotation traffic.sidecar.istio.io/excludeOutboundIPRanges: \"fd00::/129\" is not a comma-separated list of CIDRs"),
        Arguments.of("traffic.sidecar.istio.io/includeInboundPorts", "80,http",
            "annotation traffic.sidecar.istio.io/includeInboundPorts: \"80,http\" is not \"*\" or a comma-separated list of ports (1-65535)"),
        Arguments.of("traffic.sidecar.istio.io/excludeInboundPorts", "*",
            "annotation traffic.sidecar.istio.io/excludeInboundPorts: \"*\" is not a comma-separated list of ports (1-65535)"),
        Arguments.of("traffic.sidecar.istio.io/includeOutboundPorts", "0",
            "annotation traffic.sidecar.istio.io/includeOutboundPorts: \"0\" is not a comma-separated list of ports (1-65535)"),
        Arguments.of("traffic.sidecar.istio.io/excludeOutboundPorts", "65536",
            "annotation traffic.sidecar.istio.io/excludeOutboundPorts: \"65536\" is not a comma-separated list of ports (1-65535)"),
        Arguments.of("traffic.sidecar.istio.io/excludeInterfaces", "averyveryverylongname",
            "annotation traffic.sidecar.istio.io/excludeInterfaces: \"averyveryverylongname\" is not a comma-separated list of interface names (at most 15 characters, a letter then letters, digits, '_', '.' or '-')"),
        Arguments.of("traffic.sidecar.istio.io/kubevirtInterfaces", "0eth",
            "annotation traffic.sidecar.istio.io/kubevirtInterfaces: \"0eth\" is not a comma-separated list of interface names (at most 15 characters, a letter then letters, digits, '_', '.' or '-')"),
        Arguments.of("istio.io/reroute-virtual-interfaces", "net/1",
            "annotation istio.io/reroute-virtual-interfaces: \"net/1\" is not a comma-separated list of interface names (at most 15 characters, a letter then letters, digits, '_', '.' or '-')"),
        Arguments.of("status.sidecar.istio.io/port", "70000",
            "annotation status.sidecar.istio.io/port: \"70000\" is not a valid port (0-65535)"),
        Arguments.of("readiness.status.sidecar.istio.io/initialDelaySeconds", "-1",
            "annotation readiness.status.sidecar.istio.io/initialDelaySeconds: \"-1\" is not a non-negative 32-bit integer"),
        Arguments.of("readiness.status.sidecar.istio.io/periodSeconds", "1.5",
            "annotation readiness.status.sidecar.istio.io/periodSeconds: \"1.5\" is not a positive 32-bit integer"),
        Arguments.of("readiness.status.sidecar.istio.io/periodSeconds", "0",
            "annotation readiness.status.sidecar.istio.io/periodSeconds: \"0\" is not a positive 32-bit integer"),
        Arguments.of("readiness.status.sidecar.istio.io/failureThreshold", "9999999999",
            "annotation readiness.status.sidecar.istio.io/failureThreshold: \"9999999999\" is not a positive 32-bit integer"),
        Arguments.of("sidecar.istio.io/nativeSidecar", "yes",
            "annotation sidecar.istio.io/nativeSidecar: \"yes\" is not a boolean (true or false)"),
        Arguments.of("sidecar.istio.io/rewriteAppHTTPProbers", "maybe",
            "annotation sidecar.istio.io/rewriteAppHTTPProbers: \"maybe\" is not a boolean (true or false)"),
        Arguments.of("prometheus.istio.io/merge-metrics", "nope",
            "annotation prometheus.istio.io/merge-metrics: \"nope\" is not a boolean (true or false)"),
        Arguments.of("sidecar.istio.io/proxyImage", "my image",
            "annotation sidecar.istio.io/proxyImage: \"my image\" is not a valid image reference"),
        Arguments.of("sidecar.istio.io/logLevel", "verbose",
            "annotation sidecar.istio.io/logLevel: \"verbose\" is not an Envoy log level (trace, debug, info, warning, error, critical, off)"),
        Arguments.of("sidecar.istio.io/componentLogLevel", "misc",
            "annotation sidecar.istio.io/componentLogLevel: \"misc\" is not a comma-separated list of component:level with Envoy log levels"),
        Arguments.of("sidecar.istio.io/agentLogLevel", "default:loud",
            "annotation sidecar.istio.io/agentLogLevel: \"default:loud\" is not a level or a comma-separated list of scope:level (levels debug, info, warn, error, fatal, none)"),
        Arguments.of("proxy.istio.io/config", "[1, 2]",
            "annotation proxy.istio.io/config: \"[1, 2]\" is not a ProxyConfig mapping"),
        Arguments.of("proxy.istio.io/config", "holdApplicationUntilProxyStarts: sometimes",
            "annotation proxy.istio.io/config: \"holdApplicationUntilProxyStarts: sometimes\" is not a valid ProxyConfig: holdApplicationUntilProxyStarts must be a boolean"),
        Arguments.of("inject.istio.io/templates", "sidecar,egress",
            "annotation inject.istio.io/templates: \"sidecar,egress\" names template egress, which this injector does not have (known: sidecar, gateway, grpc-simple, grpc-agent)"),
        Arguments.of("inject.istio.io/templates", " , ",
            "annotation inject.istio.io/templates: \" , \" names no template"),
        Arguments.of("sidecar.istio.io/proxyImageType", "Distroless!",
            "annotation sidecar.istio.io/proxyImageType: \"Distroless!\" is not an image type (such as default, distroless or debug)"),
        Arguments.of("sidecar.istio.io/bootstrapOverride", "My_Bootstrap",
            "annotation sidecar.istio.io/bootstrapOverride: \"My_Bootstrap\" is not a ConfigMap name"),
        Arguments.of("sidecar.istio.io/userVolume", "{oops",
            "annotation sidecar.istio.io/userVolume: \"{oops\" is not JSON (a map from name to volume, or a list of named volumes)"),
        Arguments.of("sidecar.istio.io/userVolume", "{\"v\":{\"secret\":{\"secretName\":\"s\"},\"emptyDir\":{}}}",
            "annotation sidecar.istio.io/userVolume: \"{\\\"v\\\":{\\\"secret\\\":{\\\"secretName\\\":\\\"s\\\"},\\\"emptyDir\\\":{}}}\" volume v must have exactly one source (such as secret or configMap)"),
        Arguments.of("sidecar.istio.io/userVolumeMount", "{\"Bad_Name\":{\"mountPath\":\"/x\"}}",
            "annotation sidecar.istio.io/userVolumeMount: \"{\\\"Bad_Name\\\":{\\\"mountPath\\\":\\\"/x\\\"}}\" name Bad_Name is not a DNS label"),
        Arguments.of("sidecar.istio.io/userVolumeMount", "{\"v\":{\"readOnly\":true}}",
            "annotation sidecar.istio.io/userVolumeMount: \"{\\\"v\\\":{\\\"readOnly\\\":true}}\" mount v has no mountPath"),
        Arguments.of("proxy.istio.io/config", "interceptionMode: FAST",
            "annotation proxy.istio.io/config: \"interceptionMode: FAST\" is not a valid ProxyConfig: interceptionMode must be REDIRECT, TPROXY or NONE"));
  }

  @ParameterizedTest(name = "{0}={1}")
  @MethodSource("invalid")
  void invalidValueIsNamedInTheError(String annotation, String value, String message) {
    AnnotationParser.Result r = AnnotationParser.parse(Map.of(annotation, value), S);
    assertThat(r.ok()).isFalse();
    assertThat(r.errors()).containsExactly(message);
  }

  @Test
  void brokenYamlInProxyConfigIsReported() {
    AnnotationParser.Result r = AnnotationParser.parse(Map.of("proxy.istio.io/config", "a: [b"), S);
    assertThat(r.errors()).singleElement().asString()
        .startsWith("annotation proxy.istio.io/config: \"a: [b\" is not valid YAML or JSON: ");
  }

  @Test
  void everyErrorIsCollectedInAFixedOrder() {
    Map<String, String> a = new LinkedHashMap<>();
    a.put("sidecar.istio.io/proxyMemory", "much");
    a.put("sidecar.istio.io/proxyCPU", "lots");
    a.put("sidecar.istio.io/interceptionMode", "MAGIC");
    a.put("status.sidecar.istio.io/port", "x");
    AnnotationParser.Result r = AnnotationParser.parse(a, S);
    assertThat(r.errors()).containsExactly(
        "annotation sidecar.istio.io/interceptionMode: \"MAGIC\" is not a valid interception mode (REDIRECT, TPROXY or NONE)",
        "annotation status.sidecar.istio.io/port: \"x\" is not a valid port (0-65535)",
        "annotation sidecar.istio.io/proxyCPU: \"lots\" is not a valid quantity",
        "annotation sidecar.istio.io/proxyMemory: \"much\" is not a valid quantity");
  }

  @Test
  void requestAboveLimitIsRefusedNamingBoth() {
    AnnotationParser.Result r = AnnotationParser.parse(
        Map.of("sidecar.istio.io/proxyCPU", "3", "sidecar.istio.io/proxyCPULimit", "2000m"), S);
    assertThat(r.errors()).containsExactly(
        "annotation sidecar.istio.io/proxyCPU: \"3\" is more than sidecar.istio.io/proxyCPULimit \"2000m\"");
  }

  @Test
  void valuesWithQuotesAreEscapedInMessages() {
    AnnotationParser.Result r = AnnotationParser.parse(Map.of("sidecar.istio.io/proxyCPU", "1\"x"), S);
    assertThat(r.errors()).containsExactly("annotation sidecar.istio.io/proxyCPU: \"1\\\"x\" is not a valid quantity");
  }

  @Test
  void noAnnotationsGivesTheSettings() {
    AnnotationParser.Result r = AnnotationParser.parse(Map.of(), S);
    assertThat(r.ok()).isTrue();
    SidecarOptions o = r.options();
    assertThat(o.interceptionMode()).isEqualTo(InterceptionMode.REDIRECT);
    assertThat(o.includeOutboundIPRanges()).isEqualTo("*");
    assertThat(o.excludeOutboundIPRanges()).isEmpty();
    assertThat(o.includeInboundPorts()).isEqualTo("*");
    assertThat(o.statusPort()).isEqualTo(15020);
    assertThat(o.readinessPeriodSeconds()).isEqualTo(15);
    assertThat(o.readinessFailureThreshold()).isEqualTo(4);
    assertThat(o.resources()).isEqualTo(S.proxyResources());
    assertThat(o.proxyImage()).isEqualTo("docker.io/istio/proxyv2:" + InjectionSettings.DEFAULT_VERSION);
    assertThat(o.logLevels()).isEqualTo(ProxyLogLevels.defaults());
    assertThat(o.nativeSidecar()).isFalse();
    assertThat(o.rewriteAppProbes()).isTrue();
    assertThat(o.holdApplicationUntilProxyStarts()).isFalse();
    assertThat(o.proxyConfig().isEmpty()).isTrue();
  }

  @Test
  void validValuesAreNormalisedAndApplied() {
    Map<String, String> a = new LinkedHashMap<>();
    a.put("sidecar.istio.io/interceptionMode", "TPROXY");
    a.put("traffic.sidecar.istio.io/includeOutboundIPRanges", " 10.0.0.0/8 , fd00::/8,");
    a.put("traffic.sidecar.istio.io/excludeInboundPorts", "8080, 9090");
    a.put("traffic.sidecar.istio.io/kubevirtInterfaces", "net1");
    a.put("istio.io/reroute-virtual-interfaces", "net2,eth0.1");
    a.put("status.sidecar.istio.io/port", "15999");
    a.put("sidecar.istio.io/proxyMemory", "1Gi");
    a.put("sidecar.istio.io/nativeSidecar", "True");
    a.put("sidecar.istio.io/agentLogLevel", "debug");
    a.put("proxy.istio.io/config", "holdApplicationUntilProxyStarts: true\nproxyMetadata:\n  B: '2'\n  A: x\n");
    AnnotationParser.Result r = AnnotationParser.parse(a, S);
    assertThat(r.errors()).isEmpty();
    SidecarOptions o = r.options();
    assertThat(o.interceptionMode()).isEqualTo(InterceptionMode.TPROXY);
    assertThat(o.includeOutboundIPRanges()).isEqualTo("10.0.0.0/8,fd00::/8");
    assertThat(o.excludeInboundPorts()).isEqualTo("8080,9090");
    assertThat(o.rerouteInterfaces()).isEqualTo("net2,eth0.1");
    assertThat(o.statusPort()).isEqualTo(15999);
    assertThat(o.resources().getRequests()).containsOnlyKeys("memory").containsEntry("memory", new Quantity("1Gi"));
    assertThat(o.resources().getLimits()).isNullOrEmpty();
    assertThat(o.nativeSidecar()).isTrue();
    assertThat(o.logLevels().agent()).isEqualTo("debug");
    assertThat(o.holdApplicationUntilProxyStarts()).isTrue();
    assertThat(o.proxyMetadata()).containsExactly(Map.entry("A", "x"), Map.entry("B", "2"));
    assertThat(o.proxyConfig().get("statusPort").asInt()).isEqualTo(15999);
  }

  @Test
  void proxyConfigInterceptionModeAndStatusPortApplyWhenAnnotationsAreSilent() {
    SidecarOptions o = AnnotationParser.parse(
        Map.of("proxy.istio.io/config", "{\"interceptionMode\": \"TPROXY\", \"statusPort\": 15555}"), S).options();
    assertThat(o.interceptionMode()).isEqualTo(InterceptionMode.TPROXY);
    assertThat(o.statusPort()).isEqualTo(15555);
  }

  @Test
  void settingsNativeModeFollowsServerSupportInAuto() {
    InjectionSettings auto = S.toBuilder().serverSupportsNativeSidecars(true).build();
    assertThat(AnnotationParser.parse(Map.of(), auto).options().nativeSidecar()).isTrue();
    InjectionSettings off = auto.toBuilder().nativeSidecar(NativeSidecarMode.OFF).build();
    assertThat(AnnotationParser.parse(Map.of(), off).options().nativeSidecar()).isFalse();
    assertThat(AnnotationParser.parse(Map.of("sidecar.istio.io/nativeSidecar", "true"), off).options().nativeSidecar())
        .isTrue();
    InjectionSettings on = S.toBuilder().nativeSidecar(NativeSidecarMode.ON).build();
    assertThat(AnnotationParser.parse(Map.of(), on).options().nativeSidecar()).isTrue();
  }
}
