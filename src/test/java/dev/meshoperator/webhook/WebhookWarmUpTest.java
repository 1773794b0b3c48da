package dev.meshoperator.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshoperator.wiring.InjectionSettingsFactory;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The warm-up before readiness: readiness waits for it, its requests go through the TLS server to
 * the warm-up handler only and stay out of the admission metrics, and its token is worthless
 * afterwards.
 */
class WebhookWarmUpTest {
  private static final int WARM_UP_REQUESTS = 48;

  private final IssuedCertificate ca = TestTls.ca("warm-up-ca");
  private final ServingIdentity identity = TestTls.identity(TestTls.serving(ca));
  private final WebhookMetrics metrics = new WebhookMetrics();
  private final AtomicInteger realCalls = new AtomicInteger();
  private final AtomicInteger warmUpCalls = new AtomicInteger();
  private final HttpClient plain = HttpClient.newHttpClient();
  private AdmissionServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private AdmissionServer start(AdmissionHandler warmUp, java.util.function.Supplier<ServingIdentity> id) {
    server = AdmissionServer.builder()
        .handler(request -> {
          realCalls.incrementAndGet();
          return AdmissionCodec.allow(request.getUid());
        })
        .identity(id)
        .bindAddress(InetAddress.getLoopbackAddress())
        .port(0)
        .managementPort(0)
        .metrics(metrics)
        .shutdownGrace(Duration.ZERO)
        // a budget no test machine reaches: the request count ends the warm-up
        .warmUp(new WebhookWarmUp.Plan(warmUp, Duration.ofMinutes(5), WARM_UP_REQUESTS))
        .start();
    return server;
  }

  private int readyz() throws Exception {
    return plain.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.managementPort().orElseThrow()
        + "/readyz")).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
  }

  private String scrape() throws Exception {
    return plain.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.managementPort().orElseThrow()
        + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
  }

  @Test
  void readinessWaitsForTheWarmUpWhoseRequestsStayOutOfTheAdmissionMetrics() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    start(request -> {
      entered.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      warmUpCalls.incrementAndGet();
      return AdmissionCodec.allow(request.getUid());
    }, () -> identity);

    // The warm-up's first request is held in its handler: the server serves, but is not ready.
    assertThat(entered.await(60, TimeUnit.SECONDS)).as("a warm-up request reached the warm-up handler").isTrue();
    assertThat(server.isReady()).isFalse();
    assertThat(readyz()).isEqualTo(503);
    assertThat(server.warmUp()).isNotDone();

    release.countDown();
    WebhookWarmUp.Result result = server.warmUp().get(60, TimeUnit.SECONDS);
    assertThat(server.isReady()).isTrue();
    assertThat(readyz()).isEqualTo(200);

    // most of it in-process, the last 1/8 or 3/8 over TLS (AdmissionServer.runWarmUp)
    assertThat(result.overTls()).isTrue();
    assertThat(result.error()).isNull();
    assertThat(result.requests()).isEqualTo(WARM_UP_REQUESTS);
    assertThat(result.unexpected()).as("200 for reviews, 400 for the malformed one").isZero();
    assertThat(result.budgetReached()).isFalse();
    // One sample in eight is malformed and never reaches a handler; the rest reached only the warm-up's.
    assertThat(warmUpCalls).hasValue(WARM_UP_REQUESTS - WARM_UP_REQUESTS / 8);
    assertThat(realCalls).hasValue(0);

    // Nothing in the admission metrics; the warm-up's own registry counted every request.
    String scrape = scrape();
    assertThat(scrape).contains("sidecar_injection_requests_total 0.0")
        .doesNotContain("sidecar_injection_success_total 1").doesNotContain("sidecar_injection_failure_total{");
    assertThat(metrics.registry().get("sidecar.injection.time").timer().count()).isZero();
    assertThat(server.warmUpMetrics().registry().get("sidecar.injection.requests").counter().count())
        .isEqualTo(WARM_UP_REQUESTS);
    assertThat(server.warmUpMetrics().registry().get("sidecar.injection.failure").tag("reason", "bad_request")
        .counter().count()).isEqualTo(WARM_UP_REQUESTS / 8);

    // Positive control: a real request afterwards is counted, and answered by the real handler.
    HttpResponse<String> real = TestTls.client(TestTls.trusting(List.of(ca.certificate()))).send(
        HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + server.port() + "/inject"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(TestTls.podReview("real-1"))).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(real.statusCode()).isEqualTo(200);
    assertThat(realCalls).hasValue(1);
    assertThat(scrape()).contains("sidecar_injection_requests_total 1.0");
  }

  @Test
  void aWarmUpHeaderAfterTheWarmUpIsAnOrdinaryRequest() throws Exception {
    start(request -> {
      warmUpCalls.incrementAndGet();
      return AdmissionCodec.allow(request.getUid());
    }, () -> identity);
    server.warmUp().get(60, TimeUnit.SECONDS);
    int warmedCalls = warmUpCalls.get();
    assertThat(warmedCalls).isPositive();

    HttpResponse<String> response = TestTls.client(TestTls.trusting(List.of(ca.certificate()))).send(
        HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + server.port() + "/inject"))
            .header("Content-Type", "application/json")
            .header(WebhookWarmUp.TOKEN_HEADER, "0123456789abcdef0123456789abcdef")
            .POST(HttpRequest.BodyPublishers.ofString(TestTls.podReview("after-1"))).build(),
        HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(realCalls).hasValue(1);
    assertThat(warmUpCalls).hasValue(warmedCalls);
    assertThat(scrape()).contains("sidecar_injection_requests_total 1.0");
  }

  @Test
  void withoutACertificateTheWarmUpRunsInProcessAndStillKeepsOutOfTheMetrics() throws Exception {
    start(request -> {
      warmUpCalls.incrementAndGet();
      return AdmissionCodec.allow(request.getUid());
    }, () -> null);

    WebhookWarmUp.Result result = server.warmUp().get(60, TimeUnit.SECONDS);

    assertThat(result.overTls()).isFalse();
    assertThat(result.requests()).isEqualTo(WARM_UP_REQUESTS);
    assertThat(result.unexpected()).isZero();
    assertThat(warmUpCalls).hasValue(WARM_UP_REQUESTS - WARM_UP_REQUESTS / 8);
    assertThat(scrape()).contains("sidecar_injection_requests_total 0.0");
    assertThat(server.warmUpMetrics().registry().get("sidecar.injection.requests").counter().count())
        .isEqualTo(WARM_UP_REQUESTS);
    // still not ready: no certificate
    assertThat(server.isReady()).isFalse();
  }

  @Test
  void theEarlyWarmUpIsADaemonThatStopsAtItsRequestCount() throws Exception {
    Thread early = WebhookWarmUp.startEarly(Duration.ofMinutes(5), 16);
    assertThat(early.isDaemon()).as("never holds the JVM open").isTrue();
    early.join(TimeUnit.SECONDS.toMillis(60));
    assertThat(early.isAlive()).as("stopped after 16 requests, long before its 5-minute budget").isFalse();
  }

  @Test
  void theStartsGarbageIsCollectedBeforeReady() {
    // Garbage the collection must find: reachable only through a weak reference.
    var weak = new java.lang.ref.WeakReference<>(new byte[1 << 20]);
    WebhookWarmUp.Collection gc = WebhookWarmUp.collectStartGarbage();
    assertThat(gc.collections()).as("a collector ran").isPositive();
    assertThat(gc.attempts()).isBetween(1, WebhookWarmUp.COLLECTION_ATTEMPTS);
    assertThat(weak.get()).as("a full collection clears what only a weak reference holds").isNull();
  }

  @Test
  void theWarmUpsRequestCountFollowsTheJit() {
    assertThat(WebhookWarmUp.defaultMaxRequests(true)).isEqualTo(WebhookWarmUp.QUICK_JIT_MAX_REQUESTS).isEqualTo(500);
    assertThat(WebhookWarmUp.defaultMaxRequests(false)).isEqualTo(WebhookWarmUp.DEFAULT_MAX_REQUESTS).isEqualTo(800);
    AdmissionHandler handler = request -> AdmissionCodec.allow(request.getUid());
    assertThat(WebhookWarmUp.Plan.of(handler, Duration.ofSeconds(1)).maxRequests())
        .as("this JVM's plan").isEqualTo(WebhookWarmUp.defaultMaxRequests(AdmissionServer.quickJitOnly()));
  }

  @Test
  void theTlsShareOfTheWarmUpFollowsTheJit() {
    assertThat(AdmissionServer.tlsShare(800, true)).isEqualTo(300);
    assertThat(AdmissionServer.tlsShare(800, false)).isEqualTo(100);
    assertThat(AdmissionServer.tlsShare(4, false)).as("at least one over TLS").isEqualTo(1);
    // this JVM (surefire's, no -XX:TieredStopAtLevel) runs C2 as well
    assertThat(AdmissionServer.quickJitOnly()).isEqualTo(
        java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
            .anyMatch(a -> a.matches("-XX:TieredStopAtLevel=[0-3]")));
  }

  @Test
  void theProcessWideEarlyWarmUpStartsOnceAndStopsWhenAsked() throws Exception {
    WebhookWarmUp.startEarlyOnce(Duration.ofMinutes(5), Integer.MAX_VALUE);
    Thread early = WebhookWarmUp.early();
    assertThat(early).as("started").isNotNull();
    assertThat(early.isDaemon()).as("never holds the JVM open").isTrue();
    WebhookWarmUp.startEarlyOnce(Duration.ofMinutes(5), Integer.MAX_VALUE);
    assertThat(WebhookWarmUp.early()).as("a second call starts no second thread").isSameAs(early);

    WebhookWarmUp.stopEarly();
    early.join(TimeUnit.SECONDS.toMillis(60));
    assertThat(early.isAlive()).as("ended by stopEarly, long before its budget or request count").isFalse();
  }

  @Test
  void withoutAWarmUpTheServerIsReadyAtOnce() throws Exception {
    server = AdmissionServer.builder().handler(request -> AdmissionCodec.allow(request.getUid()))
        .identity(() -> identity).bindAddress(InetAddress.getLoopbackAddress()).port(0)
        .shutdownGrace(Duration.ZERO).start();
    assertThat(server.warmUp()).isDone();
    assertThat(server.warmUp().get().requests()).isZero();
    assertThat(server.isReady()).isTrue();
  }

  @Test
  void theOperatorsWarmUpHandlerInjectsSkipsAndRefusesAsForRealPodsWithoutAnApiServer() throws Exception {
    var serialization = new KubernetesSerialization();
    AdmissionHandler handler = WebhookWarmUp.operatorHandler(cfg -> InjectionSettingsFactory.from(cfg, true),
        serialization);
    AdmissionCodec codec = new AdmissionCodec();
    List<WebhookWarmUp.Sample> samples = WebhookWarmUp.samples(serialization);
    assertThat(samples).extracting(WebhookWarmUp.Sample::name).contains("typical pod", "gateway pod",
        "opted-out pod", "pod update", "malformed review");
    // several rounds: the synthetic MeshInstall's version moves, and its settings are resolved again
    for (int round = 0; round < 10; round++) {
      for (WebhookWarmUp.Sample sample : samples) {
        if (sample.expectedStatus() == 400) {
          org.assertj.core.api.Assertions.assertThatThrownBy(() -> codec.parseRequest(sample.body()))
              .isInstanceOf(InvalidAdmissionReviewException.class);
          continue;
        }
        AdmissionRequest request = codec.parseRequest(sample.body());
        AdmissionResponse response = handler.handle(request);
        assertThat(response.getAllowed()).as(sample.name()).isTrue();
        switch (sample.name()) {
          case "typical pod" -> assertThat(AdmissionCodec.decodedPatch(response)).as(sample.name())
              .hasValueSatisfying(p -> assertThat(p).contains("istio-proxy", "istio-init"));
          case "gateway pod" -> assertThat(AdmissionCodec.decodedPatch(response)).as(sample.name())
              .hasValueSatisfying(p -> assertThat(p).contains("/spec/containers/0"));
          default -> assertThat(response.getPatch()).as(sample.name()).isNull();
        }
      }
    }
  }
}
