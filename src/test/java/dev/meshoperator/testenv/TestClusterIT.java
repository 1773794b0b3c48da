package dev.meshoperator.testenv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meshoperator.api.MeshInstall;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.io.FileInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Proves the test cluster is a real one: controllers, scheduler, fake nodes, GC, webhooks, CRDs. */
@KubeTest
class TestClusterIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void deploymentGetsReplicaSetAndReadyPodsOnNodesAndKubectlShowsThemRunning(TestCluster cluster,
      KubernetesClient client, TestNamespace ns) {
    client.apps().deployments().inNamespace(ns.name()).resource(deployment("web", 2)).create();

    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      Deployment d = client.apps().deployments().inNamespace(ns.name()).withName("web").get();
      assertThat(d.getStatus().getAvailableReplicas()).isEqualTo(2);
    });
    List<ReplicaSet> replicaSets = client.apps().replicaSets().inNamespace(ns.name()).list().getItems();
    assertThat(replicaSets).hasSize(1);
    assertThat(replicaSets.get(0).getMetadata().getOwnerReferences())
        .anySatisfy(o -> assertThat(o.getKind() + "/" + o.getName()).isEqualTo("Deployment/web"));

    List<Pod> pods = client.pods().inNamespace(ns.name()).list().getItems();
    assertThat(pods).hasSize(2).allSatisfy(pod -> {
      assertThat(pod.getSpec().getNodeName()).isIn(cluster.nodeNames());
      assertThat(pod.getStatus().getPhase()).isEqualTo("Running");
      assertThat(pod.getStatus().getConditions())
          .anySatisfy(c -> assertThat(c.getType() + "=" + c.getStatus()).isEqualTo("Ready=True"));
    });

    String table = cluster.kubectl(List.of("get", "pods", "-n", ns.name(), "-o", "wide"));
    List<String> rows = table.lines().skip(1).toList();
    assertThat(rows).hasSize(2).allSatisfy(row -> assertThat(row).contains("1/1").contains("Running"));
    if (cluster.fakeNodes()) {
      assertThat(rows).allSatisfy(row -> assertThat(row).contains("kwok-node-"));
    }
  }

  @Test
  void deletingAnOwnerGarbageCollectsItsDependents(KubernetesClient client, TestNamespace ns) {
    var deployments = client.apps().deployments().inNamespace(ns.name());
    deployments.resource(deployment("gc", 1)).create();
    await().atMost(Duration.ofSeconds(60))
        .until(() -> client.pods().inNamespace(ns.name()).list().getItems().size() == 1);

    ConfigMap owner = client.configMaps().inNamespace(ns.name()).resource(new ConfigMapBuilder()
        .withNewMetadata().withName("owner").endMetadata().build()).create();
    client.configMaps().inNamespace(ns.name()).resource(new ConfigMapBuilder()
        .withNewMetadata().withName("dependent").withOwnerReferences(new OwnerReferenceBuilder()
            .withApiVersion("v1").withKind("ConfigMap").withName("owner")
            .withUid(owner.getMetadata().getUid()).build())
        .endMetadata().build()).create();

    deployments.withName("gc").delete();
    client.configMaps().inNamespace(ns.name()).withName("owner").delete();

    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      assertThat(client.apps().replicaSets().inNamespace(ns.name()).list().getItems()).isEmpty();
      assertThat(client.pods().inNamespace(ns.name()).list().getItems()).isEmpty();
      assertThat(client.configMaps().inNamespace(ns.name()).withName("dependent").get()).isNull();
    });
  }

  @Test
  void deletingANamespaceWithWorkloadsFinishes(KubernetesClient client) {
    String name = "doomed-" + System.nanoTime() % 100000;
    client.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder()
        .withNewMetadata().withName(name).endMetadata().build()).create();
    client.apps().deployments().inNamespace(name).resource(deployment("app", 2)).create();
    client.configMaps().inNamespace(name).resource(new ConfigMapBuilder().withNewMetadata()
        .withName("settings").endMetadata().addToData("k", "v").build()).create();
    await().atMost(Duration.ofSeconds(60))
        .until(() -> client.pods().inNamespace(name).list().getItems().size() == 2);

    client.namespaces().withName(name).delete();

    await().atMost(Duration.ofSeconds(90))
        .until(() -> client.namespaces().withName(name).get() == null);
  }

  @Test
  void apiServerCallsAWebhookUrlInThisJvmOnPodCreateAndStoresItsPatch(TestCluster cluster,
      KubernetesClient client, TestNamespace ns) throws Exception {
    var calls = new AtomicInteger();
    String webhookName = "label-" + ns.name() + ".test.meshoperator.dev";
    // The handler answers an AdmissionReview with a JSON Patch adding a label, echoing the uid.
    try (var server = TestHttpsServer.start("webhook.test", "/mutate", exchange -> {
      calls.incrementAndGet();
      JsonNode review = JSON.readTree(exchange.getRequestBody());
      String patch = "[{\"op\":\"add\",\"path\":\"/metadata/labels/mutated-by\",\"value\":\"test-webhook\"}]";
      ObjectNode response = JSON.createObjectNode();
      response.put("apiVersion", "admission.k8s.io/v1").put("kind", "AdmissionReview");
      response.putObject("response")
          .put("uid", review.path("request").path("uid").asText())
          .put("allowed", true)
          .put("patchType", "JSONPatch")
          .put("patch", Base64.getEncoder().encodeToString(patch.getBytes(StandardCharsets.UTF_8)));
      byte[] body = JSON.writeValueAsBytes(response);
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    })) {
      String host = cluster.hostReachableFromApiServer(server.port());
      MutatingWebhookConfiguration mwc = new MutatingWebhookConfigurationBuilder()
          .withNewMetadata().withName(webhookName).endMetadata()
          .addNewWebhook()
          .withName(webhookName)
          .withNewClientConfig()
          .withUrl("https://" + host + ":" + server.port() + "/mutate")
          .withCaBundle(Base64.getEncoder().encodeToString(server.caPem()))
          .endClientConfig()
          .addNewRule().withApiGroups("").withApiVersions("v1").withOperations("CREATE")
          .withResources("pods").withScope("Namespaced").endRule()
          .withNewNamespaceSelector()
          .withMatchLabels(Map.of("kubernetes.io/metadata.name", ns.name()))
          .endNamespaceSelector()
          .withAdmissionReviewVersions("v1")
          .withSideEffects("None")
          .withFailurePolicy("Fail")
          .withTimeoutSeconds(10)
          .endWebhook()
          .build();
      client.admissionRegistration().v1().mutatingWebhookConfigurations().resource(mwc).create();
      try {
        // The API server picks up new webhook configurations asynchronously; retry until it calls.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
          String name = "probe-" + System.nanoTime() % 1000000;
          client.pods().inNamespace(ns.name()).resource(pod(name)).create();
          Pod stored = client.pods().inNamespace(ns.name()).withName(name).get();
          assertThat(stored.getMetadata().getLabels()).containsEntry("mutated-by", "test-webhook");
        });
        assertThat(calls.get()).isPositive();
      } finally {
        client.admissionRegistration().v1().mutatingWebhookConfigurations().withName(webhookName).delete();
      }
    }
  }

  @Test
  void meshInstallCrdFromCrdsDirIsAcceptedAndItsResourcesCanBeCreatedAndWatched(KubernetesClient client)
      throws Exception {
    Path crdFile = Path.of(System.getProperty("mesh.basedir", "."), "crds", MeshInstall.CRD_NAME + "-v1.yml");
    CustomResourceDefinition crd;
    try (var in = new FileInputStream(crdFile.toFile())) {
      crd = client.apiextensions().v1().customResourceDefinitions().load(in).item();
    }
    // Other ITs may have applied the CRD already (OperatorHarness.installCrd, as manager
    // mesh-operator-test); the same manager and force make this order-independent.
    client.apiextensions().v1().customResourceDefinitions().resource(crd)
        .fieldManager("mesh-operator-test").forceConflicts().serverSideApply();
    await().atMost(Duration.ofSeconds(30)).until(() -> {
      var stored = client.apiextensions().v1().customResourceDefinitions().withName(MeshInstall.CRD_NAME).get();
      return stored.getStatus() != null && stored.getStatus().getConditions().stream()
          .anyMatch(c -> "Established".equals(c.getType()) && "True".equals(c.getStatus()));
    });

    var events = new CopyOnWriteArrayList<String>();
    var meshInstalls = client.resources(MeshInstall.class);
    String name = "watched-" + System.nanoTime() % 100000;
    try (Watch ignored = meshInstalls.watch(new Watcher<>() {
      @Override
      public void eventReceived(Action action, MeshInstall resource) {
        if (name.equals(resource.getMetadata().getName())) {
          events.add(action + ":" + resource.getSpec().getProfile().wireName());
        }
      }

      @Override
      public void onClose(WatcherException cause) {
      }
    })) {
      var mi = new MeshInstall();
      mi.getMetadata().setName(name);
      mi.getSpec().setProfile(dev.meshoperator.api.Profile.MINIMAL);
      MeshInstall created = meshInstalls.resource(mi).create();
      // Defaults from the schema were applied by the API server.
      assertThat(created.getSpec().getNamespace()).isEqualTo("istio-system");
      created.getSpec().setProfile(dev.meshoperator.api.Profile.DEMO);
      meshInstalls.resource(created).update();

      await().atMost(Duration.ofSeconds(30))
          .untilAsserted(() -> assertThat(events).containsExactly("ADDED:minimal", "MODIFIED:demo"));
    } finally {
      meshInstalls.withName(name).delete();
    }

    // The schema is enforced by the API server: an unknown profile is refused with a message.
    var bad = client.genericKubernetesResources(MeshInstall.GROUP + "/" + MeshInstall.VERSION, "MeshInstall")
        .load(new java.io.ByteArrayInputStream(("apiVersion: meshoperator.dev/v1alpha1\nkind: MeshInstall\n"
            + "metadata: {name: bad-profile}\nspec: {profile: bogus}\n").getBytes(StandardCharsets.UTF_8))).item();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> client.resource(bad).create())
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining("spec.profile")
        .hasMessageContaining("bogus");
  }

  private static Deployment deployment(String name, int replicas) {
    return new DeploymentBuilder()
        .withNewMetadata().withName(name).endMetadata()
        .withNewSpec().withReplicas(replicas)
        .withNewSelector().addToMatchLabels("app", name).endSelector()
        .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata()
        .withNewSpec().addNewContainer().withName("app").withImage("registry.k8s.io/pause:3.10")
        .endContainer().endSpec().endTemplate()
        .endSpec().build();
  }

  private static Pod pod(String name) {
    return new PodBuilder().withNewMetadata().withName(name).addToLabels("app", "probe").endMetadata()
        .withNewSpec().addNewContainer().withName("app").withImage("registry.k8s.io/pause:3.10")
        .endContainer().endSpec().build();
  }
}
