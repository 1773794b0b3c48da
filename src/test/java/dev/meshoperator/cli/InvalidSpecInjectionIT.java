package dev.meshoperator.cli;

import dev.meshoperator.testenv.MergeEdits;
import dev.meshoperator.testenv.OperatorIdentity;
import dev.meshoperator.operator.OperatorProcess;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.meshoperator.api.FailurePolicy;
import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.MeshState;
import dev.meshoperator.reconcile.OperatorHarness;
import dev.meshoperator.render.LastValidSpec;
import dev.meshoperator.testenv.KubeTest;
import dev.meshoperator.testenv.Ports;
import dev.meshoperator.testenv.TestCluster;
import dev.meshoperator.testenv.TestNamespace;
import dev.meshoperator.webhook.WebhookRuntime;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Issue 15, part 2, end to end: the real operator (controller and webhook in one process), its
 * webhook called by the API server, pods created with kubectl as a user would. An edit that makes
 * the MeshInstall invalid does not turn injection off: pods get the sidecar with the last valid
 * settings and kubectl prints the webhook's warning; the same after the operator restarts while
 * the spec is still invalid; once the spec is fixed new pods get the new settings.
 */
@KubeTest
class InvalidSpecInjectionIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(90);
  private final AtomicInteger pods = new AtomicInteger();

  @Test
  void invalidEditKeepsInjectingWithTheLastValidSettingsAcrossARestartUntilFixed(TestCluster cluster,
      KubernetesClient client, TestNamespace ns) {
    OperatorHarness.installCrd(client);
    String suffix = Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20), 36);
    String operatorNs = "mesh-operator-" + suffix;
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(operatorNs).endMetadata().build())
        .create();
    int port = Ports.free();
    var webhook = WebhookRuntime.Options.defaults(operatorNs)
        .withPort(port).withUrlHost(cluster.hostReachableFromApiServer(port)).withManagementPort(0);
    var options = new OperatorProcess.Options(webhook, Optional.empty(), "mesh-operator-e2e/" + suffix, FailurePolicy.Fail);
    String name = "lastvalid-" + suffix;
    String revision = "lv" + suffix;
    String controlPlane = "lv-" + suffix + "-system";
    String neverValid = "nevervalid-" + suffix;
    var installs = client.resources(MeshInstall.class);
    // The operator as users run it: deploy/'s ServiceAccount with deploy/'s RBAC only.
    KubernetesClient asServiceAccount = OperatorIdentity.fromDeploy(client).client("mesh-operator-e2e/" + suffix);
    OperatorProcess operator = OperatorProcess.start(asServiceAccount, options);
    try {
      installs.resource(new KubernetesSerialization().unmarshal("""
          apiVersion: meshoperator.dev/v1alpha1
          kind: MeshInstall
          metadata: {name: %s}
          spec:
            profile: minimal
            revision: %s
            namespace: %s
            sidecarInjector: {resources: {requests: {cpu: 123m}}}
          """.formatted(name, revision, controlPlane), MeshInstall.class)).create();
      client.namespaces().withName(ns.name()).edit(n -> {
        n.getMetadata().getLabels().put("istio.io/rev", revision);
        return n;
      });
      await().atMost(TIMEOUT).untilAsserted(() -> {
        MeshInstall current = installs.withName(name).get();
        assertThat(current.getStatus()).isNotNull();
        assertThat(current.getStatus().getState()).isEqualTo(MeshState.Ready);
        assertThat(current.getStatus().getWebhook().getState()).isEqualTo("Ready");
      });
      String output = run(cluster, ns);
      assertThat(output).doesNotContain("Warning:");
      assertThat(proxyCpu(client, ns, output)).isEqualTo("123m");

      // Invalid in a way the schema cannot catch, and a new proxy request in the same edit.
      MergeEdits.edit(installs.withName(name), mi -> {
        mi.getSpec().setComponents(new KubernetesSerialization().unmarshal(
            "{\"pilot\": {\"autoscaling\": {\"enabled\": true, \"minReplicas\": 5, \"maxReplicas\": 2}}}", dev.meshoperator.api.Components.class));
        mi.getSpec().getSidecarInjector().getResources().getRequests()
            .put("cpu", new io.fabric8.kubernetes.api.model.Quantity("456m"));
        return mi;
      });
      await().atMost(TIMEOUT).untilAsserted(() -> {
        MeshInstall current = installs.withName(name).get();
        assertThat(current.getStatus().getObservedGeneration()).isEqualTo(current.getMetadata().getGeneration());
        assertThat(current.getStatus().getState()).isEqualTo(MeshState.Error);
        assertThat(current.getStatus().getWebhook().getMessage())
            .contains("the injector serves the last valid settings (generation 1)");
      });
      var lastValid = client.configMaps().inNamespace(controlPlane).withName(LastValidSpec.name(
          dev.meshoperator.profile.Revision.of(revision)));
      String keptVersion = lastValid.get().getMetadata().getResourceVersion();
      String warning = "Warning: MeshInstall " + name + " is invalid: spec.components.pilot.autoscaling: minReplicas 5 "
          + "is greater than maxReplicas 2; injected with its last valid settings (generation 1)";

      String invalid = run(cluster, ns);
      System.out.println("[invalid-spec-it] kubectl run while invalid printed: " + invalid.strip());
      assertThat(invalid).contains(warning);
      assertThat(proxyCpu(client, ns, invalid)).isEqualTo("123m");

      // A restarted operator finds the last valid settings in the cluster, not in its memory.
      operator.close();
      operator = OperatorProcess.start(asServiceAccount, options);
      String afterRestart = run(cluster, ns);
      System.out.println("[invalid-spec-it] kubectl run after restart printed: " + afterRestart.strip());
      assertThat(afterRestart).contains(warning);
      assertThat(proxyCpu(client, ns, afterRestart)).isEqualTo("123m");
      assertThat(lastValid.get().getMetadata().getResourceVersion())
          .as("an invalid spec never overwrites the last valid one").isEqualTo(keptVersion);

      // A revision whose spec never validated has no webhook configuration, so nothing can fail open.
      installs.resource(new KubernetesSerialization().unmarshal("""
          apiVersion: meshoperator.dev/v1alpha1
          kind: MeshInstall
          metadata: {name: %s}
          spec:
            profile: minimal
            revision: nv%s
            namespace: nv-%s-system
            components: {pilot: {autoscaling: {enabled: true, minReplicas: 5, maxReplicas: 2}}}
          """.formatted(neverValid, suffix, suffix), MeshInstall.class)).create();
      await().atMost(TIMEOUT).untilAsserted(() -> {
        MeshInstall current = installs.withName(neverValid).get();
        assertThat(current.getStatus()).isNotNull();
        assertThat(current.getStatus().getState()).isEqualTo(MeshState.Error);
        assertThat(current.getStatus().getWebhook().getState()).isEqualTo("Disabled");
      });
      assertThat(client.admissionRegistration().v1().mutatingWebhookConfigurations()
          .withName("mesh-operator-sidecar-injector-nv" + suffix).get()).isNull();

      // Fixed: new pods get the new settings, without a warning.
      MergeEdits.edit(installs.withName(name), mi -> {
        mi.getSpec().setComponents(null);
        return mi;
      });
      await().atMost(TIMEOUT).untilAsserted(() -> {
        MeshInstall current = installs.withName(name).get();
        assertThat(current.getStatus().getObservedGeneration()).isEqualTo(current.getMetadata().getGeneration());
        assertThat(current.getStatus().getState()).isEqualTo(MeshState.Ready);
      });
      await().atMost(TIMEOUT).untilAsserted(() -> {
        String fixed = run(cluster, ns);
        assertThat(fixed).doesNotContain("Warning:");
        assertThat(proxyCpu(client, ns, fixed)).isEqualTo("456m");
      });
      assertThat(lastValid.get().getData().get(LastValidSpec.KEY)).contains("456m");
    } finally {
      try {
        for (String mi : List.of(name, neverValid)) {
          installs.withName(mi).delete();
        }
        await().atMost(TIMEOUT).until(() -> installs.withName(name).get() == null
            && installs.withName(neverValid).get() == null);
      } catch (RuntimeException | AssertionError e) {
        System.err.println("cleanup of " + name + " failed: " + e);
      } finally {
        operator.close();
        client.namespaces().withName(operatorNs).delete();
      }
    }
  }

  /** kubectl run as a user would; returns what kubectl printed (stdout and stderr). */
  private String run(TestCluster cluster, TestNamespace ns) {
    String pod = "probe-" + pods.incrementAndGet();
    return pod + "\n" + cluster.kubectl(List.of("-n", ns.name(), "run", pod, "--image=nginx", "--restart=Never"));
  }

  private static String proxyCpu(KubernetesClient client, TestNamespace ns, String runOutput) {
    String pod = runOutput.lines().findFirst().orElseThrow();
    Pod created = client.pods().inNamespace(ns.name()).withName(pod).get();
    Container proxy = Stream.concat(
            created.getSpec().getInitContainers() == null ? Stream.empty() : created.getSpec().getInitContainers().stream(),
            created.getSpec().getContainers().stream())
        .filter(c -> c.getName().equals("istio-proxy")).findFirst()
        .orElseThrow(() -> new AssertionError("pod " + pod + " has no istio-proxy: " + created.getSpec()));
    return proxy.getResources().getRequests().get("cpu").toString();
  }

}
