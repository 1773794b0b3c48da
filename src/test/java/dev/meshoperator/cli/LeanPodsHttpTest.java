package dev.meshoperator.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link LeanPods#forEach}'s HTTP side against a stand-in server on loopback (narrow: the real API
 * server is LeanPodsIT's): the continue token goes into the next request, a gzip answer is inflated,
 * an API error keeps its Status, an answer that is not a pod list is one CLI error.
 */
class LeanPodsHttpTest {
  private HttpServer server;
  private KubernetesClient client;
  private final List<String> requests = java.util.Collections.synchronizedList(new ArrayList<>());

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      String uri = exchange.getRequestURI().toString();
      String gzip = exchange.getRequestHeaders().getFirst("Accept-Encoding");
      requests.add(uri + " gzip=" + gzip);
      int code = 200;
      String body;
      if (uri.startsWith("/api/v1/namespaces/many/")) {
        // pages 0..7: page n's continue token is n+1, the last has none
        int n = uri.contains("continue=") ? Integer.parseInt(uri.replaceAll(".*continue=", "")) : 0;
        body = "{\"kind\":\"PodList\",\"metadata\":{\"continue\":\"" + (n < 7 ? String.valueOf(n + 1) : "")
            + "\"},\"items\":[{\"metadata\":{\"name\":\"p" + n + "\"}}]}";
      } else if (uri.startsWith("/api/v1/namespaces/forbidden/")) {
        code = 403;
        body = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"Forbidden\",\"code\":403,"
            + "\"message\":\"pods is forbidden: User \\\"u\\\" cannot list resource \\\"pods\\\"\"}";
      } else if (uri.startsWith("/api/v1/namespaces/garbage/")) {
        body = "<html>not a pod list</html>";
      } else if (!uri.contains("continue=")) {
        body = "{\"kind\":\"PodList\",\"metadata\":{\"continue\":\"tok/1+2\"},\"items\":[{\"metadata\":{\"name\":\"a\"}}]}";
      } else {
        body = "{\"kind\":\"PodList\",\"metadata\":{\"continue\":\"\"},\"items\":[{\"metadata\":{\"name\":\"b\"}},{\"metadata\":{\"name\":\"c\"}}]}";
      }
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      if (code == 200 && "gzip".equals(gzip) && uri.contains("continue=")) {
        ByteArrayOutputStream zipped = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(zipped)) {
          out.write(bytes);
        }
        bytes = zipped.toByteArray();
        exchange.getResponseHeaders().add("Content-Encoding", "gzip");
      }
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(code, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    });
    server.start();
    client = new KubernetesClientBuilder().withHttpClientFactory(new JdkHttpClientFactory())
        .withConfig(new ConfigBuilder().withMasterUrl("http://127.0.0.1:" + server.getAddress().getPort())
            .withRequestRetryBackoffLimit(0).build()).build();
  }

  @AfterEach
  void stop() {
    client.close();
    server.stop(0);
  }

  @Test
  void followsTheContinueTokenAndInflatesGzipPages() {
    List<Pod> pods = new ArrayList<>();

    LeanPods.Read read = LeanPods.forEach(client, null, 2, pods::add);

    assertThat(pods).extracting(p -> p.getMetadata().getName()).containsExactly("a", "b", "c");
    assertThat(requests).containsExactly("/api/v1/pods?limit=2 gzip=gzip", "/api/v1/pods?limit=2&continue=tok%2F1%2B2 gzip=gzip");
    assertThat(read.pages()).isEqualTo(2);
    assertThat(read.compressedPages()).isEqualTo(1);
    assertThat(read.bytesReceived()).isLessThan(read.jsonBytes());
  }

  @Test
  void pagesAreFetchedAheadOfTheParsing() throws InterruptedException {
    List<String> seen = new ArrayList<>();
    List<Integer> requestsWhileOnTheFirstPod = new ArrayList<>();

    LeanPods.Read read = LeanPods.forEach(client, "many", 1, p -> {
      if (seen.isEmpty()) {
        // still on page 0: the fetcher goes on meanwhile, up to PAGES_AHEAD pages beyond it
        long until = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
        while (requests.size() < 1 + LeanPods.PAGES_AHEAD + 2 && System.nanoTime() < until) {
          sleep();
        }
        sleep(); // a further request would come now if the fetcher did not stop at PAGES_AHEAD
        requestsWhileOnTheFirstPod.add(requests.size());
      }
      seen.add(p.getMetadata().getName());
    });

    // page 0 taken, PAGES_AHEAD pages in line, one more held by the fetcher until there is room,
    // and the request for the one after it sent (its token was in hand): no further one
    assertThat(requestsWhileOnTheFirstPod).containsExactly(1 + LeanPods.PAGES_AHEAD + 2);
    assertThat(seen).containsExactly("p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7");
    assertThat(requests).hasSize(8).startsWith("/api/v1/namespaces/many/pods?limit=1 gzip=gzip");
    assertThat(read.pages()).isEqualTo(8);
  }

  private static void sleep() {
    try {
      Thread.sleep(200);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void anApiErrorKeepsItsStatus() {
    assertThatThrownBy(() -> LeanPods.forEach(client, "forbidden", 500, p -> {}))
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
          assertThat(e.getCode()).isEqualTo(403);
          assertThat(e.getStatus().getMessage()).isEqualTo("pods is forbidden: User \"u\" cannot list resource \"pods\"");
        });
    assertThat(requests).containsExactly("/api/v1/namespaces/forbidden/pods?limit=500 gzip=gzip");
  }

  @Test
  void anAnswerThatIsNotAPodListIsOneCliError() {
    assertThatThrownBy(() -> LeanPods.forEach(client, "garbage", 500, p -> {}))
        .isInstanceOf(CliException.class)
        .hasMessageStartingWith("cannot read the pod list from http://127.0.0.1:" + server.getAddress().getPort() + ": ");
  }

  @Test
  void aFailingActionStopsTheReadAndLeavesNoError() {
    List<String> seen = new ArrayList<>();
    assertThatThrownBy(() -> LeanPods.forEach(client, null, 2, p -> {
      seen.add(p.getMetadata().getName());
      throw new IllegalStateException("stop");
    })).isInstanceOf(IllegalStateException.class).hasMessage("stop");
    assertThat(seen).containsExactly("a");
  }
}
