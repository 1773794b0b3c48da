package dev.meshoperator.webhook;

import static org.awaitility.Awaitility.await;

import dev.meshoperator.api.FailurePolicy;
import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.profile.Profiles;
import dev.meshoperator.testenv.OperatorIdentity;
import dev.meshoperator.testenv.Ports;
import dev.meshoperator.testenv.TcpBalancer;
import dev.meshoperator.testenv.TestCluster;
import dev.meshoperator.wiring.InjectionSettingsFactory;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.UnaryOperator;

/**
 * Two webhook replicas of the operator in the test JVM, each with its own client as deploy/'s
 * ServiceAccount, sharing the certificate Secret of one operator namespace, listening on the same
 * port of 127.0.0.2 and 127.0.0.3 behind a {@link TcpBalancer} on 127.0.0.1 (the address in the
 * webhook configuration's url), as a Deployment's replicas sit behind its Service.
 */
final class ReplicatedWebhook implements AutoCloseable {
  static final List<String> ADDRESSES = List.of("127.0.0.2", "127.0.0.3");
  final KubernetesClient client;
  final String operatorNamespace;
  final int port;
  final List<WebhookRuntime> replicas = new ArrayList<>();
  private final List<KubernetesClient> clients = new ArrayList<>();
  private final TcpBalancer balancer;

  ReplicatedWebhook(TestCluster cluster, UnaryOperator<WebhookRuntime.Options> customize) {
    this.client = cluster.client();
    dev.meshoperator.reconcile.OperatorHarness.installCrd(client);
    this.operatorNamespace = "mesh-operator-" + Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20), 36);
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(operatorNamespace)
        .endMetadata().build()).create();
    this.port = Ports.free();
    this.balancer = TcpBalancer.start(address("127.0.0.1"), port,
        ADDRESSES.stream().map(a -> new InetSocketAddress(a, port)).toList());
    try {
      OperatorIdentity identity = OperatorIdentity.fromDeploy(client);
      for (String address : ADDRESSES) {
        KubernetesClient replicaClient = identity.client("mesh-operator-webhook-" + address);
        clients.add(replicaClient);
        var defaults = WebhookRuntime.Options.defaults(operatorNamespace);
        var options = customize.apply(new WebhookRuntime.Options(operatorNamespace, defaults.serviceName(),
            defaults.secretName(), java.util.Optional.of("127.0.0.1"), address(address), port, -1,
            defaults.certificates(), null, defaults.clock(), defaults.certificateCheckInterval()));
        replicas.add(WebhookRuntime.start(replicaClient, options, InjectionSettingsFactory::from));
      }
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  private static InetAddress address(String a) {
    try {
      return InetAddress.getByName(a);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Creates the MeshInstall and applies its webhook configuration as the leader's reconciler would. */
  MeshInstall install(MeshInstall mi) {
    MeshInstall created = client.resources(MeshInstall.class).resource(mi).create();
    for (HasMetadata object : replicas.get(0).renderer(FailurePolicy.Fail).render(Profiles.resolve(created))) {
      client.resource(object).forceConflicts().fieldManager("mesh-operator").serverSideApply();
    }
    // Each replica learns about installs through its own informer.
    for (WebhookRuntime replica : replicas) {
      await().atMost(Duration.ofSeconds(10)).until(() -> replica.metrics() != null
          && new RevisionSettings(() -> client.resources(MeshInstall.class).list().getItems(),
          c -> InjectionSettingsFactory.from(c, false))
          .apply(dev.meshoperator.profile.Revision.of(created.getSpec().getRevision()).label()).isPresent());
    }
    return created;
  }

  long[] connectionsPerReplica() {
    return balancer.connectionsPerBackend();
  }

  /** Stops every replica (the balancer stays: the API server still finds the address, nothing behind it). */
  void stopReplicas() {
    replicas.forEach(WebhookRuntime::close);
    replicas.clear();
  }

  void uninstall(MeshInstall mi) {
    var config = Profiles.resolve(mi);
    client.admissionRegistration().v1().mutatingWebhookConfigurations()
        .withName(InjectorWebhookRenderer.configurationName(config.revision())).delete();
    client.resources(MeshInstall.class).withName(mi.getMetadata().getName()).delete();
  }

  @Override
  public void close() {
    replicas.forEach(WebhookRuntime::close);
    clients.forEach(KubernetesClient::close);
    balancer.close();
    client.namespaces().withName(operatorNamespace).delete();
  }
}
