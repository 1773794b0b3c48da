package dev.meshoperator.bench;

import dev.meshoperator.inject.InjectionSettings;
import dev.meshoperator.webhook.AdmissionServer;
import dev.meshoperator.webhook.Certificates;
import dev.meshoperator.webhook.IssuedCertificate;
import dev.meshoperator.webhook.InjectionAdmissionHandler;
import dev.meshoperator.webhook.ServingIdentity;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReviewBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Latency of the admission webhook as the API server sees it, minus the network: HTTPS on
 * loopback to the real AdmissionServer with the real handler, for a typical pod, at 1 and 8
 * concurrent callers. Prints percentiles, throughput and the heap in use afterwards.
 * Arguments: [requests per caller count, default 2000].
 */
public final class WebhookLatency {
  public static void main(String[] args) throws Exception {
    int perCaller = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
    var certs = new Certificates();
    IssuedCertificate ca = certs.createCa("bench-ca", Duration.ofDays(1));
    IssuedCertificate serving = certs.createServing(ca, "localhost", List.of("localhost"), List.of("127.0.0.1"),
        Duration.ofDays(1));
    var identity = new ServingIdentity(serving.key(), List.of(serving.certificate(), ca.certificate()));
    var serialization = new KubernetesSerialization();
    var settings = InjectionSettings.defaults().toBuilder().serverSupportsNativeSidecars(true).build();
    var handler = new InjectionAdmissionHandler(settings, ns -> Fixtures.injectionNamespaceLabels(), serialization);
    try (AdmissionServer server = AdmissionServer.builder().handler(handler).identity(() -> identity)
        .bindAddress(InetAddress.getLoopbackAddress()).port(0).start()) {
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      trust.setCertificateEntry("ca", ca.certificate());
      var tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext ssl = SSLContext.getInstance("TLS");
      ssl.init(null, tmf.getTrustManagers(), null);
      URI uri = URI.create("https://127.0.0.1:" + server.port() + "/inject");
      byte[] body = serialization.asJson(new AdmissionReviewBuilder().withApiVersion("admission.k8s.io/v1")
          .withKind("AdmissionReview").withRequest(Fixtures.podCreate(Fixtures.appPod())).build())
          .getBytes(StandardCharsets.UTF_8);
      System.out.printf("request body %d bytes; %d requests per caller%n", body.length, perCaller);
      run(ssl, uri, body, 1, Math.min(perCaller, 500), false); // warm-up
      for (int callers : new int[] {1, 8}) {
        run(ssl, uri, body, callers, perCaller, true);
      }
    }
    System.gc();
    Runtime rt = Runtime.getRuntime();
    System.out.printf("heap in use after GC: %.1f MiB (max %.0f MiB)%n",
        (rt.totalMemory() - rt.freeMemory()) / 1048576.0, rt.maxMemory() / 1048576.0);
  }

  private static void run(SSLContext ssl, URI uri, byte[] body, int callers, int perCaller, boolean print)
      throws Exception {
    List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
    ExecutorService pool = Executors.newFixedThreadPool(callers);
    long start = System.nanoTime();
    List<Future<?>> futures = new ArrayList<>();
    for (int c = 0; c < callers; c++) {
      futures.add(pool.submit(() -> {
        HttpClient http = HttpClient.newBuilder().sslContext(ssl).version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest request = HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        for (int i = 0; i < perCaller; i++) {
          long t0 = System.nanoTime();
          HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
          latencies.add(System.nanoTime() - t0);
          if (response.statusCode() != 200 || !response.body().contains("\"patch\"")) {
            throw new IllegalStateException("unexpected response " + response.statusCode() + ": " + response.body());
          }
        }
        return null;
      }));
    }
    for (Future<?> f : futures) {
      f.get();
    }
    long elapsed = System.nanoTime() - start;
    pool.shutdown();
    if (!print) {
      return;
    }
    List<Long> sorted = new ArrayList<>(latencies);
    Collections.sort(sorted);
    System.out.printf("callers=%d requests=%d throughput=%.0f req/s p50=%.2f ms p90=%.2f ms p99=%.2f ms max=%.2f ms%n",
        callers, sorted.size(), sorted.size() / (elapsed / 1e9), pct(sorted, 50), pct(sorted, 90), pct(sorted, 99),
        sorted.get(sorted.size() - 1) / 1e6);
  }

  private static double pct(List<Long> sorted, int p) {
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1)) / 1e6;
  }
}
