package dev.meshoperator.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.inject.IstioKeys;
import dev.meshoperator.inject.JsonPatches;
import dev.meshoperator.wiring.InjectionSettingsFactory;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.lifecycle.BeforeProperty;

/**
 * Issue 12, hostile input: the admission endpoint fuzzed over HTTPS. The webhook is started through
 * its public entry point ({@link AdmissionServer#builder()}, as {@link WebhookRuntime} starts it, with
 * real TLS and the default 3 MiB body limit) on loopback, behind the handler the operator serves
 * ({@link RevisionAdmissionHandler} over {@link RevisionSettings}, the real injector, four installs:
 * a default revision with a user template, a canary revision, one with the injector turned off and
 * an invalid one without last valid settings).
 *
 * <p>jqwik generates the inputs, structure-aware: AdmissionReviews whose pods have random shapes
 * (thousands of containers or env vars, huge and garbage Istio annotations, odd probes and ports),
 * then mutated (wrong types, missing and unknown fields, unknown kinds and operations, deep nesting);
 * byte-level mutations of valid reviews (truncation, flipped bytes, invalid UTF-8); and HTTP-level
 * variations (methods, paths, media types, bodies over the limit). Every input must get, without a
 * hang: a valid AdmissionReview (uid echoed, allowed or a Status with a 4xx code and a message, a
 * patch that is a JSON array applying to the pod sent) when its envelope carried a uid, otherwise a
 * short plain-text 4xx; a 503 only where it is documented (a revision whose settings cannot be
 * resolved). No exception may reach the handler's safety net (a 500 denial or the metric
 * {@code handler_error}); the heap, measured after GC, must not grow by more than
 * {@value #HEAP_GROWTH_LIMIT_MIB} MiB over a property.
 *
 * <p>Each try sends a batch of inputs concurrently (as the API server does). {@code -Dfuzz.batch=N}
 * scales every property: the default, 1, is what every {@code mvn verify} runs (12,500 inputs, a
 * minute or few on 2 cores); {@code -Dfuzz.batch=8} is the 100,000-input run whose figures the
 * README's reliability table records; bench/fuzz.sh runs 1,000,000.
 */
class AdmissionFuzzTest {
  static final int BATCH = Integer.getInteger("fuzz.batch", 1);
  static final long HEAP_GROWTH_LIMIT_MIB = 64;
  private static final long MIB = 1024 * 1024;
  private static final Duration RESPONSE_DEADLINE = Duration.ofSeconds(30);

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private static final List<String> SERVED = List.of("default", "canary", "off");
  private static final List<String> OPERATIONAL = List.of("/healthz", "/readyz", "/metrics");
  private static final List<String> ISTIO_KEYS = istioKeys();
  static final Map<String, Map<String, String>> NAMESPACES = Map.of(
      "production", Map.of("istio-injection", "enabled"),
      "canary-ns", Map.of("istio.io/rev", "canary"),
      "off-ns", Map.of("istio.io/rev", "off"),
      "plain", Map.of(),
      "kube-system", Map.of("istio-injection", "enabled"),
      "disabled", Map.of("istio-injection", "disabled"));

  private static AdmissionServer server;
  private static HttpClient client;
  private static javax.net.ssl.SSLContext TRUST;
  private static WebhookMetrics metrics;
  private static final AtomicLong totalInputs = new AtomicLong();
  private static final Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
  private static long startedAt;
  private static long heapAtStart;
  private long propertyInputsAtStart;
  private long propertyHeapAtStart;
  private long propertyStartedAt;

  // ---------------------------------------------------------------- lifecycle

  @BeforeContainer
  static void startServer() {
    IssuedCertificate ca = TestTls.ca("fuzz-ca");
    ServingIdentity identity = TestTls.identity(TestTls.serving(ca));
    List<MeshInstall> installs = List.of(
        install("fuzz-default", null, "sidecarInjector: {templates: {team: {labels: {team: fuzz},"
            + " spec: {containers: [{name: istio-proxy, env: [{name: FUZZ, value: '1'}]}]}}}}"),
        install("fuzz-canary", "canary", "profile: default"),
        install("fuzz-off", "off", "sidecarInjector: {enabled: false}"),
        install("fuzz-broken", "broken",
            "components: {pilot: {autoscaling: {enabled: true, minReplicas: 5, maxReplicas: 2}}}"));
    RevisionSettings settings = new RevisionSettings(() -> installs, () -> installs,
        RevisionSettings.LastValidLookup.NONE, c -> InjectionSettingsFactory.from(c, true));
    Function<String, Map<String, String>> labels = ns -> NAMESPACES.getOrDefault(ns == null ? "" : ns, Map.of());
    KubernetesSerialization serialization = new KubernetesSerialization();
    metrics = new WebhookMetrics();
    // What WebhookRuntime builds: a handler for every revision path, the default body limit.
    server = AdmissionServer.builder()
        .handlers(rev -> new RevisionAdmissionHandler(rev, settings, labels, labels, serialization))
        .identity(() -> identity)
        .bindAddress(InetAddress.getLoopbackAddress())
        .port(0)
        .metrics(metrics)
        .shutdownGrace(Duration.ZERO)
        .start();
    TRUST = TestTls.trusting(List.of(ca.certificate()));
    client = HttpClient.newBuilder()
        .sslContext(TRUST)
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(RESPONSE_DEADLINE)
        .build();
    // Every malformed review is logged at WARN with its cause, every refused pod at INFO; tens of
    // thousands of those would measure the console, not the webhook. Errors (a handler failure,
    // logged by InjectEndpoint) still show.
    ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("dev.meshoperator"))
        .setLevel(ch.qos.logback.classic.Level.ERROR);
    heapAtStart = usedHeapAfterGc();
    startedAt = System.nanoTime();
  }

  @AfterContainer
  static void stopServer() {
    long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startedAt);
    long heapAtEnd = usedHeapAfterGc();
    System.out.printf("[admission-fuzz] total: %,d inputs in %d s over HTTPS; used heap after GC %d MiB before, %d MiB after;"
            + " max heap %d MiB%n", totalInputs.get(), seconds, heapAtStart / MIB, heapAtEnd / MIB,
        Runtime.getRuntime().maxMemory() / MIB);
    System.out.printf("[admission-fuzz] outcomes: %s%n", new java.util.TreeMap<>(outcomes));
    server.close();
    ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("dev.meshoperator"))
        .setLevel(ch.qos.logback.classic.Level.INFO);
  }

  @BeforeProperty
  void measureBefore() {
    propertyInputsAtStart = totalInputs.get();
    propertyHeapAtStart = usedHeapAfterGc();
    propertyStartedAt = System.nanoTime();
  }

  @AfterProperty
  void checkAfter() throws Exception {
    long inputs = totalInputs.get() - propertyInputsAtStart;
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - propertyStartedAt);
    long heap = usedHeapAfterGc();
    System.out.printf("[admission-fuzz] %,d inputs in %.1f s (%.0f/s); used heap after GC %d -> %d MiB%n",
        inputs, millis / 1000.0, inputs * 1000.0 / Math.max(1, millis), propertyHeapAtStart / MIB, heap / MIB);
    // The server is still up and still injects.
    assertInjectsATypicalPod();
    assertThat(handlerErrors()).as("exceptions caught by the handler's safety net").isZero();
    assertThat((heap - propertyHeapAtStart) / MIB).as("heap growth over the property, MiB")
        .isLessThanOrEqualTo(HEAP_GROWTH_LIMIT_MIB);
  }

  // ---------------------------------------------------------------- properties

  /** 11,000 tries x the batch: generated AdmissionReviews, each mutated in up to four ways. */
  @Property(tries = 11_000, shrinking = net.jqwik.api.ShrinkingMode.OFF)
  void structuredReviewsGetAReviewOrAClean4xx(@ForAll("structuredBatch") List<Input> batch) throws Exception {
    sendAll(batch);
  }

  /**
   * 1,000 tries x the batch: valid reviews damaged byte by byte (truncated, flipped, invalid UTF-8). Nearly
   * all end in a 400 with Connection: close, so each costs a TLS handshake: fewer tries than above.
   */
  @Property(tries = 1_000, shrinking = net.jqwik.api.ShrinkingMode.OFF)
  void damagedBytesGetAReviewOrAClean4xx(@ForAll("byteBatch") List<Input> batch) throws Exception {
    sendAll(batch);
  }

  /** 500 tries x the batch: methods, paths, media types and bodies beyond the 3 MiB limit. */
  @Property(tries = 500, shrinking = net.jqwik.api.ShrinkingMode.OFF)
  void httpVariationsGetAReviewOrAClean4xx(@ForAll("httpBatch") List<Input> batch) throws Exception {
    sendAll(batch);
  }

  /** Positive control for the heap measurement: memory held on purpose is seen. */
  @Example
  void heapMeasurementSeesRetainedMemory() {
    long before = usedHeapAfterGc();
    List<byte[]> held = new ArrayList<>();
    for (int i = 0; i < 96; i++) {
      held.add(new byte[(int) MIB]);
    }
    long after = usedHeapAfterGc();
    assertThat(held).hasSize(96);
    assertThat((after - before) / MIB).as("MiB measured while 96 MiB are held").isGreaterThanOrEqualTo(90);
  }

  /** Positive control for the checks: an answer that breaks each rule is caught. */
  @Example
  void theOracleRejectsBadAnswers() throws Exception {
    Input typical = Input.review("/inject", typicalReview("ctl"));
    String review = "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"response\":{\"uid\":\"%s\",%s}}";
    assertThat(violation(typical, 200, "application/json", review.formatted("other", "\"allowed\":true"))).contains("uid");
    assertThat(violation(typical, 200, "application/json", review.formatted("ctl",
        "\"allowed\":false,\"status\":{\"code\":500,\"message\":\"boom\"}"))).contains("5xx");
    assertThat(violation(typical, 200, "application/json", review.formatted("ctl", "\"allowed\":false"))).contains("message");
    assertThat(violation(typical, 500, "text/plain", "internal error")).contains("500");
    assertThat(violation(typical, 503, "text/plain", "mesh-operator sidecar injector: x")).contains("503");
    assertThat(violation(typical, 400, "text/plain", "bad")).contains("uid");
    assertThat(violation(typical, 200, "application/json", review.formatted("ctl",
        "\"allowed\":true,\"patchType\":\"JSONPatch\",\"patch\":\"" + Base64.getEncoder().encodeToString(
            "[{\"op\":\"remove\",\"path\":\"/nope\"}]".getBytes(StandardCharsets.UTF_8)) + "\""))).contains("patch");
    Input garbage = new Input("POST", "/inject", "application/json", "{".getBytes(StandardCharsets.UTF_8), false);
    assertThat(violation(garbage, 200, "application/json", review.formatted("ctl", "\"allowed\":true"))).contains("4xx");
    assertThat(violation(garbage, 400, "text/plain", "x".repeat(5000))).contains("long");
    // and accepts good ones
    assertThat(violation(garbage, 400, "text/plain", "request body is not valid JSON")).isNull();
    assertThat(violation(Input.review("/inject/broken", typicalReview("u")), 503, "text/plain",
        "mesh-operator sidecar injector: MeshInstall fuzz-broken is invalid")).isNull();
  }

  // ---------------------------------------------------------------- sending and checking

  private static void sendAll(List<Input> batch) throws Exception {
    List<CompletableFuture<RawExchange>> pending = new ArrayList<>();
    for (Input input : batch) {
      HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + server.port() + input.path()))
          .timeout(RESPONSE_DEADLINE)
          .method(input.method(), input.body().length == 0 && !input.method().equals("POST")
              ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(input.body()));
      if (input.contentType() != null) {
        request.header("Content-Type", input.contentType());
      }
      if (input.body().length > AdmissionServer.DEFAULT_MAX_REQUEST_BYTES) {
        // The server refuses on the declared length and closes; a client still writing megabytes
        // would race that close (a reset can discard the answer), so send the headers alone, as
        // AdmissionServerTest does, and read the answer.
        pending.add(CompletableFuture.supplyAsync(() -> RawExchange.headersOnly(server.port(), input)));
        continue;
      }
      pending.add(client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray()).thenApply(RawExchange::of));
    }
    List<String> failures = new ArrayList<>();
    for (int i = 0; i < batch.size(); i++) {
      Input input = batch.get(i);
      RawExchange response;
      try {
        response = pending.get(i).get(RESPONSE_DEADLINE.toSeconds() + 5, TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        failures.add("no answer within " + RESPONSE_DEADLINE + ": " + input.describe());
        continue;
      } catch (ExecutionException e) {
        failures.add("exchange failed (" + e.getCause() + "): " + input.describe());
        continue;
      }
      totalInputs.incrementAndGet();
      outcomes.computeIfAbsent(outcome(response), k -> new LongAdder()).increment();
      String violation = violation(input, response.status(), response.contentType(),
          new String(response.body(), StandardCharsets.UTF_8));
      if (violation != null) {
        failures.add(violation + ": " + input.describe());
      }
    }
    assertThat(failures).as("answers breaking the admission contract").isEmpty();
  }

  private static String outcome(RawExchange response) {
    if (response.status() != 200) {
      return String.valueOf(response.status());
    }
    try {
      JsonNode r = JSON.readTree(response.body()).path("response");
      if (!r.path("allowed").asBoolean()) {
        return "200 denied " + r.path("status").path("code").asInt();
      }
      return r.has("patch") ? "200 patched" : "200 allowed";
    } catch (Exception e) {
      return "200 unreadable";
    }
  }

  /** What is wrong with this answer to this input, or null when it keeps the contract. */
  static String violation(Input input, int status, String contentType, String body) {
    Expectation expected = expect(input);
    if (expected.revision() == null && OPERATIONAL.contains(input.path()) && status == 200
        && (input.method().equals("GET") || input.method().equals("HEAD"))) {
      return null;  // /healthz, /readyz, /metrics share the port
    }
    if (status == 200) {
      if (expected.uid() == null) {
        return "200 where a 4xx was due (no usable envelope)";
      }
      if (!contentType.startsWith("application/json")) {
        return "200 with Content-Type " + contentType;
      }
      AdmissionReview review;
      try {
        review = new AdmissionCodec().readReview(body.getBytes(StandardCharsets.UTF_8));
      } catch (RuntimeException e) {
        return "200 whose body is not an AdmissionReview (" + e.getMessage() + ")";
      }
      if (!AdmissionCodec.API_VERSION.equals(review.getApiVersion()) || !AdmissionCodec.KIND.equals(review.getKind())) {
        return "review has apiVersion " + review.getApiVersion() + " kind " + review.getKind();
      }
      AdmissionResponse response = review.getResponse();
      if (response == null) {
        return "review has no response";
      }
      // A uid is echoed as it can be encoded: a lone surrogate (which no API server sends: Go's JSON
      // decoder turns it into U+FFFD) comes back as '?', as String.getBytes(UTF_8) writes it.
      String echoable = new String(expected.uid().getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
      if (!echoable.equals(response.getUid())) {
        return "uid not echoed: sent " + clip(expected.uid()) + ", got " + clip(response.getUid());
      }
      if (response.getAllowed() == null) {
        return "response says neither allowed nor denied";
      }
      if (!response.getAllowed()) {
        if (response.getStatus() == null || response.getStatus().getMessage() == null
            || response.getStatus().getMessage().isBlank()) {
          return "denial without a Status message";
        }
        Integer code = response.getStatus().getCode();
        if (code == null || code < 400 || code >= 500) {
          return "denial with code " + code + " (5xx: an exception in the handler): " + clip(response.getStatus().getMessage());
        }
      }
      if (response.getPatch() != null) {
        return patchViolation(input, response);
      }
      return null;
    }
    if (status == 503) {
      boolean documented = expected.podCreate() && expected.uid() != null && !SERVED.contains(expected.revision())
          && body.startsWith("mesh-operator sidecar injector: ");
      return documented ? null : "503 outside the documented case (unresolvable revision): " + clip(body);
    }
    if (status >= 400 && status < 500) {
      if (expected.uid() != null && expected.httpOk()) {
        return status + " although the envelope carried uid " + clip(expected.uid()) + " (a review was due)";
      }
      if (!List.of(400, 404, 405, 413, 415).contains(status)) {
        return "unexpected " + status;
      }
      if (!contentType.startsWith("text/plain") || body.isBlank()) {
        return status + " without a plain-text reason";
      }
      if (body.length() > 1024) {
        return status + " with a long body (" + body.length() + " chars): the input must not be echoed";
      }
      return null;
    }
    return "HTTP " + status + ": " + clip(body);
  }

  private static String patchViolation(Input input, AdmissionResponse response) {
    if (!AdmissionCodec.PATCH_TYPE_JSON_PATCH.equals(response.getPatchType())) {
      return "patch with patchType " + response.getPatchType();
    }
    try {
      JsonNode patch = JSON.readTree(Base64.getDecoder().decode(response.getPatch()));
      if (!patch.isArray()) {
        return "patch is not a JSON array";
      }
      // The patch applies to the pod as sent (the API server applies it to the object it decoded).
      JsonNode pod = JSON.readTree(input.body()).path("request").path("object");
      JsonPatches.apply(pod.deepCopy(), (ArrayNode) patch);
      return null;
    } catch (Exception e) {
      return "patch does not apply to the pod sent (" + e.getMessage() + ")";
    }
  }

  /** What the input's envelope promises, read the way the server reads it (Jackson, last key wins). */
  record Expectation(String uid, boolean httpOk, boolean podCreate, String revision) {}

  static Expectation expect(Input input) {
    String path = input.path().split("\\?", 2)[0];
    String revision = path.equals("/inject") || path.equals("/inject/") ? "default"
        : path.startsWith("/inject/") ? path.substring("/inject/".length()) : null;
    boolean httpOk = revision != null && input.method().equals("POST") && input.contentType() != null
        && input.contentType().split(";")[0].trim().equalsIgnoreCase("application/json")
        && input.body().length <= AdmissionServer.DEFAULT_MAX_REQUEST_BYTES;
    String uid = null;
    boolean podCreate = false;
    try {
      JsonNode root = JSON.readTree(input.body());
      JsonNode request = root == null ? null : root.get("request");
      if (root != null && root.isObject() && AdmissionCodec.API_VERSION.equals(root.path("apiVersion").asText(""))
          && AdmissionCodec.KIND.equals(root.path("kind").asText("")) && request != null && request.isObject()
          && request.path("uid").isTextual() && !request.path("uid").asText().isBlank()) {
        uid = request.path("uid").asText();
        podCreate = request.path("kind").path("kind").asText("").equals("Pod")
            && request.path("operation").asText("").equals("CREATE");
      }
    } catch (Exception e) {
      // not JSON: no uid
    }
    return new Expectation(httpOk ? uid : null, httpOk, podCreate, revision);
  }

  private static void assertInjectsATypicalPod() throws Exception {
    Input typical = Input.review("/inject", typicalReview("after-fuzz"));
    HttpResponse<byte[]> response = client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + server.port() + "/inject"))
        .timeout(RESPONSE_DEADLINE).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(typical.body())).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(response.statusCode()).isEqualTo(200);
    AdmissionResponse answer = new AdmissionCodec().readReview(response.body()).getResponse();
    assertThat(answer.getUid()).isEqualTo("after-fuzz");
    assertThat(AdmissionCodec.decodedPatch(answer)).hasValueSatisfying(p -> assertThat(p).contains("istio-proxy"));
  }

  private static double handlerErrors() {
    var counter = metrics.registry().find("sidecar.injection.failure")
        .tag(WebhookMetrics.REASON_TAG, WebhookMetrics.FAILURE_HANDLER_ERROR).counter();
    return counter == null ? 0 : counter.count();
  }

  static long usedHeapAfterGc() {
    Runtime rt = Runtime.getRuntime();
    long used = Long.MAX_VALUE;
    // A few rounds: one System.gc() may leave reachable-but-finalizable or soft garbage behind.
    for (int i = 0; i < 3; i++) {
      System.gc();
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      used = Math.min(used, rt.totalMemory() - rt.freeMemory());
    }
    return used;
  }

  /** An answer: status, Content-Type and body. */
  record RawExchange(int status, String contentType, byte[] body) {
    static RawExchange of(HttpResponse<byte[]> response) {
      return new RawExchange(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""),
          response.body());
    }

    /** Sends the request line and headers of {@code input} (with its Content-Length) and reads the answer. */
    static RawExchange headersOnly(int port, Input input) {
      try (javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) TRUST.getSocketFactory().createSocket("127.0.0.1", port)) {
        socket.setSoTimeout((int) RESPONSE_DEADLINE.toMillis());
        socket.getOutputStream().write((input.method() + " " + input.path() + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + (input.contentType() == null ? "" : "Content-Type: " + input.contentType() + "\r\n")
            + "Content-Length: " + input.body().length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        java.io.DataInputStream in = new java.io.DataInputStream(new java.io.BufferedInputStream(socket.getInputStream()));
        String statusLine = line(in);
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        String contentType = "";
        int length = 0;
        for (String header = line(in); !header.isEmpty(); header = line(in)) {
          String[] kv = header.split(":", 2);
          if (kv[0].equalsIgnoreCase("Content-Type")) {
            contentType = kv[1].trim();
          } else if (kv[0].equalsIgnoreCase("Content-Length")) {
            length = Integer.parseInt(kv[1].trim());
          }
        }
        byte[] body = new byte[length];
        in.readFully(body);
        return new RawExchange(status, contentType, body);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }

    private static String line(java.io.DataInputStream in) throws java.io.IOException {
      StringBuilder sb = new StringBuilder();
      for (int c = in.read(); c != '\n'; c = in.read()) {
        if (c < 0) {
          throw new java.io.EOFException("connection closed after: " + sb);
        }
        if (c != '\r') {
          sb.append((char) c);
        }
      }
      return sb.toString();
    }
  }

  // ---------------------------------------------------------------- inputs

  /** One HTTP request to send. */
  record Input(String method, String path, String contentType, byte[] body, boolean truncatedDescription) {
    static Input review(String path, ObjectNode review) {
      return new Input("POST", path, "application/json", bytes(review), false);
    }

    String describe() {
      String text = new String(body, 0, Math.min(body.length, 600), StandardCharsets.UTF_8);
      return method + " " + path + " [" + contentType + "] " + body.length + " bytes: " + text
          + (body.length > 600 ? "..." : "");
    }
  }

  @Provide
  Arbitrary<List<Input>> structuredBatch() {
    return structured(true).list().ofSize(BATCH);
  }

  @Provide
  Arbitrary<List<Input>> byteBatch() {
    return damaged().list().ofSize(BATCH);
  }

  @Provide
  Arbitrary<List<Input>> httpBatch() {
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(12, structured(false).filter(i -> i.body().length < 60_000)
            .flatMap(AdmissionFuzzTest::withHttpVariation)),
        net.jqwik.api.Tuple.of(1, oversized())).list().ofSize(BATCH);
  }

  /**
   * Reviews with zero to four mutations each; about half unmutated, so the injector itself (not only
   * the decoder) sees most inputs. {@code large}: thousands of containers or env vars, huge values.
   * Small bodies for HTTP-level variations: the JDK server drains at most 64 KiB of a body it refuses
   * unread and then closes, and a client still sending a larger body may see a reset instead of the
   * 4xx (a transport race, not an answer of ours).
   */
  /**
   * A seed rather than jqwik's randoms(): a combinator's function may be evaluated more than once
   * for one generated value, and each evaluation must build the same input.
   */
  private static Arbitrary<Long> seeds() {
    return Arbitraries.longs();
  }

  private static Arbitrary<Input> structured(boolean large) {
    Arbitrary<List<Mutation>> mutated = Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(5, Arbitraries.just(List.<Mutation>of())),
        net.jqwik.api.Tuple.of(3, mutations().list().ofSize(1)),
        net.jqwik.api.Tuple.of(2, mutations().list().ofMinSize(2).ofMaxSize(4)));
    return Combinators.combine(reviews(large), mutated, revisionPaths(), seeds())
        .as((generated, mutations, path, seed) -> {
          Random random = new Random(seed);
          // jqwik may evaluate this function again on the same generated values (filter, flatMap):
          // mutate a copy, never the generated tree, or mutations pile up across evaluations.
          ObjectNode review = generated.deepCopy();
          for (Mutation m : mutations) {
            m.apply(review, random);
          }
          byte[] body = bytes(review);
          body = deepen(body, random);
          return new Input("POST", path, "application/json", body, false);
        });
  }

  private static Arbitrary<Input> damaged() {
    return Combinators.combine(reviews(false), revisionPaths(), byteDamage().list().ofMinSize(1).ofMaxSize(6), seeds())
        .as((review, path, damage, seed) -> {
          Random random = new Random(seed);
          byte[] body = bytes(review);
          for (ByteDamage d : damage) {
            body = d.apply(body, random);
          }
          return new Input("POST", path, "application/json", body, false);
        });
  }

  private static Arbitrary<Input> withHttpVariation(Input input) {
    Arbitrary<String> methods = Arbitraries.of("POST", "POST", "GET", "PUT", "DELETE", "PATCH", "OPTIONS", "FUZZ");
    Arbitrary<String> types = Arbitraries.of("application/json", "application/json; charset=utf-8", "APPLICATION/JSON",
        "text/plain", "application/yaml", "application/json-patch+json", "", "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x");
    Arbitrary<String> paths = Arbitraries.of("/inject", "/inject/", "/inject/canary", "/injectx", "/", "/healthz",
        "/metrics", "/readyz", "/inject/a/b", "/inject/%2e%2e", "/inject?timeout=10s", "/inject/canary?x=%00",
        "/inject/" + "r".repeat(300), "/INJECT");
    return Combinators.combine(methods, types.injectNull(0.1), paths)
        .as((method, type, path) -> new Input(method, path, type, method.equals("GET") ? new byte[0] : input.body(), false));
  }

  private static Arbitrary<Input> oversized() {
    return Arbitraries.integers().between(1, 4096).map(extra -> {
      ObjectNode review = typicalReview("big");
      int pad = (int) AdmissionServer.DEFAULT_MAX_REQUEST_BYTES + extra;
      ((ObjectNode) review.path("request").path("object").path("metadata")).putObject("annotations")
          .put("pad", "x".repeat(pad));
      return Input.review("/inject", review);
    });
  }

  private static Arbitrary<String> revisionPaths() {
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(10, Arbitraries.just("/inject")),
        net.jqwik.api.Tuple.of(3, Arbitraries.just("/inject/canary")),
        net.jqwik.api.Tuple.of(1, Arbitraries.just("/inject/off")),
        net.jqwik.api.Tuple.of(1, Arbitraries.just("/inject/broken")),
        net.jqwik.api.Tuple.of(1, Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(20)
            .map(s -> "/inject/" + s)));
  }

  /** Well-formed AdmissionReviews of pods of every shape the injector has to handle. */
  static Arbitrary<ObjectNode> reviews(boolean large) {
    Arbitrary<String> namespaces = Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(12, Arbitraries.of("production", "canary-ns")),
        net.jqwik.api.Tuple.of(4, Arbitraries.of(NAMESPACES.keySet().toArray(String[]::new))),
        net.jqwik.api.Tuple.of(1, Arbitraries.strings().ofMaxLength(80)));
    Arbitrary<String> uids = Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(10, Arbitraries.strings().withCharRange('a', 'f').numeric().ofLength(36)),
        net.jqwik.api.Tuple.of(1, Arbitraries.strings().ofMinLength(1).ofMaxLength(200)),
        net.jqwik.api.Tuple.of(large ? 1 : 0, Arbitraries.strings().ofMinLength(10_000).ofMaxLength(40_000)));
    Arbitrary<String> operations = Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(12, Arbitraries.just("CREATE")),
        net.jqwik.api.Tuple.of(1, Arbitraries.of("UPDATE", "DELETE", "CONNECT", "create", "", "\u0000CREATE")));
    Arbitrary<String> kinds = Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(12, Arbitraries.just("Pod")),
        net.jqwik.api.Tuple.of(1, Arbitraries.of("Deployment", "pod", "Binding", "", "Pod/status")));
    return Combinators.combine(uids, namespaces, pods(large), operations, kinds,
            Arbitraries.of(true, false))
        .as((uid, namespace, pod, operation, kind, dryRun) -> {
          ObjectNode review = F.objectNode();
          review.put("apiVersion", AdmissionCodec.API_VERSION).put("kind", AdmissionCodec.KIND);
          ObjectNode request = review.putObject("request");
          request.put("uid", uid);
          request.putObject("kind").put("group", "").put("version", "v1").put("kind", kind);
          request.putObject("resource").put("group", "").put("version", "v1").put("resource", "pods");
          request.put("namespace", namespace).put("operation", operation);
          request.putObject("userInfo").put("username", "system:serviceaccount:kube-system:replicaset-controller");
          ((ObjectNode) pod.get("metadata")).put("namespace", namespace);
          request.set("object", pod);
          request.putNull("oldObject");
          request.put("dryRun", dryRun);
          return review;
        });
  }

  private static Arbitrary<ObjectNode> pods(boolean large) {
    Arbitrary<Integer> containerCount = Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(100, Arbitraries.integers().between(1, 3)),
        net.jqwik.api.Tuple.of(2, Arbitraries.just(0)),
        net.jqwik.api.Tuple.of(large ? 1 : 0, Arbitraries.integers().between(500, 3000)));
    Arbitrary<Integer> envCount = Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(100, Arbitraries.integers().between(0, 5)),
        net.jqwik.api.Tuple.of(large ? 1 : 0, Arbitraries.integers().between(1000, 5000)));
    Arbitrary<Map<String, String>> annotations = Arbitraries.maps(
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(4, Arbitraries.of(ISTIO_KEYS.toArray(String[]::new))),
            net.jqwik.api.Tuple.of(1, Arbitraries.strings().ofMinLength(1).ofMaxLength(100))),
        annotationValues(large)).ofMaxSize(8);
    Arbitrary<Map<String, String>> labels = Arbitraries.maps(
        Arbitraries.of("app", "version", IstioKeys.INJECT, IstioKeys.REV_LABEL, "sidecar.istio.io/inject",
            "service.istio.io/canonical-name", "security.istio.io/tlsMode"),
        Arbitraries.of("true", "false", "canary", "default", "off", "web", "", "yes")).ofMaxSize(4);
    return Combinators.combine(containerCount, envCount, annotations, labels, seeds(),
            Arbitraries.integers().between(0, 2))
        .as((containers, env, annos, labelMap, seed, initContainers) -> {
          Random random = new Random(seed);
          ObjectNode pod = F.objectNode();
          pod.put("apiVersion", "v1").put("kind", "Pod");
          ObjectNode metadata = pod.putObject("metadata");
          if (random.nextInt(4) == 0) {
            metadata.put("name", "web-" + random.nextInt(1000));
          } else {
            metadata.put("generateName", "web-");
          }
          ObjectNode labelNode = metadata.putObject("labels");
          labelMap.forEach(labelNode::put);
          if (!annos.isEmpty()) {
            ObjectNode a = metadata.putObject("annotations");
            annos.forEach(a::put);
          }
          ObjectNode spec = pod.putObject("spec");
          ArrayNode list = spec.putArray("containers");
          for (int i = 0; i < containers; i++) {
            list.add(container(random, "c" + i, i == 0 ? env : random.nextInt(3)));
          }
          if (initContainers > 0) {
            ArrayNode inits = spec.putArray("initContainers");
            for (int i = 0; i < initContainers; i++) {
              inits.add(container(random, "init" + i, 0));
            }
          }
          if (random.nextBoolean()) {
            spec.putArray("volumes").addObject().put("name", "data").putObject("emptyDir");
          }
          if (random.nextInt(5) == 0) {
            spec.putObject("securityContext").put("runAsUser", random.nextInt(3) - 1).put("fsGroup", random.nextLong());
          }
          if (random.nextInt(8) == 0) {
            spec.put("hostNetwork", true);
          }
          return pod;
        });
  }

  private static ObjectNode container(Random random, String name, int envVars) {
    ObjectNode c = F.objectNode();
    c.put("name", random.nextInt(20) == 0 ? "istio-proxy" : name);
    c.put("image", random.nextInt(10) == 0 ? "" : "nginx:1.27");
    if (random.nextBoolean()) {
      ArrayNode ports = c.putArray("ports");
      int n = 1 + random.nextInt(3);
      for (int i = 0; i < n; i++) {
        ObjectNode p = ports.addObject().put("containerPort", anyPort(random));
        if (random.nextBoolean()) {
          p.put("name", random.nextBoolean() ? "http" : "p" + i);
        }
        if (random.nextInt(4) == 0) {
          p.put("protocol", random.nextBoolean() ? "UDP" : "SCTP");
        }
      }
    }
    if (envVars > 0) {
      ArrayNode env = c.putArray("env");
      for (int i = 0; i < envVars; i++) {
        env.addObject().put("name", "VAR_" + i).put("value", Integer.toString(random.nextInt()));
      }
    }
    for (String probe : List.of("livenessProbe", "readinessProbe", "startupProbe")) {
      if (random.nextInt(3) == 0) {
        ObjectNode p = c.putObject(probe);
        switch (random.nextInt(4)) {
          case 0 -> {
            ObjectNode get = p.putObject("httpGet").put("path", random.nextBoolean() ? "/healthz" : "");
            if (random.nextBoolean()) {
              get.put("port", anyPort(random));
            } else {
              get.put("port", random.nextBoolean() ? "http" : "no-such-port");
            }
            if (random.nextInt(4) == 0) {
              get.put("scheme", "HTTPS");
            }
          }
          case 1 -> p.putObject("tcpSocket").put("port", random.nextBoolean() ? anyPort(random) : 8080);
          case 2 -> p.putObject("grpc").put("port", anyPort(random));
          default -> p.putObject("exec").putArray("command").add("true");
        }
        p.put("periodSeconds", random.nextInt(5) - 1);
      }
    }
    if (random.nextInt(6) == 0) {
      ObjectNode resources = c.putObject("resources");
      resources.putObject("requests").put("cpu", random.nextBoolean() ? "100m" : "not-a-quantity")
          .put("memory", random.nextBoolean() ? "64Mi" : "-1");
    }
    if (random.nextInt(10) == 0) {
      c.putObject("securityContext").put("runAsUser", random.nextInt(2000) - 1).put("privileged", random.nextBoolean());
    }
    return c;
  }

  private static int anyPort(Random random) {
    return switch (random.nextInt(6)) {
      case 0 -> 0;
      case 1 -> -1 - random.nextInt(100);
      case 2 -> 65536 + random.nextInt(100_000);
      case 3 -> 15000 + random.nextInt(100);  // the sidecar's own ports
      default -> 1 + random.nextInt(65535);
    };
  }

  private static Arbitrary<String> annotationValues(boolean large) {
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(6, Arbitraries.of("true", "false", "", "0", "-1", "65536", "99999999999999999999", "1.5",
            "100m", "abc", "1Gi", "-100m", "*", "10.0.0.0/8", "10.0.0.0/33", "300.1.1.1/8", "::1/129", "1,2,,3", "a,b",
            "80,-1", "REDIRECT", "TPROXY", "NONE", "bogus", "debug", "misc:bogus,a:b:c", "sidecar", "gateway,team",
            "nope", "grpc-agent", "team,,,", "{", "{}", "[]", "[{\"name\":\"v\"}]", "{\"name\":", "null",
            "concurrency: -5", "holdApplicationUntilProxyStarts: yes", "proxyMetadata: [1,2]", ":\n- [",
            "{\"containers\":[{\"name\":\"istio-proxy\",\"image\":7}]}", "docker.io/istio/proxyv2:1.30.3",
            "auto", "distroless", "\u0000", "\uFFFF", "\uD800", "ä\u202e")),
        net.jqwik.api.Tuple.of(3, Arbitraries.strings().ofMaxLength(40)),
        net.jqwik.api.Tuple.of(3, Arbitraries.strings().withChars(",:/[]{}\"'*-.0123456789abc \n").ofMaxLength(60)),
        net.jqwik.api.Tuple.of(large ? 1 : 0, Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(20, Arbitraries.integers().between(1_000, 20_000)),
            net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(100_000, 1_000_000))).map(n -> "a".repeat(n))));
  }

  // ---------------------------------------------------------------- mutations

  enum Mutation {
    WRONG_TYPE, DELETE, UNKNOWN_FIELD, NULL_VALUE, ENVELOPE, UID, DEEP_NEST, DUPLICATE_ARRAY;

    void apply(ObjectNode review, Random random) {
      switch (this) {
        case WRONG_TYPE -> replaceRandom(review, random, otherType(random));
        case NULL_VALUE -> replaceRandom(review, random, F.nullNode());
        case DELETE -> {
          Slot slot = randomSlot(review, random);
          if (slot != null) {
            slot.remove();
          }
        }
        case UNKNOWN_FIELD -> {
          List<ObjectNode> objects = new ArrayList<>();
          collect(review, objects);
          objects.get(random.nextInt(objects.size())).set("fuzz" + random.nextInt(100), otherType(random));
        }
        case ENVELOPE -> {
          switch (random.nextInt(5)) {
            case 0 -> review.put("apiVersion", random.nextBoolean() ? "admission.k8s.io/v1beta1" : "v1");
            case 1 -> review.put("kind", random.nextBoolean() ? "AdmissionResponse" : "");
            case 2 -> review.remove("request");
            case 3 -> review.set("request", otherType(random));
            default -> review.set("response", F.objectNode().put("uid", "x").put("allowed", true));
          }
        }
        case UID -> {
          ObjectNode request = review.path("request") instanceof ObjectNode o ? o : null;
          if (request != null) {
            switch (random.nextInt(5)) {
              case 0 -> request.remove("uid");
              case 1 -> request.put("uid", "");
              case 2 -> request.put("uid", "   ");
              case 3 -> request.put("uid", random.nextInt());
              default -> request.set("uid", F.arrayNode().add("a"));
            }
          }
        }
        case DEEP_NEST -> replaceRandom(review, random, F.textNode(DEEP_MARKER));
        case DUPLICATE_ARRAY -> {
          List<ArrayNode> arrays = new ArrayList<>();
          collectArrays(review, arrays);
          if (!arrays.isEmpty()) {
            ArrayNode a = arrays.get(random.nextInt(arrays.size()));
            if (!a.isEmpty()) {
              JsonNode first = a.get(0);
              int copies = random.nextInt(50);
              for (int i = 0; i < copies; i++) {
                a.add(first.deepCopy());
              }
            }
          }
        }
        default -> throw new IllegalStateException();
      }
    }
  }

  private static Arbitrary<Mutation> mutations() {
    return Arbitraries.of(Mutation.class);
  }

  static final String DEEP_MARKER = "__fuzz_deep__";

  /** Replaces the marker string with arrays or objects nested 10 to 20,000 levels deep. */
  private static byte[] deepen(byte[] body, Random random) {
    String text = new String(body, StandardCharsets.UTF_8);
    String quoted = "\"" + DEEP_MARKER + "\"";
    if (!text.contains(quoted)) {
      return body;
    }
    int depth = switch (random.nextInt(4)) {
      case 0 -> 10 + random.nextInt(100);
      case 1 -> 900 + random.nextInt(200);
      case 2 -> 2000 + random.nextInt(3000);
      default -> 10_000 + random.nextInt(10_000);
    };
    boolean objects = random.nextBoolean();
    String open = objects ? "{\"a\":" : "[";
    String close = objects ? "}" : "]";
    String nested = open.repeat(depth) + "1" + close.repeat(depth);
    return text.replace(quoted, nested).getBytes(StandardCharsets.UTF_8);
  }

  private static JsonNode otherType(Random random) {
    return switch (random.nextInt(7)) {
      case 0 -> F.textNode("fuzz");
      case 1 -> F.numberNode(random.nextInt());
      case 2 -> F.numberNode(random.nextDouble() * 1e300);
      case 3 -> F.booleanNode(random.nextBoolean());
      case 4 -> F.arrayNode().add(1).add("x").addNull();
      case 5 -> F.objectNode().put("k", "v");
      default -> F.numberNode(new java.math.BigInteger("123456789012345678901234567890"));
    };
  }

  private static void replaceRandom(ObjectNode root, Random random, JsonNode value) {
    Slot slot = randomSlot(root, random);
    if (slot != null) {
      slot.set(value);
    }
  }

  /** A place in the tree (an object field or an array element), chosen uniformly among all. */
  private record Slot(JsonNode parent, String field, int index) {
    void set(JsonNode value) {
      if (parent instanceof ObjectNode o) {
        o.set(field, value);
      } else {
        ((ArrayNode) parent).set(index, value);
      }
    }

    void remove() {
      if (parent instanceof ObjectNode o) {
        o.remove(field);
      } else {
        ((ArrayNode) parent).remove(index);
      }
    }
  }

  private static Slot randomSlot(JsonNode root, Random random) {
    List<Slot> slots = new ArrayList<>();
    collectSlots(root, slots, 0);
    return slots.isEmpty() ? null : slots.get(random.nextInt(slots.size()));
  }

  private static void collectSlots(JsonNode node, List<Slot> slots, int depth) {
    if (slots.size() > 20_000) {
      return;
    }
    if (node instanceof ObjectNode o) {
      Iterator<String> names = o.fieldNames();
      while (names.hasNext()) {
        String name = names.next();
        slots.add(new Slot(o, name, -1));
        collectSlots(o.get(name), slots, depth + 1);
      }
    } else if (node instanceof ArrayNode a) {
      for (int i = 0; i < a.size(); i++) {
        slots.add(new Slot(a, null, i));
        collectSlots(a.get(i), slots, depth + 1);
      }
    }
  }

  private static void collect(JsonNode node, List<ObjectNode> objects) {
    if (node instanceof ObjectNode o) {
      objects.add(o);
    }
    if (objects.size() < 20_000) {
      node.forEach(child -> collect(child, objects));
    }
  }

  private static void collectArrays(JsonNode node, List<ArrayNode> arrays) {
    if (node instanceof ArrayNode a) {
      arrays.add(a);
    }
    if (arrays.size() < 2_000) {
      node.forEach(child -> collectArrays(child, arrays));
    }
  }

  // ---------------------------------------------------------------- byte damage

  enum ByteDamage {
    TRUNCATE, FLIP, INVALID_UTF8, INSERT_GARBAGE, DELETE_RANGE, DUPLICATE_RANGE, REPLACE_ALL_GARBAGE;

    private static final byte[][] INVALID = {
        {(byte) 0xC3, 0x28}, {(byte) 0xFF}, {(byte) 0xFE}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
        {(byte) 0xC0, (byte) 0xAF}, {(byte) 0xE2, (byte) 0x82}, {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80},
        {(byte) 0x80}, {0x00}, {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}};

    byte[] apply(byte[] body, Random random) {
      int at = body.length == 0 ? 0 : random.nextInt(body.length);
      return switch (this) {
        case TRUNCATE -> Arrays.copyOf(body, at);
        case FLIP -> {
          byte[] copy = body.clone();
          if (copy.length > 0) {
            copy[at] = (byte) (copy[at] ^ (1 << random.nextInt(8)));
          }
          yield copy;
        }
        case INVALID_UTF8 -> {
          // Inside a string value when possible: after a quote.
          int quote = indexOf(body, (byte) '"', at);
          yield insert(body, quote < 0 ? at : quote + 1, INVALID[random.nextInt(INVALID.length)]);
        }
        case INSERT_GARBAGE -> {
          byte[] garbage = new byte[1 + random.nextInt(16)];
          random.nextBytes(garbage);
          yield insert(body, at, garbage);
        }
        case DELETE_RANGE -> {
          int end = Math.min(body.length, at + 1 + random.nextInt(32));
          ByteArrayOutputStream out = new ByteArrayOutputStream();
          out.write(body, 0, at);
          out.write(body, end, body.length - end);
          yield out.toByteArray();
        }
        case DUPLICATE_RANGE -> {
          int end = Math.min(body.length, at + 1 + random.nextInt(64));
          yield insert(body, at, Arrays.copyOfRange(body, at, end));
        }
        case REPLACE_ALL_GARBAGE -> {
          byte[] garbage = new byte[random.nextInt(4096)];
          random.nextBytes(garbage);
          yield garbage;
        }
      };
    }
  }

  private static Arbitrary<ByteDamage> byteDamage() {
    return Arbitraries.of(ByteDamage.class);
  }

  private static int indexOf(byte[] body, byte b, int from) {
    for (int i = from; i < body.length; i++) {
      if (body[i] == b) {
        return i;
      }
    }
    return -1;
  }

  private static byte[] insert(byte[] body, int at, byte[] bytes) {
    byte[] out = new byte[body.length + bytes.length];
    System.arraycopy(body, 0, out, 0, at);
    System.arraycopy(bytes, 0, out, at, bytes.length);
    System.arraycopy(body, at, out, at + bytes.length, body.length - at);
    return out;
  }

  // ---------------------------------------------------------------- fixtures

  static ObjectNode typicalReview(String uid) {
    try {
      return (ObjectNode) JSON.readTree(TestTls.podReview(uid));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] bytes(JsonNode node) {
    try {
      return JSON.writeValueAsBytes(node);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static MeshInstall install(String name, String revision, String spec) {
    String yaml = "apiVersion: meshoperator.dev/v1alpha1\nkind: MeshInstall\n"
        + "metadata: {name: " + name + ", uid: " + name + "-uid, resourceVersion: '1', creationTimestamp: '2026-01-01T00:00:00Z'}\n"
        + "spec:\n  profile: minimal\n" + (revision == null ? "" : "  revision: " + revision + "\n")
        + (spec.startsWith("profile:") ? "" : "  " + spec + "\n");
    MeshInstall mi = new KubernetesSerialization().unmarshal(yaml, MeshInstall.class);
    if (spec.startsWith("profile:")) {
      mi.getSpec().setProfile(dev.meshoperator.api.Profile.DEFAULT);
    }
    return mi;
  }

  private static List<String> istioKeys() {
    List<String> keys = new ArrayList<>();
    for (Field f : IstioKeys.class.getFields()) {
      if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
        try {
          String value = (String) f.get(null);
          if (value.contains("/")) {
            keys.add(value);
          }
        } catch (IllegalAccessException e) {
          throw new IllegalStateException(e);
        }
      }
    }
    return List.copyOf(keys);
  }

  private static String clip(String s) {
    return s == null ? "null" : s.length() <= 120 ? s : s.substring(0, 120) + "...";
  }
}
