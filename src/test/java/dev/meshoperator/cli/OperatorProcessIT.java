package dev.meshoperator.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.MeshState;
import dev.meshoperator.operator.OperatorProcess;
import dev.meshoperator.reconcile.OperatorHarness;
import dev.meshoperator.render.Labels;
import dev.meshoperator.testenv.KubeTest;
import dev.meshoperator.testenv.OperatorIdentity;
import dev.meshoperator.testenv.Ports;
import dev.meshoperator.testenv.TestCluster;
import dev.meshoperator.testenv.TestNamespace;
import dev.meshoperator.webhook.CertificateManager;
import dev.meshoperator.webhook.WebhookRuntime;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The whole operator as users run it: the MeshInstall controller applies the control plane and
 * this revision's webhook configuration, the webhook in the same process injects pods of labelled
 * namespaces, status says Ready and where injection is on, and deleting the MeshInstall takes it
 * all away again. The second test starts {@code meshctl operator} from the built jar.
 */
@KubeTest
class OperatorProcessIT {

  @Test
  void operatorInstallsControlPlaneAndWebhookInjectsAndUninstallRemovesEverything(TestCluster cluster,
      KubernetesClient client, TestNamespace ns) {
    OperatorHarness.installCrd(client);
    String suffix = Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20), 36);
    String operatorNs = createNamespace(client, "mesh-operator-" + suffix);
    int port = Ports.free();
    var webhook = WebhookRuntime.Options.defaults(operatorNs)
        .withPort(port).withUrlHost(cluster.hostReachableFromApiServer(port)).withManagementPort(0);
    String revision = "e2e" + suffix;
    String controlPlaneNs = "cp-" + suffix;
    try (var asServiceAccount = OperatorIdentity.fromDeploy(client).client("mesh-operator-e2e");
        var operator = OperatorProcess.start(asServiceAccount, new OperatorProcess.Options(webhook, Optional.empty(),
        "mesh-operator-e2e/" + suffix, dev.meshoperator.api.FailurePolicy.Fail))) {
      MeshInstall mi = new KubernetesSerialization().unmarshal("""
          apiVersion: meshoperator.dev/v1alpha1
          kind: MeshInstall
          metadata: {name: %s}
          spec:
            profile: minimal
            revision: %s
            namespace: %s
            meshConfig: {defaultConfig: {proxyMetadata: {ISTIO_META_DNS_CAPTURE: "true"}}}
          """.formatted("e2e-" + suffix, revision, controlPlaneNs), MeshInstall.class);
      var installs = client.resources(MeshInstall.class);
      installs.resource(mi).create();
      client.namespaces().withName(ns.name()).edit(n -> {
        n.getMetadata().getLabels().put("istio.io/rev", revision);
        return n;
      });

      await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
        MeshInstall current = installs.withName(mi.getMetadata().getName()).get();
        assertThat(current.getStatus()).isNotNull();
        assertThat(current.getStatus().getState()).isEqualTo(MeshState.Ready);
        assertThat(current.getStatus().getWebhook().getState()).isEqualTo("Ready");
        assertThat(current.getStatus().getWebhook().getConfigurationName())
            .isEqualTo("mesh-operator-sidecar-injector-" + revision);
        assertThat(current.getStatus().getInjectionNamespaces()).containsExactly(ns.name());
      });
      assertThat(client.apps().deployments().inNamespace(controlPlaneNs).withName("istiod-" + revision).get())
          .isNotNull();

      client.apps().deployments().inNamespace(ns.name()).resource(new DeploymentBuilder()
          .withNewMetadata().withName("app").endMetadata()
          .withNewSpec().withReplicas(1).withNewSelector().addToMatchLabels("app", "app").endSelector()
          .withNewTemplate().withNewMetadata().addToLabels("app", "app").endMetadata()
          .withNewSpec().addNewContainer().withName("app").withImage("registry.k8s.io/pause:3.10").endContainer()
          .endSpec().endTemplate().endSpec().build()).create();
      await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
        List<Pod> pods = client.pods().inNamespace(ns.name()).list().getItems();
        assertThat(pods).singleElement().satisfies(pod -> {
          var proxy = pod.getSpec().getInitContainers().stream()
              .filter(c -> c.getName().equals("istio-proxy")).findFirst().orElseThrow();
          assertThat(proxy.getEnv()).extracting(EnvVar::getName, EnvVar::getValue)
              .contains(org.assertj.core.groups.Tuple.tuple("CA_ADDR",
                  "istiod-" + revision + "." + controlPlaneNs + ".svc:15012"),
                  // pilot-agent finds its istiod only through PROXY_CONFIG (its default is istiod.istio-system)
                  org.assertj.core.groups.Tuple.tuple("PROXY_CONFIG", "{\"discoveryAddress\":\"istiod-" + revision + "."
                      + controlPlaneNs + ".svc:15012\",\"proxyMetadata\":{\"ISTIO_META_DNS_CAPTURE\":\"true\"}}"),
                  org.assertj.core.groups.Tuple.tuple("ISTIO_META_DNS_CAPTURE", "true"));
          // istio-iptables reads it too: the DNS redirect
          assertThat(pod.getSpec().getInitContainers().get(0).getEnv()).extracting(EnvVar::getName, EnvVar::getValue)
              .containsExactly(org.assertj.core.groups.Tuple.tuple("ISTIO_META_DNS_CAPTURE", "true"));
          assertThat(pod.getStatus().getConditions())
              .anySatisfy(c -> assertThat(c.getType() + "=" + c.getStatus()).isEqualTo("Ready=True"));
        });
      });

      installs.withName(mi.getMetadata().getName()).delete();
      await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
        assertThat(installs.withName(mi.getMetadata().getName()).get()).isNull();
        assertThat(client.admissionRegistration().v1().mutatingWebhookConfigurations()
            .withName("mesh-operator-sidecar-injector-" + revision).get()).isNull();
        assertThat(client.apps().deployments().inAnyNamespace()
            .withLabel(Labels.INSTALL, mi.getMetadata().getName()).list().getItems()).isEmpty();
        assertThat(client.rbac().clusterRoles().withLabel(Labels.INSTALL, mi.getMetadata().getName())
            .list().getItems()).isEmpty();
      });
      Pod after = client.pods().inNamespace(ns.name()).resource(new PodBuilder().withNewMetadata()
          .withName("after-uninstall").endMetadata().withNewSpec().addNewContainer().withName("app")
          .withImage("registry.k8s.io/pause:3.10").endContainer().endSpec().build()).create();
      assertThat(after.getSpec().getInitContainers()).isNullOrEmpty();
    } finally {
      client.namespaces().withName(operatorNs).delete();
    }
  }

  @Test
  void meshctlOperatorFromTheJarRunsUntilStoppedAndReconciles(TestCluster cluster, KubernetesClient client)
      throws Exception {
    Path jar = Path.of(System.getProperty("mesh.basedir", "."), "target", "meshctl.jar");
    assertThat(jar).as("the shaded jar built by mvn package").exists();
    OperatorHarness.installCrd(client);
    String suffix = Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20), 36);
    String operatorNs = createNamespace(client, "mesh-operator-" + suffix);
    int port = Ports.free();
    Path log = Files.createTempFile("meshctl-operator", ".log");
    var command = new ArrayList<>(List.of("java", "-jar", jar.toString(), "operator",
        "--namespace=" + operatorNs, "--webhook-port=" + port, "--health-port=" + Ports.free(),
        "--webhook-url-host=" + cluster.hostReachableFromApiServer(port), "--default-failure-policy=Ignore"));
    // As the Deployment runs it: deploy/'s ServiceAccount token in a kubeconfig given with
    // --kubeconfig (KUBECONFIG points at the admin's, which must not be used), pod name and
    // namespace from the environment, leader election on.
    Path kubeconfig = OperatorIdentity.fromDeploy(client).writeKubeconfig(Files.createTempFile("operator", ".kubeconfig"));
    command.addAll(List.of("--kubeconfig", kubeconfig.toString(), "--leader-election"));
    var builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().put("KUBECONFIG", cluster.kubeconfig().toString());
    builder.environment().put("POD_NAME", "operator-" + suffix);
    Process process = builder.start();
    String name = "jar-" + suffix;
    try {
      var installs = client.resources(MeshInstall.class);
      installs.resource(new KubernetesSerialization().unmarshal("""
          apiVersion: meshoperator.dev/v1alpha1
          kind: MeshInstall
          metadata: {name: %s}
          spec: {profile: minimal, revision: jar%s, namespace: jar%s-system}
          """.formatted(name, suffix, suffix), MeshInstall.class)).create();
      await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
        assertThat(process.isAlive()).as("meshctl operator is running; log: " + log).isTrue();
        MeshInstall current = installs.withName(name).get();
        assertThat(current.getStatus()).isNotNull();
        assertThat(current.getStatus().getState()).isEqualTo(MeshState.Ready);
        assertThat(current.getStatus().getWebhook().getState()).isEqualTo("Ready");
      });
      // --default-failure-policy reaches the webhook configuration of an install that sets none.
      assertThat(client.admissionRegistration().v1().mutatingWebhookConfigurations()
          .withName("mesh-operator-sidecar-injector-jar" + suffix).get().getWebhooks())
          .allSatisfy(w -> assertThat(w.getFailurePolicy()).isEqualTo("Ignore"));
      installs.withName(name).delete();
      await().atMost(Duration.ofSeconds(60)).until(() -> installs.withName(name).get() == null);
    } finally {
      process.destroy(); // SIGTERM: the shutdown hook stops the operator
      boolean exited = process.waitFor(30, TimeUnit.SECONDS);
      if (!exited) {
        process.destroyForcibly();
      }
      client.namespaces().withName(operatorNs).delete();
      assertThat(exited).as("meshctl operator exits on SIGTERM; log: " + log).isTrue();
    }
    assertThat(Files.readString(log)).contains("mesh-operator started");
  }

  private static String createNamespace(KubernetesClient client, String name) {
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .create();
    return name;
  }

}
