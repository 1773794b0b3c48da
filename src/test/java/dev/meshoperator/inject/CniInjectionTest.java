package dev.meshoperator.inject;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Injection with Istio CNI on for the revision: istio-validation (no capability, proxy uid) instead
 * of istio-init, and the annotations the istio-cni plugin reads. Controls: the same pod without CNI.
 */
class CniInjectionTest {
  private static final InjectionSettings OFF = InjectionSettings.defaults();
  private static final InjectionSettings ON = OFF.toBuilder().cni(true).build();

  private static Pod pod(Map<String, String> annotations) {
    return new PodBuilder()
        .withNewMetadata().withName("p").withNamespace("ns").withAnnotations(annotations).endMetadata()
        .withNewSpec().addNewContainer().withName("app").withImage("app:1").endContainer().endSpec()
        .build();
  }

  private static Pod inject(Pod pod, InjectionSettings s) {
    InjectionResult r = SidecarInjector.inject(pod, "ns", s);
    assertThat(r.errors()).isEmpty();
    return r.pod();
  }

  private static List<String> initNames(Pod p) {
    return p.getSpec().getInitContainers() == null ? List.of() : p.getSpec().getInitContainers().stream().map(Container::getName).toList();
  }

  private static Container init(Pod p, String name) {
    return p.getSpec().getInitContainers().stream().filter(c -> c.getName().equals(name)).findFirst().orElseThrow();
  }

  @Test
  void validationReplacesInitAndAsksForNoPrivilege() {
    Pod withCni = inject(pod(Map.of()), ON);
    Pod without = inject(pod(Map.of()), OFF);

    assertThat(initNames(without)).containsExactly("istio-init");
    assertThat(init(without, "istio-init").getSecurityContext().getCapabilities().getAdd()).containsExactly("NET_ADMIN", "NET_RAW");

    assertThat(initNames(withCni)).containsExactly("istio-validation");
    Container v = init(withCni, "istio-validation");
    var sc = v.getSecurityContext();
    assertThat(sc.getCapabilities().getAdd()).isNullOrEmpty();
    assertThat(sc.getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(sc.getPrivileged()).isFalse();
    assertThat(sc.getAllowPrivilegeEscalation()).isFalse();
    assertThat(sc.getRunAsNonRoot()).isTrue();
    assertThat(sc.getRunAsUser()).isEqualTo(1337L);
    assertThat(sc.getRunAsGroup()).isEqualTo(1337L);
    assertThat(sc.getReadOnlyRootFilesystem()).isTrue();
    assertThat(v.getImage()).isEqualTo(OFF.proxyImage());
    // Same istio-iptables arguments, then only the check.
    List<String> initArgs = init(without, "istio-init").getArgs();
    assertThat(v.getArgs()).startsWith(initArgs.toArray(String[]::new));
    assertThat(v.getArgs().subList(initArgs.size(), v.getArgs().size())).containsExactly("--run-validation", "--skip-rule-apply");
  }

  @Test
  void writesWhatThePluginReadsAndTheStatusNamesValidation() {
    Pod p = inject(pod(Map.of("traffic.sidecar.istio.io/excludeOutboundIPRanges", "10.0.0.0/8, 192.168.0.0/16",
        "traffic.sidecar.istio.io/excludeInboundPorts", "9090")), ON);
    Map<String, String> a = p.getMetadata().getAnnotations();

    assertThat(a)
        .containsEntry("sidecar.istio.io/interceptionMode", "REDIRECT")
        .containsEntry("traffic.sidecar.istio.io/includeOutboundIPRanges", "*")
        .containsEntry("traffic.sidecar.istio.io/excludeOutboundIPRanges", "10.0.0.0/8,192.168.0.0/16")
        .containsEntry("traffic.sidecar.istio.io/includeInboundPorts", "*")
        .containsEntry("traffic.sidecar.istio.io/excludeInboundPorts", "9090,15020")
        .doesNotContainKeys("traffic.sidecar.istio.io/includeOutboundPorts", "traffic.sidecar.istio.io/excludeOutboundPorts");
    assertThat(InjectionStatus.parse(a.get("sidecar.istio.io/status")).initContainers()).containsExactly("istio-validation");

    Map<String, String> withoutCni = inject(pod(Map.of()), OFF).getMetadata().getAnnotations();
    assertThat(withoutCni).doesNotContainKeys("sidecar.istio.io/interceptionMode",
        "traffic.sidecar.istio.io/includeOutboundIPRanges", "traffic.sidecar.istio.io/excludeInboundPorts");
  }

  @Test
  void reinjectingACniPodWithCniOffGivesIstioInit() {
    Pod once = inject(pod(Map.of()), ON);
    Pod again = inject(once, OFF);
    assertThat(initNames(again)).containsExactly("istio-init");
    Pod back = inject(again, ON);
    assertThat(initNames(back)).containsExactly("istio-validation");
  }

  @Test
  void nativeSidecarsKeepValidationBeforeTheProxy() {
    Pod p = inject(pod(Map.of()), ON.toBuilder().nativeSidecar(NativeSidecarMode.ON).build());
    assertThat(initNames(p)).containsExactly("istio-validation", "istio-proxy");
  }

  @Test
  void tproxyStillValidatesAsTheProxyUid() {
    Pod p = inject(pod(Map.of("sidecar.istio.io/interceptionMode", "TPROXY")), ON);
    Container v = init(p, "istio-validation");
    assertThat(v.getSecurityContext().getRunAsUser()).isEqualTo(1337L);
    assertThat(v.getArgs()).containsSubsequence("-m", "TPROXY");
    assertThat(p.getMetadata().getAnnotations()).containsEntry("sidecar.istio.io/interceptionMode", "TPROXY");
  }

  @Test
  void noRedirectNoInitContainerEvenWithCni() {
    Pod p = inject(pod(Map.of("sidecar.istio.io/interceptionMode", "NONE")), ON);
    assertThat(initNames(p)).isEmpty();
  }
}
