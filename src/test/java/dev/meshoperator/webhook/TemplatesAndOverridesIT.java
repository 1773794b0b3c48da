package dev.meshoperator.webhook;

import static dev.meshoperator.webhook.WebhookHarness.containerNames;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.testenv.KubeTest;
import dev.meshoperator.testenv.TestCluster;
import dev.meshoperator.testenv.TestNamespace;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Templates and the user's own istio-proxy through the real API server calling our webhook: a
 * Deployment as Istio's gateway chart renders it runs as a gateway; an istio-proxy override of
 * resources and args reaches the pod; an injected pod created again comes out the same.
 */
@KubeTest
class TemplatesAndOverridesIT {
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  private static final String PROXY_IMAGE = "docker.io/istio/proxyv2:" + dev.meshoperator.profile.IstioVersions.defaultVersion();

  private static WebhookHarness harness;
  private static MeshInstall mesh;

  @BeforeAll
  static void startWebhook(TestCluster cluster) {
    harness = new WebhookHarness(cluster).start();
    mesh = harness.install(WebhookHarness.meshInstall("templates-it", null, "Fail"));
  }

  @AfterAll
  static void stopWebhook() {
    if (harness != null) {
      harness.uninstall(mesh);
      harness.close();
    }
  }

  @Test
  void aDeploymentShapedLikeIstiosGatewayChartIsAdmittedAndItsPodsRunAsGateways(
      KubernetesClient client, TestNamespace ns) {
    harness.labelNamespace(ns.name(), Map.of("istio-injection", "enabled"));
    Deployment gateway = load("gateway-chart-deployment.yaml");
    client.apps().deployments().inNamespace(ns.name()).resource(gateway).create();

    awaitAvailable(client, ns, "istio-ingressgateway", 2);
    List<Pod> pods = client.pods().inNamespace(ns.name()).list().getItems();
    assertThat(pods).hasSize(2).allSatisfy(pod -> {
      // one container, the gateway itself: no istio-init, no second proxy, not a native sidecar
      assertThat(containerNames(pod)).containsExactly("istio-proxy");
      Container proxy = pod.getSpec().getContainers().get(0);
      assertThat(proxy.getImage()).isEqualTo(PROXY_IMAGE);
      assertThat(proxy.getArgs()).startsWith("proxy", "router");
      assertThat(env(proxy, "ISTIO_META_OWNER"))
          .isEqualTo("kubernetes://apis/apps/v1/namespaces/" + ns.name() + "/deployments/istio-ingressgateway");
      // the chart's own settings win field by field; the template adds the proxy's uid
      assertThat(proxy.getSecurityContext().getRunAsNonRoot()).isTrue();
      assertThat(proxy.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
      assertThat(proxy.getSecurityContext().getRunAsUser()).isEqualTo(1337L);
      assertThat(proxy.getResources().getLimits()).containsEntry("memory", new Quantity("1024Mi"));
      assertThat(proxy.getReadinessProbe().getHttpGet().getPort().getIntVal()).isEqualTo(15021);
      assertThat(pod.getSpec().getSecurityContext().getSysctls())
          .anySatisfy(s -> assertThat(s.getName()).isEqualTo("net.ipv4.ip_unprivileged_port_start"));
      assertThat(pod.getMetadata().getLabels()).doesNotContainKey("security.istio.io/tlsMode");
      assertThat(pod.getMetadata().getAnnotations().get("sidecar.istio.io/status"))
          .contains("\"containers\":[\"istio-proxy\"]").contains("\"initContainers\":null");
      assertThat(pod.getStatus().getConditions())
          .anySatisfy(c -> assertThat(c.getType() + "=" + c.getStatus()).isEqualTo("Ready=True"));
    });
  }

  @Test
  void anIstioProxyOverrideOfResourcesAndArgsReachesThePodAndReinjectionChangesNothing(
      KubernetesClient client, TestNamespace ns) {
    harness.labelNamespace(ns.name(), Map.of("istio-injection", "enabled"));
    client.apps().deployments().inNamespace(ns.name()).resource(load("proxy-override-deployment.yaml")).create();

    awaitAvailable(client, ns, "tuned", 1);
    Pod pod = client.pods().inNamespace(ns.name()).list().getItems().get(0);
    // Kubernetes 1.36 runs native sidecars: the override, written as a container, lands on the
    // restartable init container
    assertThat(containerNames(pod)).containsExactly("init:istio-init", "init:istio-proxy", "app");
    Container proxy = pod.getSpec().getInitContainers().get(1);
    assertThat(proxy.getImage()).isEqualTo(PROXY_IMAGE);
    assertThat(proxy.getRestartPolicy()).isEqualTo("Always");
    assertThat(proxy.getArgs()).containsExactly("proxy", "sidecar", "--domain", "$(POD_NAMESPACE).svc.cluster.local",
        "--proxyLogLevel=debug", "--concurrency=2");
    assertThat(proxy.getResources().getRequests()).containsEntry("cpu", new Quantity("300m"))
        .containsEntry("memory", new Quantity("256Mi"));
    assertThat(proxy.getResources().getLimits()).containsEntry("cpu", new Quantity("1"))
        .containsEntry("memory", new Quantity("1Gi"));
    assertThat(env(proxy, "CA_ADDR")).isEqualTo("istiod.istio-system.svc:15012");
    assertThat(pod.getMetadata().getAnnotations()).containsKey("proxy.istio.io/overrides");

    // the same pod, injected, created again: the webhook re-injects it to the same containers
    Pod again = client.pods().inNamespace(ns.name()).resource(asNewPod(pod, "tuned-again")).create();
    assertThat(again.getSpec().getInitContainers()).isEqualTo(pod.getSpec().getInitContainers());
    assertThat(again.getSpec().getContainers()).isEqualTo(pod.getSpec().getContainers());
    assertThat(again.getSpec().getVolumes()).isEqualTo(pod.getSpec().getVolumes());
    assertThat(again.getMetadata().getAnnotations()).isEqualTo(pod.getMetadata().getAnnotations());
  }

  /**
   * A stored pod as a controller would post it again: same spec, labels, annotations and owner (the
   * owner names the workload in the proxy's env), without what the server set.
   */
  private static Pod asNewPod(Pod stored, String name) {
    Pod p = SERIALIZATION.clone(stored);
    ObjectMeta m = p.getMetadata();
    p.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
        .withName(name).withLabels(m.getLabels()).withAnnotations(m.getAnnotations())
        .withOwnerReferences(m.getOwnerReferences()).build());
    p.setStatus(null);
    p.getSpec().setNodeName(null);
    return new PodBuilder(p).build();
  }

  private static void awaitAvailable(KubernetesClient client, TestNamespace ns, String name, int replicas) {
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      Deployment d = client.apps().deployments().inNamespace(ns.name()).withName(name).get();
      assertThat(d.getStatus().getAvailableReplicas()).isEqualTo(replicas);
    });
  }

  private static Deployment load(String resource) {
    try (var in = TemplatesAndOverridesIT.class.getResourceAsStream("/webhook/" + resource)) {
      return SERIALIZATION.unmarshal(in, Deployment.class);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static String env(Container c, String name) {
    return Stream.ofNullable(c.getEnv()).flatMap(List::stream).filter(e -> e.getName().equals(name))
        .map(EnvVar::getValue).findFirst().orElse(null);
  }
}
