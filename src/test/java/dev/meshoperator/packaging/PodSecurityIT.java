package dev.meshoperator.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import dev.meshoperator.testenv.KubeTest;
import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The operator's pod, from deploy/03-deployment.yaml and from the chart as Helm renders it, against
 * Pod Security "restricted" as the real API server's PodSecurity admission enforces it: created as
 * a Pod in a namespace labelled to enforce restricted. Positive controls in the same namespace: the
 * same pod with any one of the settings restricted asks for taken away is refused.
 */
@KubeTest
class PodSecurityIT {

  private static Deployment deployDir() {
    return Manifests.single(Manifests.parse(Manifests.DEPLOY.resolve("03-deployment.yaml")), Deployment.class);
  }

  private static Deployment chart() {
    String yaml = new Helm(Manifests.CHART).template().withName("mesh-operator").withNamespace("mesh-operator")
        .withKubeVersion("v1.28.0").call();
    return Manifests.single(Manifests.parse(yaml), Deployment.class);
  }

  /** A fresh namespace enforcing restricted, with the ServiceAccount the pod names. */
  private static String restrictedNamespace(KubernetesClient client) {
    String ns = "psa-" + Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20), 36);
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns)
        .addToLabels("pod-security.kubernetes.io/enforce", "restricted")
        .addToLabels("pod-security.kubernetes.io/enforce-version", "latest")
        .endMetadata().build()).create();
    client.serviceAccounts().inNamespace(ns).resource(new ServiceAccountBuilder().withNewMetadata()
        .withName("mesh-operator").endMetadata().build()).create();
    return ns;
  }

  private static Pod podOf(Deployment d, String name, Consumer<Pod> change) {
    Pod pod = new PodBuilder().withNewMetadata().withName(name)
        .withLabels(d.getSpec().getTemplate().getMetadata().getLabels()).endMetadata()
        .withSpec(d.getSpec().getTemplate().getSpec()).build();
    // A deep copy, so that one control's change does not leak into the next pod.
    pod = new io.fabric8.kubernetes.client.utils.KubernetesSerialization().clone(pod);
    change.accept(pod);
    return pod;
  }

  private static Container operator(Pod pod) {
    return pod.getSpec().getContainers().get(0);
  }

  @Test
  void operatorPodsOfDeployDirAndChartAreAdmittedAndEachRestrictedSettingIsNeeded(KubernetesClient client) {
    String ns = restrictedNamespace(client);
    try {
      for (var source : List.of(deployDir(), chart())) {
        String name = "operator-" + Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20), 36);
        Pod created = client.pods().inNamespace(ns).resource(podOf(source, name, p -> { })).create();
        assertThat(created.getMetadata().getUid()).isNotBlank();
      }

      // Positive controls: the same pod, one setting off, is refused by PodSecurity, naming it.
      Deployment d = deployDir();
      // (privileged with allowPrivilegeEscalation=false is invalid before admission; drop both)
      assertRefused(client, ns, podOf(d, "privileged", p -> {
        operator(p).getSecurityContext().setPrivileged(true);
        operator(p).getSecurityContext().setAllowPrivilegeEscalation(null);
      }), "privileged");
      assertRefused(client, ns, podOf(d, "escalation", p -> operator(p).getSecurityContext().setAllowPrivilegeEscalation(null)),
          "allowPrivilegeEscalation");
      assertRefused(client, ns, podOf(d, "caps", p -> operator(p).getSecurityContext().setCapabilities(new Capabilities())),
          "capabilities");
      assertRefused(client, ns, podOf(d, "root", p -> {
        p.getSpec().getSecurityContext().setRunAsNonRoot(null);
        operator(p).getSecurityContext().setRunAsNonRoot(null);
      }), "runAsNonRoot");
      assertRefused(client, ns, podOf(d, "seccomp", p -> {
        p.getSpec().getSecurityContext().setSeccompProfile(null);
        operator(p).getSecurityContext().setSeccompProfile(null);
      }), "seccompProfile");
    } finally {
      client.namespaces().withName(ns).delete();
    }
  }

  private static void assertRefused(KubernetesClient client, String ns, Pod pod, String setting) {
    assertThatThrownBy(() -> client.pods().inNamespace(ns).resource(pod).create())
        .as("a pod without %s", setting)
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining("violates PodSecurity \"restricted:latest\"")
        .hasMessageContaining(setting);
  }
}
