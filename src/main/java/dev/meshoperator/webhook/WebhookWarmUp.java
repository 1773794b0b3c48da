package dev.meshoperator.webhook;

import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.MeshInstallSpec;
import dev.meshoperator.api.Profile;
import dev.meshoperator.inject.InjectionSettings;
import dev.meshoperator.profile.EffectiveConfig;
import io.fabric8.kubernetes.api.model.GroupVersionKind;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequestBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReviewBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warms the admission path before the webhook reports ready, so the first real requests do not
 * pay for a cold JIT (the first seconds of a cold JVM cost several milliseconds of CPU per
 * request). The server sends itself synthetic AdmissionReviews over TLS on loopback, through the
 * same Netty pipeline, TLS engine, codec and decision code as the API server's calls: a typical
 * application pod (injected), a gateway pod (gateway template), a pod that opts out (skipped), a
 * pod UPDATE (let through) and a malformed body (400). It stops at a request count or a time
 * budget, whichever comes first, then readiness may turn true.
 *
 * <p>No side effects: warm-up requests carry a random per-process token in a header
 * ({@value #TOKEN_HEADER}); the server routes them to the warm-up handler (never one that calls
 * the API server) and counts them in a metrics registry of their own, not in the admission
 * metrics; the token is forgotten when the warm-up ends, so the header means nothing afterwards.
 * When no certificate exists yet (external certificates not issued yet), the same reviews go
 * through the codec and handler in-process instead.
 */
public final class WebhookWarmUp {
  private static final Logger LOG = LoggerFactory.getLogger(WebhookWarmUp.class);

  /**
   * What {@link #collectStartGarbage} did: how many times it asked for a collection, how many
   * collections of the old generation ran (0 when every request was skipped), and how long it took.
   */
  public record Collection(int attempts, long collections, Duration elapsed) {}

  /** Asks for a full collection at most this many times; a request can be skipped (below). */
  static final int COLLECTION_ATTEMPTS = 5;

  /**
   * One full collection, run when the warm-up has ended and before the webhook reports ready. The
   * start (the client, the informers' lists, the renderer's and the webhook's warm-ups) promotes
   * objects that die soon after into the old generation: with the Deployment's serial collector
   * and 96 MiB heap (old generation 64 MiB) it held 50-59 MiB at ready against a live set of
   * 42-46 MiB, so the first full collection, 100-130 ms, came in the first 10 s of traffic (4 runs
   * of 4). Collected here, before ready, it came in none of 3 (bench/RESULTS.md, 2026-12-05 06:24).
   * The JVM skips a requested collection while a thread is in a JNI critical region (netty-tcnative
   * uses them); one was, once in 4 starts, so the request is repeated, a little later, until a
   * collector has run.
   */
  public static Collection collectStartGarbage() {
    long begin = System.nanoTime();
    long before = collectionCount();
    int attempts = 0;
    long ran = 0;
    while (attempts < COLLECTION_ATTEMPTS) {
      attempts++;
      System.gc();
      ran = collectionCount() - before;
      if (ran > 0) {
        break;
      }
      try {
        Thread.sleep(10L * attempts);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return new Collection(attempts, ran, Duration.ofNanos(System.nanoTime() - begin));
  }

  /** The collectors that collect the old generation (serial, parallel, G1), whose count a full collection raises. */
  private static final java.util.Set<String> FULL_COLLECTORS = java.util.Set.of("MarkSweepCompact", "PS MarkSweep",
      "G1 Old Generation");

  /**
   * Collections of the old generation so far: a young collection another thread's allocation
   * starts meanwhile does not count as the full one asked for. With a collector not named in
   * FULL_COLLECTORS, every collection counts.
   */
  static long collectionCount() {
    var collectors = java.lang.management.ManagementFactory.getGarbageCollectorMXBeans();
    boolean known = collectors.stream().anyMatch(gc -> FULL_COLLECTORS.contains(gc.getName()));
    long count = 0;
    for (var gc : collectors) {
      if (!known || FULL_COLLECTORS.contains(gc.getName())) {
        count += Math.max(0, gc.getCollectionCount());
      }
    }
    return count;
  }

  /** Default time budget: warm-up ends at this deadline even if it has not sent every request. */
  public static final Duration DEFAULT_BUDGET = Duration.ofSeconds(2);
  /**
   * Default request count when the JVM runs C2 as well: about where the request path's methods are
   * compiled by C1 and queued for C2.
   */
  public static final int DEFAULT_MAX_REQUESTS = 800;
  /**
   * Default request count when the JVM runs the quick JIT only (C1, the operator's Deployment).
   * Each request before ready delays it, and fewer leave the first traffic colder: measured with
   * bench/operator-start.sh (the image, 1,000 req/s from ready; bench/RESULTS.md, 2026-12-05
   * 17:29-18:02 UTC, three sets of counts alternated, 9-12 starts of each count per set), ready took a
   * median of 3.08-3.24 s with 800, 3.01 s with 600, 2.79-2.92 s with 500, 2.73 s with 400 and
   * 2.52 s with 300, and p99 over the first 10 s stayed within 20 ms in 21 of 21, 9 of 9, 29 of 30,
   * 6 of 9 and 0 of 9 starts. Three slower sets later (19:03-19:13) gave 500 a median of 2.98-3.21 s,
   * and one invocation a full collection under the first traffic in each of its three starts (p99
   * 75-135 ms): over the day 51 of 57 starts within 20 ms with 500, 27 of 27 with 800; 37 of 57 and 5
   * of 27 ready within 3 s.
   */
  public static final int QUICK_JIT_MAX_REQUESTS = 500;
  /** Header carrying the warm-up token; requests with a wrong or stale token are ordinary requests. */
  static final String TOKEN_HEADER = "x-mesh-operator-warm-up";
  /** Namespace of the synthetic pods (they never exist anywhere). */
  static final String NAMESPACE = "mesh-operator-warm-up";
  /** A connection is replaced after this many requests, so that TLS handshakes are warmed too. */
  private static final int REQUESTS_PER_CONNECTION = 40;

  /**
   * What to warm with.
   *
   * @param handler answers the warm-up requests; it must have no side effects (no API calls)
   * @param budget the deadline, from the start of the warm-up
   * @param maxRequests stop after this many requests
   */
  public record Plan(AdmissionHandler handler, Duration budget, int maxRequests) {
    public Plan {
      Objects.requireNonNull(handler, "handler");
      Objects.requireNonNull(budget, "budget");
      if (budget.isNegative() || budget.isZero()) {
        throw new IllegalArgumentException("warm-up budget must be positive");
      }
      if (maxRequests < 1) {
        throw new IllegalArgumentException("warm-up maxRequests must be at least 1");
      }
    }

    /** A plan of {@link #defaultMaxRequests()} requests. */
    public static Plan of(AdmissionHandler handler, Duration budget) {
      return new Plan(handler, budget, defaultMaxRequests());
    }
  }

  /**
   * The request count for this JVM: {@link #QUICK_JIT_MAX_REQUESTS} when it compiles with C1 only,
   * else {@link #DEFAULT_MAX_REQUESTS}.
   */
  public static int defaultMaxRequests() {
    return defaultMaxRequests(AdmissionServer.quickJitOnly());
  }

  static int defaultMaxRequests(boolean quickJitOnly) {
    return quickJitOnly ? QUICK_JIT_MAX_REQUESTS : DEFAULT_MAX_REQUESTS;
  }

  /**
   * How the warm-up went.
   *
   * @param requests requests answered
   * @param unexpected answers whose status was not the one expected (200, or 400 for the malformed body)
   * @param elapsed wall time of the warm-up
   * @param overTls whether requests went through the TLS server (else in-process)
   * @param budgetReached whether the deadline stopped it before {@code maxRequests}
   * @param error the failure that ended it early, if any (readiness does not wait on a failed warm-up)
   */
  public record Result(int requests, int unexpected, Duration elapsed, boolean overTls, boolean budgetReached,
      String error) {
    static Result none() {
      return new Result(0, 0, Duration.ZERO, false, false, null);
    }

    String describe(Plan plan) {
      return String.format(Locale.ROOT, "%d requests (%d unexpected answers) %s in %d ms (budget %d ms, %s)%s",
          requests, unexpected, overTls ? "over TLS on loopback" : "in-process", elapsed.toMillis(),
          plan.budget().toMillis(), budgetReached ? "ended by the budget"
              : error == null ? "all " + plan.maxRequests() + " sent" : "failed",
          error == null ? "" : "; stopped early: " + error);
    }
  }

  /** One synthetic request: its body and the status it should get. */
  record Sample(String name, byte[] body, int expectedStatus) {}

  private WebhookWarmUp() {}

  /**
   * Starts warming the injection path at once, on a daemon thread, while the process does its I/O
   * (client, certificates, informers): the samples through a codec and an injection handler of
   * default settings, in memory only (no server, no metrics, no API call), for at most
   * {@code budget} or {@code maxRequests}. The first admission of a process pays for loading the
   * Kubernetes model and building its serializers (seconds on 2 cores); this moves that before
   * the webhook's own warm-up, which then finds the injector warm.
   */
  public static Thread startEarly(Duration budget, int maxRequests) {
    Thread t = earlyThread(budget, maxRequests);
    t.start();
    return t;
  }

  /** The process's early warm-up, once started by {@link #startEarlyOnce}. */
  private static final java.util.concurrent.atomic.AtomicReference<Thread> EARLY =
      new java.util.concurrent.atomic.AtomicReference<>();
  /** Set by {@link #stopEarly()}: the early warm-up ends at its next request. */
  private static volatile boolean earlyStopped;

  /**
   * {@link #startEarly} unless this process has started it already: the operator's main starts it
   * before anything else (parsing the command line and building the client take a core for most
   * of a second), and {@code OperatorProcess.start} asks again for embedders that skip main.
   */
  public static void startEarlyOnce(Duration budget, int maxRequests) {
    if (EARLY.get() == null) {
      Thread t = earlyThread(budget, maxRequests);
      if (EARLY.compareAndSet(null, t)) {
        t.start();
        // netty-tcnative's native library (extracted from the jar and linked) is needed only once
        // the server starts, after the certificates and informers; loading it now takes it off that path.
        Thread tls = new Thread(() -> {
          try {
            io.netty.handler.ssl.OpenSsl.isAvailable();
          } catch (RuntimeException | LinkageError e) {
            LOG.debug("loading netty-tcnative early failed (the server's TLS set-up will say why): {}", e.toString());
          }
        }, "tls-native-load");
        tls.setDaemon(true);
        tls.start();
      }
    }
  }

  /** The thread {@link #startEarlyOnce} started, if it has. */
  static Thread early() {
    return EARLY.get();
  }

  /**
   * Ends the early warm-up {@link #startEarlyOnce} started, at its next request: when the command
   * line turns the warm-up off, and when the server's own warm-up begins. Other threads of
   * {@link #startEarly} run on.
   */
  public static void stopEarly() {
    earlyStopped = true;
  }

  private static Thread earlyThread(Duration budget, int maxRequests) {
    Thread t = new Thread(() -> {
      long start = System.nanoTime();
      long deadline = start + budget.toNanos();
      int n = 0;
      try {
        var serialization = dev.meshoperator.inject.KubeJson.serialization();
        var codec = new AdmissionCodec(serialization);
        var handler = new InjectionAdmissionHandler(InjectionSettings.defaults(), ns -> namespaceLabels(),
            serialization);
        List<Sample> samples = samples(serialization);
        boolean stoppable = EARLY.get() == Thread.currentThread();
        while (n < maxRequests && System.nanoTime() < deadline && !(stoppable && earlyStopped)) {
          try {
            codec.writeReview(handler.handle(codec.parseRequest(samples.get(n % samples.size()).body())));
          } catch (InvalidAdmissionReviewException expected) {
            // the malformed sample
          }
          n++;
        }
        LOG.info("injection path warmed in-process at start: {} requests in {} ms", n,
            (System.nanoTime() - start) / 1_000_000);
      } catch (RuntimeException e) {
        LOG.debug("early injection warm-up stopped after {} requests: {}", n, e.toString());
      }
    }, "injection-warm-up");
    t.setDaemon(true);
    t.setPriority(Thread.MIN_PRIORITY);
    return t;
  }

  /** A fresh random token (128 bits). */
  static String newToken() {
    byte[] b = new byte[16];
    new SecureRandom().nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  /** The namespace labels the warm-up handlers see: injection enabled. */
  public static Map<String, String> namespaceLabels() {
    return Map.of("istio-injection", "enabled", "kubernetes.io/metadata.name", NAMESPACE);
  }

  /**
   * The operator's warm-up handler: the same per-revision handler as real requests, over a
   * synthetic MeshInstall of the default profile held in memory (no informer, no API call), so
   * resolving a revision's settings is warmed too. Its resourceVersion changes every few dozen
   * requests, so the per-version resolution (validation, profile overlay) runs more than once.
   */
  public static AdmissionHandler operatorHandler(Function<EffectiveConfig, InjectionSettings> toSettings,
      KubernetesSerialization serialization) {
    AtomicInteger calls = new AtomicInteger();
    String uid = UUID.randomUUID().toString();
    RevisionSettings settings = new RevisionSettings(
        () -> List.of(syntheticInstall(uid, 1 + calls.getAndIncrement() / 25)),
        List::of, RevisionSettings.LastValidLookup.NONE, toSettings);
    Function<String, Map<String, String>> labels = ns -> namespaceLabels();
    return new RevisionAdmissionHandler(AdmissionServer.DEFAULT_REVISION, settings, labels, labels, serialization);
  }

  private static MeshInstall syntheticInstall(String uid, int version) {
    MeshInstall mi = new MeshInstall();
    mi.setMetadata(new ObjectMetaBuilder().withName("mesh-operator-warm-up").withUid(uid)
        .withResourceVersion(Integer.toString(version)).withGeneration(1L).build());
    MeshInstallSpec spec = new MeshInstallSpec();
    spec.setProfile(Profile.DEFAULT);
    mi.setSpec(spec);
    return mi;
  }

  /** The warm-up mix, in the order it is sent (typical pods are most of the API server's traffic). */
  static List<Sample> samples(KubernetesSerialization serialization) {
    List<Sample> out = new ArrayList<>();
    byte[] typical = review(serialization, typicalPod(), "CREATE");
    out.add(new Sample("typical pod", typical, 200));
    out.add(new Sample("gateway pod", review(serialization, gatewayPod(), "CREATE"), 200));
    out.add(new Sample("typical pod", typical, 200));
    out.add(new Sample("opted-out pod", review(serialization, optedOutPod(), "CREATE"), 200));
    out.add(new Sample("typical pod", typical, 200));
    out.add(new Sample("pod update", review(serialization, typicalPod(), "UPDATE"), 200));
    out.add(new Sample("typical pod", typical, 200));
    out.add(new Sample("malformed review", Arrays.copyOf(typical, typical.length / 2), 400));
    return List.copyOf(out);
  }

  private static byte[] review(KubernetesSerialization serialization, Pod pod, String operation) {
    var request = new AdmissionRequestBuilder()
        .withUid(UUID.randomUUID().toString())
        .withKind(new GroupVersionKind("", "Pod", "v1"))
        .withResource(new io.fabric8.kubernetes.api.model.GroupVersionResource("", "pods", "v1"))
        .withOperation(operation)
        .withNamespace(NAMESPACE)
        .withObject(pod);
    if ("UPDATE".equals(operation)) {
      request.withOldObject(pod);
    }
    return serialization.asJson(new AdmissionReviewBuilder().withApiVersion("admission.k8s.io/v1")
        .withKind("AdmissionReview").withRequest(request.build()).build()).getBytes(StandardCharsets.UTF_8);
  }

  /** A Deployment's pod: one container, ports, probes (rewritten), resources, a volume. */
  static Pod typicalPod() {
    return new PodBuilder()
        .withNewMetadata().withGenerateName("app-7d5f8c9b6-").withNamespace(NAMESPACE)
        .withLabels(Map.of("app", "app", "version", "v1", "pod-template-hash", "7d5f8c9b6"))
        .addNewOwnerReference().withApiVersion("apps/v1").withKind("ReplicaSet")
        .withName("app-7d5f8c9b6").withUid("00000000-0000-0000-0000-000000000001").withController(true)
        .endOwnerReference()
        .endMetadata()
        .withNewSpec().withServiceAccountName("app")
        .addNewContainer().withName("app").withImage("registry.invalid/app:1")
        .addNewPort().withName("http").withContainerPort(8080).endPort()
        .withNewReadinessProbe().withNewHttpGet().withPath("/health").withPort(new IntOrString("http"))
        .endHttpGet().withPeriodSeconds(5).endReadinessProbe()
        .withNewLivenessProbe().withNewTcpSocket().withPort(new IntOrString(8080)).endTcpSocket()
        .endLivenessProbe()
        .withNewResources().addToRequests("cpu", new Quantity("100m")).addToRequests("memory", new Quantity("128Mi"))
        .endResources()
        .addNewEnv().withName("LOG_DIR").withValue("/tmp/logs").endEnv()
        .addNewVolumeMount().withName("tmp").withMountPath("/tmp").endVolumeMount()
        .endContainer()
        .addNewVolume().withName("tmp").withNewEmptyDir().endEmptyDir().endVolume()
        .endSpec().build();
  }

  /** A gateway Deployment's pod: the gateway template replaces its placeholder container. */
  static Pod gatewayPod() {
    return new PodBuilder()
        .withNewMetadata().withGenerateName("ingress-gateway-5c6d7e8f9-").withNamespace(NAMESPACE)
        .withLabels(Map.of("app", "ingress-gateway", "istio", "ingressgateway", "sidecar.istio.io/inject", "true"))
        .withAnnotations(Map.of("inject.istio.io/templates", "gateway"))
        .endMetadata()
        .withNewSpec().withServiceAccountName("ingress-gateway")
        .addNewContainer().withName("istio-proxy").withImage("auto").endContainer()
        .endSpec().build();
  }

  /** A pod whose label opts out: skipped. */
  static Pod optedOutPod() {
    Pod pod = typicalPod();
    pod.getMetadata().setLabels(Map.of("app", "batch", "sidecar.istio.io/inject", "false"));
    return pod;
  }

  /**
   * The budget counts from {@code start} (System.nanoTime() when the warm-up began, before the
   * samples were built). Sends the samples round-robin to {@code https://address:port/inject} from {@code clients}
   * threads, each on kept-alive connections replaced every few dozen requests, until
   * {@code maxRequests} are answered or the budget is spent. Trusts exactly the certificate the
   * server presents now ({@code identity}); no host name check (the server is this process).
   */
  static Result overTls(InetAddress address, int port, Supplier<ServingIdentity> identity, String token,
      List<Sample> samples, Plan plan, int clients, long start, BooleanSupplier closing) throws Exception {
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, new TrustManager[] {pinned(identity)}, null);
    long deadline = start + plan.budget().toNanos();
    AtomicInteger sent = new AtomicInteger();
    AtomicInteger answered = new AtomicInteger();
    AtomicInteger unexpected = new AtomicInteger();
    List<Thread> threads = new ArrayList<>();
    Exception[] failure = new Exception[1];
    for (int c = 0; c < clients; c++) {
      Thread t = new Thread(() -> {
        try {
          while (!closing.getAsBoolean() && System.nanoTime() < deadline && sent.get() < plan.maxRequests()) {
            try (SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket()) {
              SSLParameters params = socket.getSSLParameters();
              params.setApplicationProtocols(new String[] {"http/1.1"});
              socket.setSSLParameters(params);
              socket.setTcpNoDelay(true);
              socket.setSoTimeout(untilDeadline(deadline));
              socket.connect(new InetSocketAddress(address, port), untilDeadline(deadline));
              OutputStream out = socket.getOutputStream();
              InputStream in = new BufferedInputStream(socket.getInputStream());
              for (int i = 0; i < REQUESTS_PER_CONNECTION; i++) {
                int n = sent.getAndIncrement();
                if (n >= plan.maxRequests() || System.nanoTime() >= deadline || closing.getAsBoolean()) {
                  break;
                }
                Sample sample = samples.get(n % samples.size());
                // Waiting past the deadline would hold readiness: a slow answer ends the warm-up.
                socket.setSoTimeout(untilDeadline(deadline));
                out.write(("POST /inject HTTP/1.1\r\nHost: " + address.getHostAddress() + ":" + port
                    + "\r\nContent-Type: application/json\r\nAccept: application/json\r\nContent-Length: "
                    + sample.body().length + "\r\n" + TOKEN_HEADER + ": " + token + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
                out.write(sample.body());
                out.flush();
                Response response = read(in);
                answered.incrementAndGet();
                if (response.status() != sample.expectedStatus()) {
                  unexpected.incrementAndGet();
                  LOG.debug("warm-up: {} answered {} (expected {})", sample.name(), response.status(),
                      sample.expectedStatus());
                }
                if (response.close()) {
                  break;
                }
              }
            }
          }
        } catch (Exception e) {
          if (System.nanoTime() >= deadline || closing.getAsBoolean()) {
            return; // the budget ran out (or the server is closing) while a request was on its way
          }
          synchronized (failure) {
            if (failure[0] == null) {
              failure[0] = e;
            }
          }
        }
      }, "webhook-warm-up-client-" + c);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join();
    }
    long elapsed = System.nanoTime() - start;
    boolean budgetReached = answered.get() < plan.maxRequests() && System.nanoTime() >= deadline;
    if (failure[0] != null && answered.get() == 0) {
      throw failure[0];
    }
    return new Result(answered.get(), unexpected.get(), Duration.ofNanos(elapsed), true, budgetReached,
        failure[0] == null ? null : failure[0].toString());
  }

  /** Socket timeout: what is left of the budget plus a little, so readiness waits little past the deadline. */
  private static int untilDeadline(long deadline) {
    long left = (deadline - System.nanoTime()) / 1_000_000;
    return (int) Math.min(Integer.MAX_VALUE - 1_000, Math.max(1, left)) + 250;
  }

  /** The same samples through the codec and handler, without a connection. */
  static Result inProcess(InjectEndpoint endpoint, AdmissionHandler handler, List<Sample> samples, Plan plan,
      long start, BooleanSupplier closing) {
    long deadline = start + plan.budget().toNanos();
    int n = 0;
    int unexpected = 0;
    while (n < plan.maxRequests() && System.nanoTime() < deadline && !closing.getAsBoolean()) {
      Sample sample = samples.get(n % samples.size());
      endpoint.countRequest(); // in the warm-up's own registry, as over TLS
      if (endpoint.decide(handler, sample.body(), "warm-up").status() != sample.expectedStatus()) {
        unexpected++;
      }
      n++;
    }
    return new Result(n, unexpected, Duration.ofNanos(System.nanoTime() - start), false,
        n < plan.maxRequests() && !closing.getAsBoolean(), null);
  }

  private record Response(int status, boolean close) {}

  /** Reads one HTTP/1.1 response with a Content-Length body (what the server always sends). */
  private static Response read(InputStream in) throws IOException {
    String statusLine = line(in);
    String[] parts = statusLine.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
      throw new IOException("not an HTTP response: " + statusLine);
    }
    int status = Integer.parseInt(parts[1]);
    long length = 0;
    boolean close = false;
    for (String header = line(in); !header.isEmpty(); header = line(in)) {
      int colon = header.indexOf(':');
      if (colon < 0) {
        continue;
      }
      String name = header.substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String value = header.substring(colon + 1).trim();
      if (name.equals("content-length")) {
        length = Long.parseLong(value);
      } else if (name.equals("connection") && value.equalsIgnoreCase("close")) {
        close = true;
      }
    }
    for (long skipped = 0; skipped < length; ) {
      long s = in.skip(length - skipped);
      if (s <= 0) {
        if (in.read() < 0) {
          throw new IOException("connection closed in a response body");
        }
        s = 1;
      }
      skipped += s;
    }
    return new Response(status, close);
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream(64);
    for (int c = in.read(); c != '\n'; c = in.read()) {
      if (c < 0) {
        throw new IOException("connection closed before a response");
      }
      if (c != '\r') {
        b.write(c);
      }
    }
    return b.toString(StandardCharsets.US_ASCII);
  }

  /** Trusts the server's own current leaf certificate and nothing else. */
  private static X509TrustManager pinned(Supplier<ServingIdentity> identity) {
    return new X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("the warm-up client trusts no clients");
      }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        ServingIdentity current = identity.get();
        if (current == null || chain.length == 0 || !chain[0].equals(current.leaf())) {
          throw new CertificateException("the warm-up server presented a certificate other than our own");
        }
      }

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    };
  }
}
