package dev.meshoperator.webhook;

import dev.meshoperator.api.FailurePolicy;
import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.inject.InjectionSettings;
import dev.meshoperator.profile.EffectiveConfig;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The webhook side of the operator process: certificates (kept in a Secret shared by replicas),
 * the HTTPS admission server with one handler per revision, the caBundle sync, and the renderer
 * of the webhook configurations that the reconciler applies with the rest of an install.
 */
public final class WebhookRuntime implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WebhookRuntime.class);

  /**
   * @param operatorNamespace where the certificate Secret lives
   * @param serviceName the operator's webhook Service (service mode, and the certificate's SANs)
   * @param urlHost when set, the API server calls {@code https://<urlHost>:<port>} instead of the
   *     Service (the operator runs outside the cluster)
   * @param port HTTPS port (0 picks a free one)
   * @param managementPort plain-HTTP port for /healthz, /readyz and /metrics, or -1 for none
   * @param certificates MANAGED (self-made CA) or EXTERNAL (cert-manager maintains the Secret)
   * @param warmUp time budget of the warm-up before readiness ({@link WebhookWarmUp}); zero for none
   */
  public record Options(String operatorNamespace, String serviceName, String secretName,
      Optional<String> urlHost, InetAddress bindAddress, int port, int managementPort,
      CertificateManager.Mode certificates, CertificatePolicy certificatePolicy, Clock clock,
      Duration certificateCheckInterval, Duration warmUp) {

    /** Without a warm-up setting: the default warm-up ({@link WebhookWarmUp#DEFAULT_BUDGET}). */
    public Options(String operatorNamespace, String serviceName, String secretName,
        Optional<String> urlHost, InetAddress bindAddress, int port, int managementPort,
        CertificateManager.Mode certificates, CertificatePolicy certificatePolicy, Clock clock,
        Duration certificateCheckInterval) {
      this(operatorNamespace, serviceName, secretName, urlHost, bindAddress, port, managementPort, certificates,
          certificatePolicy, clock, certificateCheckInterval, WebhookWarmUp.DEFAULT_BUDGET);
    }

    public static Options defaults(String operatorNamespace) {
      return new Options(operatorNamespace, "mesh-operator-webhook", "mesh-operator-webhook-tls",
          Optional.empty(), anyAddress(), 9443, -1, CertificateManager.Mode.MANAGED, null,
          Clock.systemUTC(), Duration.ofMinutes(1), WebhookWarmUp.DEFAULT_BUDGET);
    }

    public Options withUrlHost(String host) {
      return new Options(operatorNamespace, serviceName, secretName, Optional.of(host), bindAddress, port,
          managementPort, certificates, certificatePolicy, clock, certificateCheckInterval, warmUp);
    }

    public Options withPort(int newPort) {
      return new Options(operatorNamespace, serviceName, secretName, urlHost, bindAddress, newPort,
          managementPort, certificates, certificatePolicy, clock, certificateCheckInterval, warmUp);
    }

    public Options withManagementPort(int newPort) {
      return new Options(operatorNamespace, serviceName, secretName, urlHost, bindAddress, port,
          newPort, certificates, certificatePolicy, clock, certificateCheckInterval, warmUp);
    }

    public Options withCertificates(CertificateManager.Mode mode, CertificatePolicy policy, Clock newClock,
        Duration interval) {
      return new Options(operatorNamespace, serviceName, secretName, urlHost, bindAddress, port,
          managementPort, mode, policy, newClock, interval, warmUp);
    }

    /**
     * Time budget of the warm-up that runs before the webhook reports ready; zero for none
     * (ready as soon as the certificate is there, with a cold JIT).
     */
    public Options withWarmUp(Duration budget) {
      if (budget == null || budget.isNegative()) {
        throw new IllegalArgumentException("warm-up budget must be zero or positive");
      }
      return new Options(operatorNamespace, serviceName, secretName, urlHost, bindAddress, port,
          managementPort, certificates, certificatePolicy, clock, certificateCheckInterval, budget);
    }

    private static InetAddress anyAddress() {
      try {
        return InetAddress.getByName("0.0.0.0");
      } catch (UnknownHostException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  private final CertificateManager certificates;
  private final AdmissionServer server;
  private final SharedIndexInformer<Namespace> namespaces;
  private final SharedIndexInformer<MeshInstall> meshInstalls;
  private final WebhookEndpoint endpoint;
  private final WebhookMetrics metrics;
  private final String operatorNamespace;
  private final AtomicReference<BooleanSupplier> alsoReady;

  private WebhookRuntime(CertificateManager certificates, AdmissionServer server,
      SharedIndexInformer<Namespace> namespaces, SharedIndexInformer<MeshInstall> meshInstalls,
      WebhookEndpoint endpoint, WebhookMetrics metrics, String operatorNamespace,
      AtomicReference<BooleanSupplier> alsoReady) {
    this.operatorNamespace = operatorNamespace;
    this.alsoReady = alsoReady;
    this.certificates = certificates;
    this.server = server;
    this.namespaces = namespaces;
    this.meshInstalls = meshInstalls;
    this.endpoint = endpoint;
    this.metrics = metrics;
  }

  /**
   * Starts certificates, informers and the server.
   *
   * @param toSettings maps an install's effective config to injection settings; the boolean says
   *     whether the API server supports native sidecars
   */
  public static WebhookRuntime start(KubernetesClient client, Options options,
      BiFunction<EffectiveConfig, Boolean, InjectionSettings> toSettings) {
    List<AutoCloseable> started = new ArrayList<>();
    AtomicReference<BooleanSupplier> alsoReady = new AtomicReference<>(() -> true);
    try {
      List<String> dns = new ArrayList<>(List.of(options.serviceName(),
          options.serviceName() + "." + options.operatorNamespace(),
          options.serviceName() + "." + options.operatorNamespace() + ".svc",
          options.serviceName() + "." + options.operatorNamespace() + ".svc.cluster.local"));
      List<String> ips = new ArrayList<>(List.of("127.0.0.1"));
      options.urlHost().filter(h -> !h.matches("[0-9.]+")).ifPresent(dns::add);
      options.urlHost().filter(h -> h.matches("[0-9.]+") && !ips.contains(h)).ifPresent(ips::add);
      CertificatePolicy policy = options.certificatePolicy() != null ? options.certificatePolicy()
          : CertificatePolicy.forService(options.serviceName(), options.operatorNamespace());
      policy = policy.withSans(dns, ips);
      var certs = new CertificateManager(
          new KubernetesSecretCertificateStore(client, options.operatorNamespace(), options.secretName()),
          policy, options.certificates(), options.clock());
      started.add(certs);
      var sync = new WebhookConfigurationSync(client);
      certs.addCaBundleListener(sync::setCaBundle);

      // The informers' first lists and the version request go out while the certificates are read
      // (one after the other, they kept the server from starting for a third of a second). As with
      // inform(), the server starts only once both informers have listed, and a list that fails
      // (a permission taken away) fails the start.
      SharedIndexInformer<Namespace> nsInformer = client.namespaces().runnableInformer(0);
      started.add(nsInformer);
      SharedIndexInformer<MeshInstall> miInformer = client.resources(MeshInstall.class).runnableInformer(0);
      started.add(miInformer);
      CompletableFuture<Void> synced = CompletableFuture.allOf(nsInformer.start().toCompletableFuture(),
          miInformer.start().toCompletableFuture());
      CompletableFuture<Boolean> nativeSidecars = CompletableFuture.supplyAsync(() -> supportsNativeSidecars(client),
          task -> {
            Thread t = new Thread(task, "api-server-version");
            t.setDaemon(true);
            t.start();
          });
      certs.reconcile();
      certs.start(options.certificateCheckInterval());
      io.fabric8.kubernetes.client.utils.Utils.waitUntilReadyOrFail(synced, -1, TimeUnit.MILLISECONDS);
      boolean native_ = nativeSidecars.join();
      // Decisions run on the webhook's event loops; every read from the API server below first asks
      // Offload, which moves that decision to the decision pool (AdmissionServer.inlineDecisions).
      var settings = new RevisionSettings(miInformer.getStore()::list,
          Offload.guard(() -> client.resources(MeshInstall.class).list().getItems()),
          (namespace, name) -> {
            Offload.beforeBlocking();
            return Optional.ofNullable(client.configMaps().inNamespace(namespace).withName(name).get());
          },
          cfg -> toSettings.apply(cfg, native_));
      Function<String, Map<String, String>> labels = name -> namespaceLabels(client, nsInformer, name);
      Function<String, Map<String, String>> freshLabels =
          Offload.guard(name -> labelsOf(client.namespaces().withName(name).get()));
      // the admission path's own mapping (Blackbird), not the client's: see KubeJson
      var serialization = dev.meshoperator.inject.KubeJson.serialization();
      var metrics = new WebhookMetrics();
      // One for all revisions: its keys hold the settings instance, which RevisionSettings keeps per install version.
      var memo = new PatchMemo(PatchMemo.DEFAULT_BYTES);
      metrics.patchMemo(memo);
      var builder = AdmissionServer.builder()
          .handlers(rev -> new RevisionAdmissionHandler(rev, settings, labels, freshLabels, serialization, memo))
          .identity(certs::servingIdentity)
          .readiness(() -> certs.isReady() && alsoReady.get().getAsBoolean())
          .inlineDecisions(true)
          .bindAddress(options.bindAddress())
          .port(options.port())
          .metrics(metrics);
      if (options.managementPort() >= 0) {
        builder.managementPort(options.managementPort());
      }
      if (options.warmUp() != null && !options.warmUp().isZero()) {
        // A MeshInstall held in memory and fixed namespace labels: nothing the warm-up does reaches the API server.
        builder.warmUp(WebhookWarmUp.Plan.of(WebhookWarmUp.operatorHandler(cfg -> toSettings.apply(cfg, native_),
            serialization), options.warmUp()));
      }
      AdmissionServer server = builder.start();
      started.add(server);
      WebhookEndpoint endpoint = options.urlHost()
          .map(h -> WebhookEndpoint.url("https://" + h + ":" + server.port()))
          .orElse(WebhookEndpoint.service(options.operatorNamespace(), options.serviceName(), 443));
      LOG.info("admission webhook serving on port {} ({}); native sidecars {}", server.port(),
          endpoint.isUrl() ? endpoint.urlBase() : "service " + options.serviceName(),
          native_ ? "supported" : "not supported");
      return new WebhookRuntime(certs, server, nsInformer, miInformer, endpoint, metrics,
          options.operatorNamespace(), alsoReady);
    } catch (RuntimeException e) {
      for (int i = started.size() - 1; i >= 0; i--) {
        try {
          started.get(i).close();
        } catch (Exception suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      throw e;
    }
  }

  /** Native sidecars (restartable init containers) are on by default from Kubernetes 1.33. */
  static boolean supportsNativeSidecars(KubernetesClient client) {
    var v = client.getKubernetesVersion();
    try {
      int major = Integer.parseInt(v.getMajor().replaceAll("\\D", ""));
      int minor = Integer.parseInt(v.getMinor().replaceAll("\\D", ""));
      return major > 1 || (major == 1 && minor >= 33);
    } catch (RuntimeException e) {
      return false;
    }
  }

  private static Map<String, String> namespaceLabels(KubernetesClient client,
      SharedIndexInformer<Namespace> informer, String name) {
    Namespace ns = informer.getStore().getByKey(name);
    if (ns == null) {
      // A namespace created a moment ago may not be in the cache yet; ask the API server.
      Offload.beforeBlocking();
      ns = client.namespaces().withName(name).get();
    }
    return labelsOf(ns);
  }

  private static Map<String, String> labelsOf(Namespace ns) {
    return ns == null || ns.getMetadata().getLabels() == null ? Map.of() : ns.getMetadata().getLabels();
  }

  /**
   * The renderer the reconciler adds to its own so each install gets its webhook configuration.
   *
   * @param defaultFailurePolicy for installs whose spec does not choose one
   */
  public InjectorWebhookRenderer renderer(FailurePolicy defaultFailurePolicy) {
    return new InjectorWebhookRenderer(endpoint, certificates::caBundle, defaultFailurePolicy,
        Optional.of(operatorNamespace));
  }

  public WebhookEndpoint endpoint() {
    return endpoint;
  }

  public CertificateManager certificates() {
    return certificates;
  }

  /**
   * One more condition for readiness, beside the certificates and the warm-up: the operator's
   * {@code FirstReconcileGate}. Set it before the warm-up can end (right after {@link #start}).
   */
  public void alsoReadyWhen(BooleanSupplier condition) {
    alsoReady.set(java.util.Objects.requireNonNull(condition, "condition"));
  }

  public AdmissionServer server() {
    return server;
  }

  public WebhookMetrics metrics() {
    return metrics;
  }

  @Override
  public void close() {
    server.close();
    meshInstalls.close();
    namespaces.close();
    certificates.close();
  }
}
