package dev.meshoperator.webhook;

import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.testenv.Ports;
import dev.meshoperator.wiring.InjectionSettingsFactory;
import dev.meshoperator.profile.Profiles;
import dev.meshoperator.testenv.TestCluster;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.UnaryOperator;

import static org.awaitility.Awaitility.await;

/**
 * Runs the operator's webhook side in the test JVM against the test cluster, with a {@code url}
 * clientConfig, and applies the webhook configuration rendered for a MeshInstall.
 */
final class WebhookHarness implements AutoCloseable {
  final TestCluster cluster;
  final KubernetesClient client;
  final String operatorNamespace;
  final int port;
  final String host;
  WebhookRuntime runtime;
  private KubernetesClient operatorClient;

  WebhookHarness(TestCluster cluster) {
    this.cluster = cluster;
    this.client = cluster.client();
    dev.meshoperator.reconcile.OperatorHarness.installCrd(client);
    this.operatorNamespace = "mesh-operator-" + Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20), 36);
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(operatorNamespace)
        .endMetadata().build()).create();
    this.port = Ports.free();
    this.host = cluster.hostReachableFromApiServer(port);
  }

  WebhookHarness start(UnaryOperator<WebhookRuntime.Options> customize) {
    var options = customize.apply(WebhookRuntime.Options.defaults(operatorNamespace)
        .withPort(port).withUrlHost(host).withManagementPort(0));
    // The webhook side as deploy/'s ServiceAccount; the test itself acts as admin through client.
    operatorClient = dev.meshoperator.testenv.OperatorIdentity.fromDeploy(client).client("mesh-operator-webhook-test");
    runtime = WebhookRuntime.start(operatorClient, options, InjectionSettingsFactory::from);
    return this;
  }

  WebhookHarness start() {
    return start(UnaryOperator.identity());
  }

  /** Creates the MeshInstall and applies its webhook configuration, as the reconciler would. */
  MeshInstall install(MeshInstall mi) {
    MeshInstall created = client.resources(MeshInstall.class).resource(mi).create();
    applyWebhookConfiguration(created);
    // The runtime learns about installs through its informer.
    await().atMost(Duration.ofSeconds(10)).until(() ->
        new RevisionSettings(() -> client.resources(MeshInstall.class).list().getItems(),
            c -> InjectionSettingsFactory.from(c, false)).apply(dev.meshoperator.profile.Revision.of(created.getSpec().getRevision()).label()).isPresent());
    return created;
  }

  void applyWebhookConfiguration(MeshInstall mi) {
    for (HasMetadata object : runtime.renderer(dev.meshoperator.api.FailurePolicy.Fail).render(Profiles.resolve(mi))) {
      client.resource(object).forceConflicts().fieldManager("mesh-operator").serverSideApply();
    }
  }

  void uninstall(MeshInstall mi) {
    var config = Profiles.resolve(mi);
    client.admissionRegistration().v1().mutatingWebhookConfigurations()
        .withName(InjectorWebhookRenderer.configurationName(config.revision())).delete();
    client.resources(MeshInstall.class).withName(mi.getMetadata().getName()).delete();
  }

  static MeshInstall meshInstall(String name, String revision, String failurePolicy) {
    try {
      String yaml = "apiVersion: meshoperator.dev/v1alpha1\nkind: MeshInstall\nmetadata: {name: " + name + "}\n"
          + "spec:\n  profile: minimal\n" + (revision == null ? "" : "  revision: " + revision + "\n")
          + "  sidecarInjector: {failurePolicy: " + failurePolicy + ", timeoutSeconds: 5}\n";
      return new io.fabric8.kubernetes.client.utils.KubernetesSerialization()
          .unmarshal(yaml, MeshInstall.class);
    } catch (RuntimeException e) {
      throw new IllegalStateException(e);
    }
  }

  void labelNamespace(String namespace, Map<String, String> labels) {
    client.namespaces().withName(namespace).edit(ns -> {
      ns.getMetadata().getLabels().putAll(labels);
      return ns;
    });
  }


  /** Scrapes the Prometheus text from the management port. */
  String metrics() throws Exception {
    var http = java.net.http.HttpClient.newHttpClient();
    var response = http.send(java.net.http.HttpRequest.newBuilder(
            java.net.URI.create("http://127.0.0.1:" + runtime.server().managementPort().orElseThrow() + "/metrics"))
        .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
    return response.body();
  }

  @Override
  public void close() {
    if (runtime != null) {
      runtime.close();
    }
    if (operatorClient != null) {
      operatorClient.close();
    }
    client.namespaces().withName(operatorNamespace).delete();
  }

  static List<String> containerNames(io.fabric8.kubernetes.api.model.Pod pod) {
    var names = new java.util.ArrayList<String>();
    if (pod.getSpec().getInitContainers() != null) {
      pod.getSpec().getInitContainers().forEach(c -> names.add("init:" + c.getName()));
    }
    pod.getSpec().getContainers().forEach(c -> names.add(c.getName()));
    return names;
  }
}
