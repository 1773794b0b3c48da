package dev.meshoperator.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.meshoperator.testenv.MergeEdits;
import dev.meshoperator.api.FailurePolicy;
import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.MeshState;
import dev.meshoperator.api.RevisionStatus;
import dev.meshoperator.operator.OperatorProcess;
import dev.meshoperator.reconcile.OperatorHarness;
import dev.meshoperator.testenv.KubeTest;
import dev.meshoperator.testenv.OperatorIdentity;
import dev.meshoperator.testenv.Ports;
import dev.meshoperator.testenv.TestCluster;
import dev.meshoperator.testenv.TestNamespace;
import dev.meshoperator.webhook.WebhookRuntime;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Issue 14 end to end: the real operator (controller and webhook in one process, as deploy/'s
 * ServiceAccount), its webhook called by the API server, pods created by kubectl and by a
 * Deployment's ReplicaSets on kwok nodes.
 */
@KubeTest
class UpgradeIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(150);
  private final AtomicInteger pods = new AtomicInteger();

  @Test
  void inPlaceSwapsImagesOneMinorAtATimeAndRefusesTwoLeavingTheControlPlaneAsItWas(TestCluster cluster,
      KubernetesClient client, TestNamespace ns) {
    OperatorHarness.installCrd(client);
    String suffix = suffix();
    String name = "inplace-" + suffix;
    String revision = "ip" + suffix;
    String controlPlane = "ip-" + suffix + "-system";
    var installs = client.resources(MeshInstall.class);
    Operator operator = Operator.start(cluster, client, suffix);
    try {
      installs.resource(new KubernetesSerialization().unmarshal("""
          apiVersion: meshoperator.dev/v1alpha1
          kind: MeshInstall
          metadata: {name: %s}
          spec: {profile: minimal, revision: %s, namespace: %s, version: 1.30.3}
          """.formatted(name, revision, controlPlane), MeshInstall.class)).create();
      var istiod = client.apps().deployments().inNamespace(controlPlane).withName("istiod-" + revision);
      await().atMost(TIMEOUT).untilAsserted(() -> {
        MeshInstall mi = installs.withName(name).get();
        assertThat(mi.getStatus()).isNotNull();
        assertThat(mi.getStatus().getState()).isEqualTo(MeshState.Ready);
        assertThat(mi.getStatus().getAppliedVersion()).isEqualTo("1.30.3");
        assertThat(mi.getStatus().getRevisions()).extracting(RevisionStatus::getName, RevisionStatus::getVersion,
            RevisionStatus::getActive).containsExactly(org.assertj.core.groups.Tuple.tuple(revision, "1.30.3", true));
      });
      assertThat(image(istiod.get().getSpec().getTemplate().getSpec().getContainers())).isEqualTo("docker.io/istio/pilot:1.30.3");
      label(client, ns.name(), "istio.io/rev", revision);
      String before = run(cluster, ns.name());
      assertThat(proxyImage(client, ns.name(), before)).isEqualTo("docker.io/istio/proxyv2:1.30.3");

      // Two minors at once: refused, nothing re-rendered, and injection keeps the running version.
      String istiodVersion = istiod.get().getMetadata().getResourceVersion();
      MergeEdits.edit(installs.withName(name), mi -> {
        mi.getSpec().setVersion("1.32.0");
        return mi;
      });
      await().atMost(TIMEOUT).untilAsserted(() -> {
        MeshInstall mi = installs.withName(name).get();
        assertThat(mi.getStatus().getObservedGeneration()).isEqualTo(mi.getMetadata().getGeneration());
        Condition reconciled = condition(mi, "Reconciled");
        assertThat(reconciled.getStatus()).isEqualTo("False");
        assertThat(reconciled.getReason()).isEqualTo("UpgradeRefused");
        assertThat(reconciled.getMessage()).contains("from 1.30.3 to 1.32.0",
            "at most one minor release at a time", "go through 1.31.x first");
        assertThat(mi.getStatus().getAppliedVersion()).isEqualTo("1.30.3");
      });
      System.out.println("[upgrade-it] refused: " + condition(installs.withName(name).get(), "Reconciled").getMessage());
      assertThat(istiod.get().getMetadata().getResourceVersion()).as("istiod untouched").isEqualTo(istiodVersion);
      assertThat(image(istiod.get().getSpec().getTemplate().getSpec().getContainers())).isEqualTo("docker.io/istio/pilot:1.30.3");
      String whileRefused = run(cluster, ns.name());
      System.out.println("[upgrade-it] kubectl run while refused printed: " + whileRefused.strip());
      assertThat(proxyImage(client, ns.name(), whileRefused)).isEqualTo("docker.io/istio/proxyv2:1.30.3");
      assertThat(whileRefused).contains("Warning: MeshInstall " + name + " is invalid: spec.version: refused to upgrade");

      // One minor: istiod's image is swapped in place and new pods get the new proxy.
      MergeEdits.edit(installs.withName(name), mi -> {
        mi.getSpec().setVersion("1.31.4");
        return mi;
      });
      await().atMost(TIMEOUT).untilAsserted(() -> {
        MeshInstall mi = installs.withName(name).get();
        assertThat(mi.getStatus().getObservedGeneration()).isEqualTo(mi.getMetadata().getGeneration());
        assertThat(mi.getStatus().getState()).isEqualTo(MeshState.Ready);
        assertThat(mi.getStatus().getAppliedVersion()).isEqualTo("1.31.4");
        assertThat(image(istiod.get().getSpec().getTemplate().getSpec().getContainers()))
            .isEqualTo("docker.io/istio/pilot:1.31.4");
      });
      assertThat(client.apps().deployments().inNamespace(controlPlane).list().getItems())
          .extracting(d -> d.getMetadata().getName()).as("in place: still one istiod").containsExactly("istiod-" + revision);
      await().atMost(TIMEOUT).untilAsserted(() ->
          assertThat(proxyImage(client, ns.name(), run(cluster, ns.name()))).isEqualTo("docker.io/istio/proxyv2:1.31.4"));
    } finally {
      delete(client, name);
      operator.close();
    }
  }

  @Test
  void revisionBasedRunsTheNewRevisionBesideTheOldMovesTagsRollsWorkloadsThenRemovesTheOld(TestCluster cluster,
      KubernetesClient client, TestNamespace ns) {
    OperatorHarness.installCrd(client);
    var installs = client.resources(MeshInstall.class);
    assertThat(installs.list().getItems()).as("no other MeshInstall may hold the default revision or tag here")
        .noneMatch(mi -> mi.getSpec().getRevision() == null || mi.getSpec().getRevision().isEmpty());
    String suffix = suffix();
    String name = "up" + suffix;
    String controlPlane = "up-" + suffix + "-system";
    String tag = "t" + suffix;
    String tagged = "tagged-" + suffix;
    String old = name + "-1-30-3";
    String neu = name + "-1-31-4";
    Operator operator = Operator.start(cluster, client, suffix);
    try {
      installs.resource(new KubernetesSerialization().unmarshal("""
          apiVersion: meshoperator.dev/v1alpha1
          kind: MeshInstall
          metadata: {name: %s}
          spec:
            profile: minimal
            namespace: %s
            version: 1.30.3
            updateStrategy: {type: RevisionBased, inactiveRevisionDeletionGracePeriodSeconds: 5}
            revisionTags: [%s]
          """.formatted(name, controlPlane, tag), MeshInstall.class)).create();
      await().atMost(TIMEOUT).untilAsserted(() -> {
        MeshInstall mi = installs.withName(name).get();
        assertThat(mi.getStatus()).isNotNull();
        assertThat(mi.getStatus().getState()).isEqualTo(MeshState.Ready);
        assertThat(mi.getStatus().getActiveRevision()).isEqualTo(old);
      });
      var mwcs = client.admissionRegistration().v1().mutatingWebhookConfigurations();
      assertThat(mwcs.withName("mesh-operator-sidecar-injector-" + old).get()).isNotNull();
      String defaultTag = mwcs.withName("mesh-operator-revision-tag-default").get().getMetadata().getResourceVersion();
      String ownTag = mwcs.withName("mesh-operator-revision-tag-" + tag).get().getMetadata().getResourceVersion();

      label(client, ns.name(), "istio-injection", "enabled");
      client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(tagged)
          .addToLabels("istio.io/rev", tag).endMetadata().build()).create();
      client.apps().deployments().inNamespace(ns.name()).resource(new DeploymentBuilder()
          .withNewMetadata().withName("web").endMetadata()
          .withNewSpec().withReplicas(2).withNewSelector().addToMatchLabels("app", "web").endSelector()
            .withNewTemplate().withNewMetadata().addToLabels("app", "web").endMetadata()
              .withNewSpec().addNewContainer().withName("web").withImage("nginx").endContainer().endSpec()
            .endTemplate()
          .endSpec().build()).create();
      await().atMost(TIMEOUT).untilAsserted(() -> assertThat(webPods(client, ns.name()))
          .hasSize(2).allSatisfy(p -> assertThat(revisionOf(p)).isEqualTo(old)));
      assertThat(proxyImage(webPods(client, ns.name()).get(0))).isEqualTo("docker.io/istio/proxyv2:1.30.3");
      String viaTag = run(cluster, tagged);
      assertThat(proxyImage(client, tagged, viaTag)).isEqualTo("docker.io/istio/proxyv2:1.30.3");

      MergeEdits.edit(installs.withName(name), mi -> {
        mi.getSpec().setVersion("1.31.4");
        return mi;
      });
      await().atMost(TIMEOUT).untilAsserted(() -> {
        MeshInstall mi = installs.withName(name).get();
        assertThat(mi.getStatus().getObservedGeneration()).isEqualTo(mi.getMetadata().getGeneration());
        assertThat(mi.getStatus().getActiveRevision()).isEqualTo(neu);
        assertThat(mi.getStatus().getState()).isEqualTo(MeshState.Ready);
        assertThat(mi.getStatus().getRevisions()).extracting(RevisionStatus::getName, RevisionStatus::getVersion,
            RevisionStatus::getDraining, RevisionStatus::getPods).containsExactly(
                org.assertj.core.groups.Tuple.tuple(neu, "1.31.4", false, 0),
                org.assertj.core.groups.Tuple.tuple(old, "1.30.3", true, 3));
      });
      System.out.println("[upgrade-it] revisions after the upgrade: " + describe(installs.withName(name).get()));
      var deployments = client.apps().deployments().inNamespace(controlPlane);
      assertThat(deployments.withName("istiod-" + old).get()).as("old revision beside the new").isNotNull();
      assertThat(image(deployments.withName("istiod-" + neu).get().getSpec().getTemplate().getSpec().getContainers()))
          .isEqualTo("docker.io/istio/pilot:1.31.4");
      assertThat(mwcs.withName("mesh-operator-revision-tag-default").get().getMetadata().getResourceVersion())
          .as("moving a tag rewrites nothing: it is resolved per pod").isEqualTo(defaultTag);
      assertThat(mwcs.withName("mesh-operator-revision-tag-" + tag).get().getMetadata().getResourceVersion()).isEqualTo(ownTag);

      // istio-injection=enabled and the tag now give the new revision's proxy.
      await().atMost(TIMEOUT).untilAsserted(() -> {
        String enabled = run(cluster, ns.name());
        assertThat(proxyImage(client, ns.name(), enabled)).isEqualTo("docker.io/istio/proxyv2:1.31.4");
        assertThat(revisionOf(client.pods().inNamespace(ns.name()).withName(podName(enabled)).get())).isEqualTo(neu);
        client.pods().inNamespace(ns.name()).withName(podName(enabled)).delete();
      });
      String movedTag = run(cluster, tagged);
      assertThat(proxyImage(client, tagged, movedTag)).isEqualTo("docker.io/istio/proxyv2:1.31.4");
      client.pods().inNamespace(tagged).withName(podName(viaTag)).delete();
      client.pods().inNamespace(tagged).withName(podName(movedTag)).delete();

      // The Deployment still runs the old proxy, so the old revision stays, until updateWorkloads moves it.
      assertThat(deployments.withName("istiod-" + old).get()).isNotNull();
      // meshctl analyze counts sidecars per revision and version; the Deployment's pods are outdated.
      String kc = cluster.kubeconfig().toString();
      MeshctlRun before = MeshctlRun.of("--kubeconfig", kc, "analyze", "-n", ns.name());
      System.out.println("[upgrade-it] meshctl analyze before the move:\n" + before.out());
      assertThat(before.out()).contains("sidecars by revision and version:")
          .containsPattern(old + "\\s+1\\.30\\.3\\s+2").contains("sidecar of revision " + old);
      // meshctl upgrade --update-workloads --wait: the move, with progress, until no pod is left on the old revision.
      MeshctlRun upgrade = MeshctlRun.of("--kubeconfig", kc, "upgrade", name, "--version", "1.31.4",
          "--update-workloads", "--wait", "--timeout", "150s");
      System.out.println("[upgrade-it] meshctl upgrade --wait printed:\n" + upgrade.out() + upgrade.err());
      assertThat(upgrade.exitCode()).as(upgrade.toString()).isZero();
      assertThat(upgrade.out()).contains("spec.version 1.31.4 -> 1.31.4 (RevisionBased)",
          "revision " + old + " (1.30.3): draining", "workloads: ", "meshinstall/" + name + " runs 1.31.4 (revision " + neu + ")");
      await().atMost(TIMEOUT).untilAsserted(() -> {
        assertThat(webPods(client, ns.name())).hasSize(2).allSatisfy(p -> {
          assertThat(revisionOf(p)).isEqualTo(neu);
          assertThat(proxyImage(p)).isEqualTo("docker.io/istio/proxyv2:1.31.4");
        });
        MeshInstall mi = installs.withName(name).get();
        assertThat(mi.getStatus().getWorkloadUpdate()).isNotNull();
        assertThat(mi.getStatus().getWorkloadUpdate().getRestarted()).containsExactly("Deployment " + ns.name() + "/web");
      });
      MeshctlRun after = MeshctlRun.of("--kubeconfig", kc, "analyze", "-n", ns.name());
      assertThat(after.exitCode()).as(after.toString()).isZero();
      assertThat(after.out()).containsPattern(neu + "\\s+1\\.31\\.4\\s+2").doesNotContain(old);
      Map<String, String> template = client.apps().deployments().inNamespace(ns.name()).withName("web").get()
          .getSpec().getTemplate().getMetadata().getAnnotations();
      assertThat(template).containsEntry("meshoperator.dev/restarted-for", neu).containsKey("kubectl.kubernetes.io/restartedAt");

      // No pod uses the old revision: after its grace period it is gone, istiod, injector and all.
      await().atMost(TIMEOUT).untilAsserted(() -> {
        MeshInstall mi = installs.withName(name).get();
        assertThat(mi.getStatus().getRevisions()).extracting(RevisionStatus::getName).containsExactly(neu);
        assertThat(mi.getStatus().getWorkloadUpdate().getState()).isEqualTo("Succeeded");
        assertThat(deployments.withName("istiod-" + old).get()).isNull();
        assertThat(mwcs.withName("mesh-operator-sidecar-injector-" + old).get()).isNull();
      });
      System.out.println("[upgrade-it] after the grace period: " + describe(installs.withName(name).get()));
      assertThat(deployments.withName("istiod-" + neu).get()).isNotNull();
    } finally {
      client.namespaces().withName(tagged).delete();
      delete(client, name);
      operator.close();
    }
  }

  @Test
  void updateWorkloadsStopsAtAFailedRolloutNamingItAndGoesOnOnceItIsFixed(TestCluster cluster,
      KubernetesClient client, TestNamespace ns) {
    OperatorHarness.installCrd(client);
    var installs = client.resources(MeshInstall.class);
    String suffix = suffix();
    String name = "wf" + suffix;
    String controlPlane = "wf-" + suffix + "-system";
    String old = name + "-1-30-3";
    String neu = name + "-1-31-4";
    Operator operator = Operator.start(cluster, client, suffix);
    try {
      installs.resource(new KubernetesSerialization().unmarshal("""
          apiVersion: meshoperator.dev/v1alpha1
          kind: MeshInstall
          metadata: {name: %s}
          spec:
            profile: minimal
            revision: %s
            namespace: %s
            version: 1.30.3
            updateStrategy: {type: RevisionBased, inactiveRevisionDeletionGracePeriodSeconds: 3, updateWorkloads: true}
          """.formatted(name, name, controlPlane), MeshInstall.class)).create();
      await().atMost(TIMEOUT).untilAsserted(() -> {
        MeshInstall mi = installs.withName(name).get();
        assertThat(mi.getStatus()).isNotNull();
        assertThat(mi.getStatus().getState()).isEqualTo(MeshState.Ready);
      });
      // istio.io/rev=<spec.revision> is the install's own tag under RevisionBased.
      label(client, ns.name(), "istio.io/rev", name);
      client.apps().deployments().inNamespace(ns.name()).resource(new DeploymentBuilder()
          .withNewMetadata().withName("web").endMetadata()
          .withNewSpec().withReplicas(2).withProgressDeadlineSeconds(3)
            .withNewStrategy().withType("RollingUpdate").withNewRollingUpdate()
              .withMaxSurge(new io.fabric8.kubernetes.api.model.IntOrString(1))
              .withMaxUnavailable(new io.fabric8.kubernetes.api.model.IntOrString(0)).endRollingUpdate().endStrategy()
            .withNewSelector().addToMatchLabels("app", "web").endSelector()
            .withNewTemplate().withNewMetadata().addToLabels("app", "web").endMetadata()
              .withNewSpec().addNewContainer().withName("web").withImage("nginx").endContainer().endSpec()
            .endTemplate()
          .endSpec().build()).create();
      await().atMost(TIMEOUT).untilAsserted(() -> assertThat(webPods(client, ns.name()))
          .hasSize(2).allSatisfy(p -> assertThat(revisionOf(p)).isEqualTo(old)));
      // A quota of exactly the pods there are: the rollout cannot surge, so it misses its deadline.
      client.resourceQuotas().inNamespace(ns.name()).resource(new io.fabric8.kubernetes.api.model.ResourceQuotaBuilder()
          .withNewMetadata().withName("two-pods").endMetadata()
          .withNewSpec().addToHard("pods", new io.fabric8.kubernetes.api.model.Quantity("2")).endSpec().build()).create();
      await().atMost(TIMEOUT).until(() -> {
        var quota = client.resourceQuotas().inNamespace(ns.name()).withName("two-pods").get();
        return quota.getStatus() != null && quota.getStatus().getUsed() != null && quota.getStatus().getUsed().containsKey("pods");
      });

      MergeEdits.edit(installs.withName(name), mi -> {
        mi.getSpec().setVersion("1.31.4");
        return mi;
      });
      await().atMost(TIMEOUT).untilAsserted(() -> {
        MeshInstall mi = installs.withName(name).get();
        assertThat(mi.getStatus().getWorkloadUpdate()).isNotNull();
        assertThat(mi.getStatus().getWorkloadUpdate().getState()).isEqualTo("Failed");
        assertThat(mi.getStatus().getWorkloadUpdate().getMessage())
            .contains("Deployment " + ns.name() + "/web did not roll out onto revision " + neu, "ProgressDeadlineExceeded");
      });
      MeshInstall failed = installs.withName(name).get();
      System.out.println("[upgrade-it] failed move: " + failed.getStatus().getWorkloadUpdate().getMessage());
      assertThat(failed.getStatus().getRevisions()).extracting(RevisionStatus::getName).contains(old);
      assertThat(client.apps().deployments().inNamespace(controlPlane).withName("istiod-" + old).get())
          .as("the old revision stays while the failed workload still uses it").isNotNull();
      assertThat(client.v1().events().inNamespace("default").list().getItems())
          .anyMatch(e -> "WorkloadUpdateFailed".equals(e.getReason()) && name.equals(e.getInvolvedObject().getName()));

      // Fixed: the rollout completes and the move goes on without anyone touching the MeshInstall.
      client.resourceQuotas().inNamespace(ns.name()).withName("two-pods").delete();
      await().atMost(TIMEOUT).untilAsserted(() -> {
        assertThat(webPods(client, ns.name())).hasSize(2).allSatisfy(p -> assertThat(revisionOf(p)).isEqualTo(neu));
        MeshInstall mi = installs.withName(name).get();
        assertThat(mi.getStatus().getWorkloadUpdate().getState()).isEqualTo("Succeeded");
        assertThat(mi.getStatus().getRevisions()).extracting(RevisionStatus::getName).containsExactly(neu);
      });
    } finally {
      delete(client, name);
      operator.close();
    }
  }

  /** The operator as users run it: deploy/'s ServiceAccount with deploy/'s RBAC only. */
  private record Operator(OperatorProcess process, KubernetesClient client, String namespace) implements AutoCloseable {
    static Operator start(TestCluster cluster, KubernetesClient admin, String suffix) {
      String operatorNs = "mesh-operator-" + suffix;
      admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(operatorNs).endMetadata().build()).create();
      int port = Ports.free();
      var webhook = WebhookRuntime.Options.defaults(operatorNs)
          .withPort(port).withUrlHost(cluster.hostReachableFromApiServer(port)).withManagementPort(0);
      var options = new OperatorProcess.Options(webhook, Optional.empty(), "mesh-operator-e2e/" + suffix, FailurePolicy.Fail);
      KubernetesClient asServiceAccount = OperatorIdentity.fromDeploy(admin).client("mesh-operator-e2e/" + suffix);
      return new Operator(OperatorProcess.start(asServiceAccount, options), admin, operatorNs);
    }

    @Override
    public void close() {
      // Uninstall needs the operator: the caller deletes its MeshInstall first (see delete).
      process.close();
      client.namespaces().withName(namespace).delete();
    }
  }

  /** Called before the operator stops: the running operator removes the finalizer. */
  private static void delete(KubernetesClient client, String name) {
    try {
      client.resources(MeshInstall.class).withName(name).delete();
      await().atMost(TIMEOUT).until(() -> client.resources(MeshInstall.class).withName(name).get() == null);
    } catch (RuntimeException | AssertionError e) {
      System.err.println("cleanup of " + name + " failed: " + e);
    }
  }

  private static String describe(MeshInstall mi) {
    return mi.getStatus().getRevisions().stream().map(r -> r.getName() + " " + r.getVersion() + " active=" + r.getActive()
        + " ready=" + r.getReady() + " pods=" + r.getPods() + " draining=" + r.getDraining()
        + (r.getUnusedSince() == null ? "" : " unusedSince=" + r.getUnusedSince())).toList()
        + (mi.getStatus().getWorkloadUpdate() == null ? "" : " workloadUpdate=" + mi.getStatus().getWorkloadUpdate().getState()
            + ": " + mi.getStatus().getWorkloadUpdate().getMessage());
  }

  private static Condition condition(MeshInstall mi, String type) {
    return mi.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst().orElseThrow();
  }

  private static void label(KubernetesClient client, String namespace, String key, String value) {
    client.namespaces().withName(namespace).edit(n -> {
      n.getMetadata().getLabels().put(key, value);
      return n;
    });
  }

  private static List<Pod> webPods(KubernetesClient client, String namespace) {
    return client.pods().inNamespace(namespace).withLabel("app", "web").list().getItems().stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
  }

  private static String revisionOf(Pod pod) {
    return pod.getMetadata().getAnnotations() == null ? null : pod.getMetadata().getAnnotations().get("istio.io/rev");
  }

  /** kubectl run as a user would; the first line is the pod's name, then what kubectl printed. */
  private String run(TestCluster cluster, String namespace) {
    String pod = "probe-" + pods.incrementAndGet();
    return pod + "\n" + cluster.kubectl(List.of("-n", namespace, "run", pod, "--image=nginx", "--restart=Never"));
  }

  private static String podName(String runOutput) {
    return runOutput.lines().findFirst().orElseThrow();
  }

  private static String proxyImage(KubernetesClient client, String namespace, String runOutput) {
    return proxyImage(client.pods().inNamespace(namespace).withName(podName(runOutput)).get());
  }

  private static String proxyImage(Pod pod) {
    return Stream.concat(
            pod.getSpec().getInitContainers() == null ? Stream.empty() : pod.getSpec().getInitContainers().stream(),
            pod.getSpec().getContainers().stream())
        .filter(c -> c.getName().equals("istio-proxy")).findFirst().map(Container::getImage)
        .orElseThrow(() -> new AssertionError("pod " + pod.getMetadata().getName() + " has no istio-proxy"));
  }

  private static String image(List<Container> containers) {
    return containers.get(0).getImage();
  }

  private static String suffix() {
    return Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20), 36);
  }

}
