package dev.meshoperator.operator;

import dev.meshoperator.api.FailurePolicy;
import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.inject.InjectionSettings;
import dev.meshoperator.inject.KubeJson;
import dev.meshoperator.reconcile.MeshInstallReconciler;
import dev.meshoperator.reconcile.OperatorSettings;
import dev.meshoperator.webhook.AdmissionCodec;
import dev.meshoperator.webhook.AdmissionHandler;
import dev.meshoperator.webhook.AdmissionServer;
import dev.meshoperator.webhook.CertificateManager;
import dev.meshoperator.webhook.CertificatePolicy;
import dev.meshoperator.webhook.InMemoryCertificateStore;
import dev.meshoperator.webhook.InjectionAdmissionHandler;
import dev.meshoperator.webhook.InjectorWebhookRenderer;
import dev.meshoperator.webhook.PatchMemo;
import dev.meshoperator.webhook.WebhookEndpoint;
import dev.meshoperator.webhook.WebhookMetrics;
import dev.meshoperator.webhook.WebhookWarmUp;
import dev.meshoperator.wiring.ApiServerHttpClientFactory;
import dev.meshoperator.wiring.InjectionSettingsFactory;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NamespaceList;
import io.fabric8.kubernetes.api.model.NamespaceListBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The training run of the image's class data sharing archive: {@code java
 * -XX:ArchiveClassesAtExit=/app/mesh-operator.jsa -cp /app/mesh-operator.jar
 * dev.meshoperator.operator.ClassDataTraining} in the Dockerfile, where no API server is reachable.
 *
 * <p>It runs, without a cluster, what the operator runs before it reports ready, so that the JVM
 * records the classes it loads: the command line as the Deployment gives it, the Kubernetes client
 * and the admission path's JSON mapping, certificates made and read back (BouncyCastle), the HTTPS
 * admission server with its warm-up over TLS (Netty, BoringSSL), the management endpoints, the
 * rendering of an install, the JOSDK operator with the reconciler registered (not started), and the
 * API objects the start reads (Secret, Namespaces, MeshInstalls, Lease). An operator started with
 * {@code -XX:SharedArchiveFile} then maps those classes instead of loading them from the jar.
 *
 * <p>Touches nothing outside the process: loopback sockets on free ports, certificates in memory, a
 * client that never connects. Exits 0 when every step ran; any failure exits 1 with the reason,
 * so that an image build does not ship an archive of half a start.
 */
public final class ClassDataTraining {
  private static final Logger LOG = LoggerFactory.getLogger(ClassDataTraining.class);

  /**
   * The operator container's args in deploy/03-deployment.yaml (DockerfileTest keeps them equal);
   * the training parses them, with {@code --namespace} for what the Deployment's POD_NAMESPACE gives.
   */
  public static final List<String> DEPLOYMENT_ARGS = List.of("operator", "--webhook-port=9443", "--health-port=8080",
      "--leader-election", "--default-failure-policy=Fail", "--log-level=info", "--webhook-service=mesh-operator");

  private ClassDataTraining() {}

  public static void main(String[] args) {
    try {
      LOG.info("class data training: {}", run());
      System.exit(0);
    } catch (Exception | LinkageError e) {
      System.err.println("mesh-operator class data training failed: " + e);
      System.exit(1);
    }
  }

  /** Runs every step once; returns what it did, for the log. */
  static String run() throws Exception {
    long start = System.nanoTime();
    // The Deployment's command line (deploy/03-deployment.yaml), parsed as OperatorMain parses it.
    List<String> args = new java.util.ArrayList<>(DEPLOYMENT_ARGS);
    args.add("--namespace=mesh-operator");
    var parsed = OperatorMain.commandLine().parseArgs(OperatorMain.withoutOperatorCommand(args.toArray(String[]::new)));
    OperatorMain main = (OperatorMain) parsed.commandSpec().userObject();
    OperatorProcess.Options options = main.options.processOptions();

    // The early in-process warm-up (and netty-tcnative's loading), as OperatorMain.main begins them;
    // the server's own warm-up below ends it.
    WebhookWarmUp.startEarlyOnce(WebhookWarmUp.DEFAULT_BUDGET, OperatorProcess.EARLY_WARM_UP_REQUESTS);

    // The clients as the operator builds them; nothing connects (port 1 on loopback).
    Config baseConfig = new ConfigBuilder().withMasterUrl("https://127.0.0.1:1").withNamespace("mesh-operator")
        .withRequestRetryBackoffLimit(0).withConnectionTimeout(2_000).build();
    try (KubernetesClient base = new KubernetesClientBuilder().withConfig(baseConfig)
            .withHttpClientFactory(new ApiServerHttpClientFactory(baseConfig)).build();
        KubernetesClient client = OperatorProcess.clientFor(base, options.userAgent())) {
      var serialization = KubeJson.serialization();
      int objects = readApiObjects(serialization);

      // Certificates: made (a new install) and read back (a restart finds the Secret).
      var store = new InMemoryCertificateStore();
      CertificatePolicy policy = CertificatePolicy.forService("mesh-operator", "mesh-operator")
          .withSans(List.of("mesh-operator", "mesh-operator.mesh-operator.svc"), List.of("127.0.0.1"));
      try (var made = new CertificateManager(store, policy, CertificateManager.Mode.MANAGED, Clock.systemUTC());
          var read = new CertificateManager(store, policy, CertificateManager.Mode.MANAGED, Clock.systemUTC())) {
        made.reconcile();
        read.reconcile();
        if (!read.isReady() || store.writes() != 1) {
          throw new IllegalStateException("certificates: ready " + read.isReady() + ", " + store.writes() + " writes");
        }

        // The admission server and its warm-up over TLS, as WebhookRuntime starts them.
        AdmissionHandler handler = WebhookWarmUp.operatorHandler(
            cfg -> InjectionSettingsFactory.from(cfg, true), serialization);
        // with the metrics and the patch memo WebhookRuntime gives it
        var metrics = new WebhookMetrics();
        var memo = new PatchMemo(PatchMemo.DEFAULT_BYTES);
        metrics.patchMemo(memo);
        WebhookWarmUp.Result warmed;
        try (AdmissionServer server = AdmissionServer.builder()
            .handlers(rev -> handler)
            .metrics(metrics)
            .identity(read::servingIdentity)
            .readiness(read::isReady)
            .inlineDecisions(true)
            .bindAddress(InetAddress.getLoopbackAddress())
            .port(0)
            .managementPort(0)
            .warmUp(WebhookWarmUp.Plan.of(handler, options.webhook().warmUp()))
            .start()) {
          warmed = server.warmUp().get(30, TimeUnit.SECONDS);
          if (warmed.requests() == 0 || warmed.unexpected() > 0 || !server.isReady()) {
            throw new IllegalStateException("webhook warm-up: " + warmed + ", ready " + server.isReady());
          }
          int management = server.managementPort().orElseThrow();
          managementRequest(management, "/readyz");
          // a ReplicaSet's pods: the second and third are answered from the memo
          var codec = new AdmissionCodec(serialization);
          var replicas = new InjectionAdmissionHandler(
              InjectionSettings.defaults().toBuilder().serverSupportsNativeSidecars(true).build(),
              ns -> WebhookWarmUp.namespaceLabels(), serialization, memo);
          for (int i = 0; i < 3; i++) {
            codec.writeReview(replicas.handle(codec.parseRequest(replicaPodReview(i))));
          }
          if (memo.hits() != 2) {
            throw new IllegalStateException("patch memo: " + memo.hits() + " hits of 3 alike pods, expected 2");
          }
          managementRequest(management, "/metrics");
        }

        // The controller: rendering (with the webhook configuration's renderer) and JOSDK, not started.
        var renderer = new InjectorWebhookRenderer(WebhookEndpoint.service("mesh-operator", "mesh-operator", 443),
            read::caBundle, FailurePolicy.Fail, Optional.of("mesh-operator"));
        try (var reconciler = new MeshInstallReconciler(List.of(renderer))) {
          int rendered = reconciler.warmUp();
          var operator = OperatorSettings.newOperator(client, Optional.empty());
          // Registering asks the API server for the operator's permissions; here the connection is
          // refused at once (and that path of the client is worth recording too), which the
          // reconciler logs as a warning: not one to show in an image build's output.
          var permissionLog = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(
              "dev.meshoperator.reconcile.PermissionCheck");
          permissionLog.setLevel(ch.qos.logback.classic.Level.ERROR);
          operator.register(reconciler);
          return String.format(java.util.Locale.ROOT, "%d API objects read, %d objects rendered, webhook warm-up %d requests"
              + " over TLS, in %d ms", objects, rendered, warmed.requests(),
              TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        }
      }
    }
  }

  /** Reads back, through the operator's mapping, the kinds its start reads from the API server. */
  private static int readApiObjects(io.fabric8.kubernetes.client.utils.KubernetesSerialization serialization) {
    var secret = new SecretBuilder().withNewMetadata().withName("mesh-operator-webhook-tls")
        .withNamespace("mesh-operator").withResourceVersion("1").endMetadata()
        .addToData("ca.crt", "Y2E=").withType("kubernetes.io/tls").build();
    NamespaceList namespaces = new NamespaceListBuilder().withNewMetadata().withResourceVersion("1").endMetadata()
        .addToItems(new NamespaceBuilder().withNewMetadata().withName("bookinfo")
            .addToLabels("istio-injection", "enabled").endMetadata().build()).build();
    var install = new MeshInstall();
    install.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName("demo").withGeneration(1L).build());
    var lease = new io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder().withNewMetadata().withName(OperatorProcess.LEASE_NAME).endMetadata()
        .withNewSpec().withHolderIdentity("mesh-operator-0").withLeaseDurationSeconds(15).endSpec().build();
    List<Object> read = List.of(
        serialization.unmarshal(serialization.asJson(secret), io.fabric8.kubernetes.api.model.Secret.class),
        serialization.unmarshal(serialization.asJson(namespaces), NamespaceList.class),
        serialization.unmarshal(serialization.asJson(install), MeshInstall.class),
        serialization.unmarshal(serialization.asJson(lease), io.fabric8.kubernetes.api.model.coordination.v1.Lease.class));
    return read.size();
  }

  private static void managementRequest(int port, String path) throws java.io.IOException {
    var connection = (java.net.HttpURLConnection) new java.net.URL("http://127.0.0.1:" + port + path).openConnection();
    try (var in = connection.getInputStream()) {
      in.readAllBytes();
      if (connection.getResponseCode() != 200) {
        throw new IllegalStateException(path + " answered " + connection.getResponseCode());
      }
    } finally {
      connection.disconnect();
    }
  }

  /** The review of a ReplicaSet's pod as the API server sends it (its own uid and managedFields time). */
  private static byte[] replicaPodReview(int n) {
    return ("""
        {"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"training-%d",
         "kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},
         "namespace":"%s","operation":"CREATE","object":{"apiVersion":"v1","kind":"Pod",
         "metadata":{"generateName":"web-5d8f7b9c4d-","namespace":"%s","labels":{"app":"web"},
          "managedFields":[{"manager":"kube-controller-manager","operation":"Update","time":"2026-01-01T00:00:0%dZ"}]},
         "spec":{"containers":[{"name":"web","image":"nginx:1.27"}]}}}}
        """).formatted(n, "training", "training", n).getBytes(StandardCharsets.UTF_8);
  }
}
