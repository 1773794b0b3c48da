package dev.meshoperator.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.Map;
import java.util.stream.Collectors;

/** What every rendering of the operator's Deployment must satisfy (deploy/ and the chart alike). */
final class OperatorPodAssertions {
  private OperatorPodAssertions() {
  }

  static Container operatorContainer(Deployment deployment) {
    assertThat(deployment.getSpec().getTemplate().getSpec().getContainers()).hasSize(1);
    return deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
  }

  /** The restricted Pod Security Standard, plus a read-only root filesystem. */
  static void assertRestricted(Deployment deployment) {
    PodSpec pod = deployment.getSpec().getTemplate().getSpec();
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(65532L);
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(pod.getHostNetwork()).isNotEqualTo(Boolean.TRUE);
    assertThat(pod.getHostPID()).isNotEqualTo(Boolean.TRUE);
    assertThat(pod.getVolumes()).allSatisfy(v -> assertThat(v.getHostPath()).isNull());

    Container c = operatorContainer(deployment);
    assertThat(c.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(c.getSecurityContext().getPrivileged()).isNotEqualTo(Boolean.TRUE);
    assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(c.getSecurityContext().getCapabilities().getAdd()).isNullOrEmpty();
    // A read-only root needs a writable /tmp for the JVM.
    assertThat(c.getVolumeMounts()).anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/tmp"));
  }

  static void assertPortsAndProbes(Deployment deployment, int webhookPort, int healthPort) {
    Container c = operatorContainer(deployment);
    Map<String, Integer> ports = c.getPorts().stream()
        .collect(Collectors.toMap(ContainerPort::getName, ContainerPort::getContainerPort));
    assertThat(ports).containsExactlyInAnyOrderEntriesOf(
        Map.of("https-webhook", webhookPort, "http-metrics", healthPort));
    assertThat(c.getArgs()).startsWith("operator")
        .contains("--webhook-port=" + webhookPort, "--health-port=" + healthPort);
    for (Probe probe : new Probe[] {c.getLivenessProbe(), c.getReadinessProbe(), c.getStartupProbe()}) {
      assertThat(probe).isNotNull();
      assertThat(probe.getHttpGet().getPort().getStrVal()).isEqualTo("http-metrics");
      assertThat(probe.getHttpGet().getPath()).startsWith("/");
    }
    assertThat(c.getEnv()).anySatisfy(e -> {
      assertThat(e.getName()).isEqualTo("WATCH_NAMESPACE");
      assertThat(e.getValue()).isEmpty();
    });
    assertThat(c.getResources().getRequests()).containsKeys("cpu", "memory");
  }
}
