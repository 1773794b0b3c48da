package dev.meshoperator.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.meshoperator.testenv.MergeEdits;
import dev.meshoperator.api.CniSpec;
import dev.meshoperator.api.Components;
import dev.meshoperator.api.FailurePolicy;
import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.MeshState;
import dev.meshoperator.reconcile.InstalledObjects;
import dev.meshoperator.reconcile.ObjectKey;
import dev.meshoperator.reconcile.OperatorHarness;
import dev.meshoperator.testenv.KubeTest;
import dev.meshoperator.testenv.TestCluster;
import dev.meshoperator.testenv.TestNamespace;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Istio CNI under Pod Security "baseline", end to end: the operator (deploy/'s ServiceAccount)
 * installs a mesh and its injection webhook; the real API server calls our webhook and then
 * enforces Pod Security on the injected pod. Without CNI the injected istio-init asks for NET_ADMIN
 * and NET_RAW, and the API server refuses the pod (for a Deployment: its ReplicaSet reports the
 * refusal); with spec.components.cni.enabled the istio-cni-node DaemonSet and its RBAC appear, run
 * on every (kwok) node, the MeshInstall stays Ready, and the pod is admitted with istio-validation
 * and istio-proxy. Disabling CNI again prunes every CNI object.
 */
@KubeTest
class CniPodSecurityIT {
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  private static final Duration TIMEOUT = Duration.ofSeconds(90);
  private static final String BASELINE_REFUSAL = "violates PodSecurity \"baseline:latest\"";

  @Test
  void baselineRefusesIstioInitAndAdmitsTheCniPodWhoseObjectsComeAndGo(TestCluster cluster, KubernetesClient client, TestNamespace ns) {
    String tail = ns.name().substring(ns.name().lastIndexOf('-') + 1);
    String name = "cni-psa-" + tail;
    String revision = "rcni" + tail;
    String cp = name + "-cp";
    MeshInstall install = SERIALIZATION.unmarshal("""
        apiVersion: meshoperator.dev/v1alpha1
        kind: MeshInstall
        metadata: {name: %s}
        spec:
          profile: minimal
          revision: %s
          namespace: %s
          sidecarInjector: {failurePolicy: Fail, timeoutSeconds: 5}
        """.formatted(name, revision, cp), MeshInstall.class);
    // The test's own revision (not istio-injection=enabled, which is the default revision's and
    // would collide with other tests' installs in this shared cluster); the selection path is the same.
    client.namespaces().withName(ns.name()).edit(n -> {
      n.getMetadata().getLabels().putAll(Map.of(
          "istio.io/rev", revision,
          "pod-security.kubernetes.io/enforce", "baseline",
          "pod-security.kubernetes.io/enforce-version", "latest"));
      return n;
    });
    int nodes = client.nodes().list().getItems().size();

    try (WebhookHarness webhook = new WebhookHarness(cluster).start();
        OperatorHarness operator = OperatorHarness.start(client, List.of(webhook.runtime.renderer(FailurePolicy.Fail)))) {
      try {
        client.resources(MeshInstall.class).resource(install).create();
        awaitReady(client, name);
        assertThat(cniObjects(client, name)).as("CNI is off in the minimal profile").isEmpty();

        // Without CNI: our webhook injects istio-init, Pod Security baseline refuses it.
        client.apps().deployments().inNamespace(ns.name()).resource(deployment("app-init")).create();
        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(replicaFailure(client, ns, "app-init"))
            .contains(BASELINE_REFUSAL, "istio-init", "NET_ADMIN", "NET_RAW"));
        assertThat(client.pods().inNamespace(ns.name()).withLabel("app", "app-init").list().getItems()).isEmpty();
        System.out.println("CNI off, ReplicaSet of app-init: " + replicaFailure(client, ns, "app-init"));
        assertThatThrownBy(() -> client.pods().inNamespace(ns.name()).resource(pod("direct-init")).create())
            .isInstanceOf(KubernetesClientException.class)
            .hasMessageContaining(BASELINE_REFUSAL)
            .hasMessageContaining("non-default capabilities")
            .hasMessageContaining("container \"istio-init\" must not include \"NET_ADMIN\", \"NET_RAW\"");

        // CNI on: the DaemonSet and its RBAC appear, run on every node, and the install stays Ready.
        setCni(client, name, true);
        MeshInstall ready = awaitReady(client, name);
        await().atMost(TIMEOUT).untilAsserted(() -> {
          DaemonSet ds = client.apps().daemonSets().inNamespace(cp).withName("istio-cni-node").get();
          assertThat(ds).isNotNull();
          assertThat(ds.getStatus().getDesiredNumberScheduled()).isEqualTo(nodes);
          assertThat(ds.getStatus().getNumberReady()).isEqualTo(nodes);
        });
        assertThat(cniObjects(client, name)).containsExactlyInAnyOrder(
            new ObjectKey("ServiceAccount", cp, "istio-cni"),
            new ObjectKey("ConfigMap", cp, "istio-cni-config"),
            new ObjectKey("DaemonSet", cp, "istio-cni-node"),
            new ObjectKey("ClusterRole", null, "istio-cni"),
            new ObjectKey("ClusterRole", null, "istio-cni-repair-role"),
            new ObjectKey("ClusterRoleBinding", null, "istio-cni"),
            new ObjectKey("ClusterRoleBinding", null, "istio-cni-repair-rolebinding"));
        awaitReady(client, name);
        assertThat(MeshInstalls.status(client, name).getComponents())
            .anySatisfy(c -> {
              assertThat(c.getKind() + " " + c.getName()).isEqualTo("DaemonSet istio-cni-node");
              assertThat(c.getReadyReplicas()).isEqualTo(nodes);
            });
        assertThat(ready.getStatus().getState()).isEqualTo(MeshState.Ready);

        // A second MeshInstall asking for CNI is refused by field, naming the owner, and creates nothing.
        String second = name + "-b";
        MeshInstall other = SERIALIZATION.unmarshal("""
            apiVersion: meshoperator.dev/v1alpha1
            kind: MeshInstall
            metadata: {name: %s}
            spec: {profile: empty, revision: %sb, namespace: %s-b-cp, components: {cni: {enabled: true}}}
            """.formatted(second, revision, name), MeshInstall.class);
        client.resources(MeshInstall.class).resource(other).create();
        try {
          await().atMost(TIMEOUT).untilAsserted(() -> {
            MeshInstall refused = client.resources(MeshInstall.class).withName(second).get();
            assertThat(refused.getStatus()).isNotNull();
            assertThat(refused.getStatus().getState()).isEqualTo(MeshState.Error);
            assertThat(refused.getStatus().getConditions()).anySatisfy(c -> {
              assertThat(c.getReason()).isEqualTo("InvalidSpec");
              assertThat(c.getMessage()).contains("spec.components.cni.enabled", "MeshInstall '" + name + "'");
            });
          });
          assertThat(InstalledObjects.labelledWith(client, second)).isEmpty();
        } finally {
          client.resources(MeshInstall.class).withName(second).delete();
          await().atMost(TIMEOUT).until(() -> client.resources(MeshInstall.class).withName(second).get() == null);
        }
        assertThat(cniObjects(client, name)).as("the owner's CNI objects are untouched").hasSize(7);

        // The webhook reads the MeshInstall through its own informer: wait until it injects for CNI.
        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(initContainerNames(
            client.pods().inNamespace(ns.name()).resource(pod("dry-run")).dryRun().create())).contains("istio-validation"));
        client.apps().deployments().inNamespace(ns.name()).resource(deployment("app-cni")).create();
        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(
            client.pods().inNamespace(ns.name()).withLabel("app", "app-cni").list().getItems()).hasSize(1));
        Pod admitted = client.pods().inNamespace(ns.name()).withLabel("app", "app-cni").list().getItems().get(0);
        List<String> containers = allContainerNames(admitted);
        System.out.println("CNI on, admitted pod " + admitted.getMetadata().getName() + ": " + containers);
        assertThat(containers).contains("istio-validation", "istio-proxy", "app").doesNotContain("istio-init");
        Container validation = admitted.getSpec().getInitContainers().stream()
            .filter(c -> c.getName().equals("istio-validation")).findFirst().orElseThrow();
        assertThat(validation.getSecurityContext().getCapabilities().getAdd()).isNullOrEmpty();
        assertThat(validation.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(validation.getSecurityContext().getRunAsUser()).isEqualTo(1337L);
        assertThat(validation.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(validation.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(validation.getArgs()).contains("--run-validation", "--skip-rule-apply");
        assertThat(admitted.getMetadata().getAnnotations())
            .containsEntry("sidecar.istio.io/interceptionMode", "REDIRECT")
            .containsEntry("traffic.sidecar.istio.io/excludeInboundPorts", "15020")
            .containsKey("traffic.sidecar.istio.io/includeOutboundIPRanges");
        assertThat(admitted.getMetadata().getAnnotations().get("sidecar.istio.io/status")).contains("istio-validation");

        // CNI off again: every CNI object is pruned, the install stays Ready, istio-init is back.
        setCni(client, name, false);
        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(cniObjects(client, name)).isEmpty());
        assertThat(client.apps().daemonSets().inNamespace(cp).withName("istio-cni-node").get()).isNull();
        assertThat(client.rbac().clusterRoles().withName("istio-cni").get()).isNull();
        assertThat(client.rbac().clusterRoleBindings().withName("istio-cni-repair-rolebinding").get()).isNull();
        awaitReady(client, name);
        await().atMost(TIMEOUT).untilAsserted(() -> assertThatThrownBy(
                () -> client.pods().inNamespace(ns.name()).resource(pod("dry-run-off")).dryRun().create())
            .hasMessageContaining(BASELINE_REFUSAL));
      } finally {
        // With the operator still running, so that its finalizer removes everything.
        client.resources(MeshInstall.class).withName(name).delete();
        await().atMost(TIMEOUT).until(() -> client.resources(MeshInstall.class).withName(name).get() == null);
      }
    }
  }

  /** The objects labelled with the install that belong to the CNI component. */
  private static Set<ObjectKey> cniObjects(KubernetesClient client, String install) {
    return InstalledObjects.labelledWith(client, install).stream()
        .filter(k -> k.name().startsWith("istio-cni"))
        .collect(Collectors.toSet());
  }

  private static void setCni(KubernetesClient client, String name, boolean enabled) {
    MergeEdits.edit(client.resources(MeshInstall.class).withName(name), mi -> {
      Components components = mi.getSpec().getComponents() == null ? new Components() : mi.getSpec().getComponents();
      CniSpec cni = new CniSpec();
      cni.setEnabled(enabled);
      components.setCni(cni);
      mi.getSpec().setComponents(components);
      return mi;
    });
  }

  private static MeshInstall awaitReady(KubernetesClient client, String name) {
    await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
      MeshInstall mi = client.resources(MeshInstall.class).withName(name).get();
      assertThat(mi.getStatus()).isNotNull();
      assertThat(mi.getStatus().getObservedGeneration()).isEqualTo(mi.getMetadata().getGeneration());
      assertThat(mi.getStatus().getState()).as("%s", mi.getStatus().getConditions()).isEqualTo(MeshState.Ready);
    });
    return client.resources(MeshInstall.class).withName(name).get();
  }

  private static String replicaFailure(KubernetesClient client, TestNamespace ns, String app) {
    return client.apps().replicaSets().inNamespace(ns.name()).withLabel("app", app).list().getItems().stream()
        .map(ReplicaSet::getStatus).filter(Objects::nonNull)
        .flatMap(s -> s.getConditions() == null ? java.util.stream.Stream.empty() : s.getConditions().stream())
        .filter(c -> "ReplicaFailure".equals(c.getType()))
        .map(c -> c.getReason() + ": " + c.getMessage())
        .collect(Collectors.joining("\n"));
  }

  private static Deployment deployment(String app) {
    return new DeploymentBuilder()
        .withNewMetadata().withName(app).endMetadata()
        .withNewSpec().withReplicas(1)
          .withNewSelector().addToMatchLabels("app", app).endSelector()
          .withNewTemplate().withNewMetadata().addToLabels("app", app).endMetadata()
            .withNewSpec().addNewContainer().withName("app").withImage("registry.example.com/app:1")
              .addNewPort().withContainerPort(8080).endPort().endContainer().endSpec()
          .endTemplate()
        .endSpec()
        .build();
  }

  private static Pod pod(String name) {
    return new PodBuilder()
        .withNewMetadata().withName(name).addToLabels("app", name).endMetadata()
        .withNewSpec().addNewContainer().withName("app").withImage("registry.example.com/app:1").endContainer().endSpec()
        .build();
  }

  private static List<String> initContainerNames(Pod pod) {
    return pod.getSpec().getInitContainers() == null ? List.of()
        : pod.getSpec().getInitContainers().stream().map(Container::getName).toList();
  }

  private static List<String> allContainerNames(Pod pod) {
    List<String> names = new java.util.ArrayList<>(initContainerNames(pod));
    pod.getSpec().getContainers().forEach(c -> names.add(c.getName()));
    return names;
  }

  /** Status reads. */
  private static final class MeshInstalls {
    static dev.meshoperator.api.MeshInstallStatus status(KubernetesClient client, String name) {
      return client.resources(MeshInstall.class).withName(name).get().getStatus();
    }
  }
}
