package dev.meshoperator.operator;

import dev.meshoperator.api.FailurePolicy;
import dev.meshoperator.inject.KubeJson;
import dev.meshoperator.reconcile.MeshInstallReconciler;
import dev.meshoperator.reconcile.OperatorSettings;
import dev.meshoperator.webhook.WebhookRuntime;
import dev.meshoperator.webhook.WebhookWarmUp;
import dev.meshoperator.wiring.ApiServerHttpClientFactory;
import dev.meshoperator.wiring.InjectionSettingsFactory;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator process: the webhook (served by every replica) and the MeshInstall controller
 * (run by the leader when leader election is on), sharing one client. Used by
 * {@code meshctl operator}, {@code meshctl demo} and the end-to-end tests alike.
 */
public final class OperatorProcess implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OperatorProcess.class);
  public static final String USER_AGENT = "mesh-operator";
  public static final String LEASE_NAME = "mesh-operator-leader";
  /** Requests of the in-process warm-up that runs while the process starts (WebhookWarmUp.startEarly). */
  public static final int EARLY_WARM_UP_REQUESTS = 400;

  /**
   * @param leaderElectionIdentity present to take part in leader election (the pod name)
   * @param resyncInterval how long a MeshInstall may go without a reconcile; empty for the
   *     controller's own default ({@link MeshInstallReconciler}'s maxReconciliationInterval)
   */
  public record Options(WebhookRuntime.Options webhook, Optional<String> leaderElectionIdentity,
      String userAgent, FailurePolicy defaultFailurePolicy, Optional<Duration> resyncInterval) {
    public Options(WebhookRuntime.Options webhook, Optional<String> leaderElectionIdentity,
        String userAgent, FailurePolicy defaultFailurePolicy) {
      this(webhook, leaderElectionIdentity, userAgent, defaultFailurePolicy, Optional.empty());
    }

    public Options withUserAgent(String agent) {
      return new Options(webhook, leaderElectionIdentity, agent, defaultFailurePolicy, resyncInterval);
    }

    public Options withResyncInterval(Duration interval) {
      return new Options(webhook, leaderElectionIdentity, userAgent, defaultFailurePolicy, Optional.of(interval));
    }
  }

  private final KubernetesClient client;
  private final WebhookRuntime webhook;
  private final Operator operator;
  private final MeshInstallReconciler reconciler;

  private final java.util.concurrent.atomic.AtomicBoolean closing;
  private final Options options;

  private OperatorProcess(KubernetesClient client, WebhookRuntime webhook, Operator operator,
      MeshInstallReconciler reconciler, java.util.concurrent.atomic.AtomicBoolean closing, Options options) {
    this.client = client;
    this.webhook = webhook;
    this.operator = operator;
    this.reconciler = reconciler;
    this.closing = closing;
    this.options = options;
  }

  /**
   * Gives up the Lease if it still names {@code identity}: fabric8's {@code LeaderElector.release}
   * (as client-go's ReleaseOnCancel), which checks the holder and cuts the Lease to 1 s from now, so
   * another replica takes it at its next try. JOSDK 5.2.3 builds its elector without release on
   * cancel, so a replica stopped by a rolling update held the Lease until it ran out (15 s), and no
   * replica reconciled meanwhile.
   *
   * @return whether it was released (false: another replica holds it, or there is none)
   */
  static boolean releaseLease(KubernetesClient client, String namespace, String identity) {
    var config = new io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfig(
        new io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock(namespace, LEASE_NAME, identity),
        LeaderElectionConfiguration.LEASE_DURATION_DEFAULT_VALUE, LeaderElectionConfiguration.RENEW_DEADLINE_DEFAULT_VALUE,
        LeaderElectionConfiguration.RETRY_PERIOD_DEFAULT_VALUE,
        new io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks(() -> { }, () -> { }, leader -> { }),
        false, LEASE_NAME);
    return new io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectorBuilder(client, Runnable::run)
        .withConfig(config).build().release();
  }

  /**
   * How long a stop tries to give up the Lease. Against a reachable API server the release (a get
   * and an update) takes milliseconds; against one that is gone, the client's retries took about
   * 19 s by hand, after JOSDK's stop (up to 5 s) and before the webhook's (up to 5 s of grace for
   * in-flight admissions), so the whole stop came close to OperatorMain's 25 s wait, after which
   * the JVM halts in the middle of it. Given up, the Lease runs out as if never released (15 s).
   */
  static final Duration LEASE_RELEASE_BOUND = Duration.ofSeconds(3);

  /**
   * {@link #releaseLease(KubernetesClient, String, String)} given at most {@code bound}: the
   * release runs on a daemon thread of its own, left to the client's close when it overruns.
   *
   * @throws java.util.concurrent.TimeoutException when it has not ended within {@code bound}
   * @throws RuntimeException what the release threw
   */
  static boolean releaseLease(KubernetesClient client, String namespace, String identity, Duration bound)
      throws java.util.concurrent.TimeoutException, InterruptedException {
    var release = new java.util.concurrent.FutureTask<>(() -> releaseLease(client, namespace, identity));
    Thread thread = new Thread(release, "lease-release");
    thread.setDaemon(true);
    thread.start();
    try {
      return release.get(bound.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } catch (java.util.concurrent.TimeoutException e) {
      release.cancel(true);
      throw e;
    }
  }

  /**
   * JOSDK's defaults, except who exits: a replica that loses the Lease while running ends the
   * process (so two never reconcile at once), but one giving it up because it is being closed
   * does not (JOSDK's own exit would also end a JVM that only embeds the operator, like the tests).
   */
  private static LeaderElectionConfiguration leaderElection(String namespace, String identity,
      java.util.concurrent.atomic.AtomicBoolean closing) {
    var callbacks = new io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks(() -> { }, () -> {
      if (!closing.get()) {
        LOG.error("lost the leader election Lease {}/{}; exiting so that only the leader reconciles", namespace, LEASE_NAME);
        System.exit(1);
      }
    }, leader -> { });
    return new LeaderElectionConfiguration(LEASE_NAME, namespace, LeaderElectionConfiguration.LEASE_DURATION_DEFAULT_VALUE,
        LeaderElectionConfiguration.RENEW_DEADLINE_DEFAULT_VALUE, LeaderElectionConfiguration.RETRY_PERIOD_DEFAULT_VALUE,
        identity, callbacks, false);
  }

  /**
   * The operator's own client: {@code base}'s configuration with {@code userAgent}, and its
   * watches as HTTP streams rather than WebSockets.
   */
  static KubernetesClient clientFor(KubernetesClient base, String userAgent) {
    Config config = new ConfigBuilder(base.getConfiguration()).withUserAgent(userAgent)
        // A WebSocket needs a connection of its own (HTTP/1.1 upgrade): 22 connections, each
        // with its own TLS handshake at start, one per informer. As HTTP streams (client-go's
        // way) every watch shares the client's one HTTP/2 connection with the other requests
        // (bench/RESULTS.md, section "2026-12-05 14:23-15:35 UTC": 23 connections to 1, ready
        // earlier, less CPU). The streams in use stay far below the API server's limit per
        // connection (Go's 250; beyond it the JDK's client fails a request, JDK-8225647):
        // 22 watches, Applier.CONCURRENCY applies, OperatorSettings.RECONCILE_THREADS
        // reconciles. Where HTTP/2 is off (http2Disable) each watch gets a connection again.
        .withOnlyHttpWatches(true)
        .build();
    return new KubernetesClientBuilder()
        .withConfig(config)
        // Both the JDK and the Vert.x client are on the classpath; say which, rather than let
        // fabric8 pick one at random (and warn about it). Under the Deployment's C1-only JIT it
        // offers ChaCha20 first (its javadoc says why).
        .withHttpClientFactory(new ApiServerHttpClientFactory(config))
        // One Kubernetes JSON mapping for the whole process: the admission path's (KubeJson,
        // Blackbird). With the client's own mapper beside it, every model class the reconciler and
        // the informers read or write was mapped twice, and the client's reflection generated an
        // accessor class (each with a class loader of its own) per hot getter and setter: 1,155 of
        // them in bench/memory.sh.
        .withKubernetesSerialization(KubeJson.serialization())
        .build();
  }

  /** Starts everything on a client of its own derived from {@code base} (with its user agent). */
  public static OperatorProcess start(KubernetesClient base, Options options) {
    if (options.webhook().warmUp() != null && !options.webhook().warmUp().isZero()) {
      // while the client, certificates and informers do their I/O (see WebhookWarmUp.startEarly);
      // OperatorMain.main has started it already
      WebhookWarmUp.startEarlyOnce(options.webhook().warmUp(), EARLY_WARM_UP_REQUESTS);
    } else {
      WebhookWarmUp.stopEarly();
    }
    KubernetesClient client = clientFor(base, options.userAgent());
    WebhookRuntime webhook = null;
    try {
      webhook = WebhookRuntime.start(client, options.webhook(), InjectionSettingsFactory::from);
      WebhookRuntime w = webhook;
      var closing = new java.util.concurrent.atomic.AtomicBoolean();
      Operator operator = OperatorSettings.newOperator(client, options.leaderElectionIdentity().map(id ->
          leaderElection(options.webhook().operatorNamespace(), id, closing)));
      MeshInstallReconciler reconciler = new MeshInstallReconciler(List.of(w.renderer(options.defaultFailurePolicy())));
      // Long before the warm-up ends (it has just begun): the first reconcile's work stays out of
      // the first admissions.
      w.alsoReadyWhen(new FirstReconcileGate(reconciler::reconcilesInFlight));
      // While the informers sync and the Lease is taken: the first reconcile then renders warm.
      Thread warmUp = new Thread(() -> {
        try {
          LOG.debug("rendering warmed up ({} objects)", reconciler.warmUp());
        } catch (RuntimeException e) {
          LOG.debug("rendering warm-up failed (the first reconcile renders cold): {}", e.toString());
        }
      }, "render-warm-up");
      warmUp.setDaemon(true);
      warmUp.start();
      operator.register(reconciler, o -> options.resyncInterval().map(o::withReconciliationMaxInterval).orElse(o));
      operator.start();
      LOG.info("mesh-operator started: webhook on port {}, controller {}", w.server().port(),
          options.leaderElectionIdentity().isPresent() ? "under leader election" : "active");
      return new OperatorProcess(client, w, operator, reconciler, closing, options);
    } catch (RuntimeException e) {
      if (webhook != null) {
        webhook.close();
      }
      client.close();
      throw e;
    }
  }

  public WebhookRuntime webhook() {
    return webhook;
  }

  /** The operator's own client; its requests carry {@link Options#userAgent()}. */
  public KubernetesClient client() {
    return client;
  }

  @Override
  public void close() {
    closing.set(true);
    try {
      operator.stop();
      options.leaderElectionIdentity().ifPresent(identity -> {
        try {
          if (releaseLease(client, options.webhook().operatorNamespace(), identity, LEASE_RELEASE_BOUND)) {
            LOG.info("released the leader election Lease {}/{}", options.webhook().operatorNamespace(), LEASE_NAME);
          }
        } catch (java.util.concurrent.TimeoutException e) {
          LOG.warn("gave up releasing the leader election Lease {}/{} after {} s (the next leader waits for it to run out)",
              options.webhook().operatorNamespace(), LEASE_NAME, LEASE_RELEASE_BOUND.toSeconds());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
          LOG.warn("could not release the leader election Lease {}/{} (the next leader waits for it to run out): {}",
              options.webhook().operatorNamespace(), LEASE_NAME, e.toString());
        }
      });
    } finally {
      reconciler.close();
      webhook.close();
      client.close();
    }
  }
}
