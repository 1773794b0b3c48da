package dev.meshoperator.webhook;

import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AdmissionServerTest {

    private static final long MAX_BYTES = 32 * 1024;
    private static final String PATCH = "[{\"op\":\"add\",\"path\":\"/metadata/labels/injected\",\"value\":\"yes\"}]";

    private final AdmissionCodec codec = new AdmissionCodec();
    private final AtomicReference<AdmissionHandler> handler = new AtomicReference<>();
    private final AtomicReference<String> lastRevision = new AtomicReference<>();
    private final AtomicInteger handlerCalls = new AtomicInteger();
    private final AtomicBoolean ready = new AtomicBoolean(true);
    private final WebhookMetrics metrics = new WebhookMetrics();
    private AdmissionServer server;
    private HttpClient client;
    private SSLContext trust;

    @BeforeEach
    void start() {
        IssuedCertificate ca = TestTls.ca("test-ca");
        ServingIdentity identity = TestTls.identity(TestTls.serving(ca));
        handler.set(request -> AdmissionCodec.patch(request.getUid(), PATCH));
        server = AdmissionServer.builder()
                .handlers(revision -> {
                    lastRevision.set(revision);
                    if (revision.equals("unknown")) {
                        return null;
                    }
                    return request -> {
                        handlerCalls.incrementAndGet();
                        return handler.get().handle(request);
                    };
                })
                .identity(() -> identity)
                .bindAddress(InetAddress.getLoopbackAddress())
                .port(0)
                .managementPort(0)
                .maxRequestBytes(MAX_BYTES)
                .metrics(metrics)
                .readiness(ready::get)
                .shutdownGrace(java.time.Duration.ZERO)
                .start();
        trust = TestTls.trusting(List.of(ca.certificate()));
        client = TestTls.client(trust);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void happyPathReturnsHandlersPatchWithRequestUid() throws Exception {
        AtomicReference<AdmissionRequest> seen = new AtomicReference<>();
        handler.set(request -> {
            seen.set(request);
            return AdmissionCodec.patch(request.getUid(), PATCH);
        });

        HttpResponse<String> response = post("/inject", TestTls.podReview("uid-123"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        AdmissionReview review = codec.readReview(response.body().getBytes(StandardCharsets.UTF_8));
        assertThat(review.getApiVersion()).isEqualTo("admission.k8s.io/v1");
        assertThat(review.getKind()).isEqualTo("AdmissionReview");
        assertThat(review.getResponse().getUid()).isEqualTo("uid-123");
        assertThat(review.getResponse().getAllowed()).isTrue();
        assertThat(review.getResponse().getPatchType()).isEqualTo("JSONPatch");
        assertThat(AdmissionCodec.decodedPatch(review.getResponse())).hasValue(PATCH);
        assertThat(seen.get().getNamespace()).isEqualTo("production");
        assertThat(seen.get().getOperation()).isEqualTo("CREATE");
        assertThat(lastRevision.get()).isEqualTo(AdmissionServer.DEFAULT_REVISION);
    }

    @Test
    void revisionPathsRouteToTheirRevision() throws Exception {
        assertThat(post("/inject/canary?timeout=10s", TestTls.podReview("u1")).statusCode()).isEqualTo(200);
        assertThat(lastRevision.get()).isEqualTo("canary");

        assertThat(post("/inject/unknown", TestTls.podReview("u2")).statusCode()).isEqualTo(404);
        assertThat(post("/injectx", TestTls.podReview("u3")).statusCode()).isEqualTo(404);
        assertThat(handlerCalls).hasValue(1);
    }

    @Test
    void handlerResponseUidIsForcedToTheRequestUid() throws Exception {
        handler.set(request -> AdmissionCodec.allow("someone-else"));

        AdmissionResponse response = reviewResponse(post("/inject", TestTls.podReview("right-uid")));

        assertThat(response.getUid()).isEqualTo("right-uid");
        assertThat(response.getAllowed()).isTrue();
    }

    @Test
    void garbageJsonIs400WithShortMessage() throws Exception {
        HttpResponse<String> response = post("/inject", "{not json");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("not valid JSON").doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(handlerCalls).hasValue(0);
    }

    @Test
    void wrongKindIs400() throws Exception {
        HttpResponse<String> response = post("/inject",
                TestTls.podReview("u").replace("\"kind\":\"AdmissionReview\"", "\"kind\":\"TokenReview\""));

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("kind 'TokenReview'");
    }

    @Test
    void v1beta1Is400() throws Exception {
        HttpResponse<String> response = post("/inject",
                TestTls.podReview("u").replace("admission.k8s.io/v1", "admission.k8s.io/v1beta1"));

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("admission.k8s.io/v1beta1");
    }

    @Test
    void missingUidIs400() throws Exception {
        HttpResponse<String> response = post("/inject", TestTls.podReview("u").replace("\"uid\":\"u\",", ""));

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("no uid");
        assertThat(handlerCalls).hasValue(0);
    }

    @Test
    void missingRequestIs400() throws Exception {
        HttpResponse<String> response = post("/inject", "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\"}");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("no request");
    }

    @Test
    void malformedRequestWithReadableUidIsDeniedInAReview() throws Exception {
        String body = "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\","
                + "\"request\":{\"uid\":\"u-77\",\"kind\":\"not-a-gvk\"}}";

        HttpResponse<String> http = post("/inject", body);

        assertThat(http.statusCode()).isEqualTo(200);
        AdmissionResponse response = reviewResponse(http);
        assertThat(response.getUid()).isEqualTo("u-77");
        assertThat(response.getAllowed()).isFalse();
        assertThat(response.getStatus().getCode()).isEqualTo(400);
        assertThat(handlerCalls).hasValue(0);
    }

    @Test
    void oversizedBodyIs413() throws Exception {
        String padding = "x".repeat((int) MAX_BYTES);
        String body = TestTls.podReview("big").replace("\"dryRun\":false", "\"dryRun\":false,\"pad\":\"" + padding + "\"");

        HttpResponse<String> response = post("/inject", body);

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(handlerCalls).hasValue(0);
    }

    @Test
    void oversizedDeclaredLengthIsRefusedBeforeTheBodyIsSent() throws Exception {
        try (SSLSocket socket = (SSLSocket) trust.getSocketFactory().createSocket("127.0.0.1", server.port())) {
            OutputStream out = socket.getOutputStream();
            // Only headers: a server that waited for 10 MiB would never answer.
            out.write(("POST /inject HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + (10 * 1024 * 1024) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));

            assertThat(in.readLine()).startsWith("HTTP/1.1 413");
        }
    }

    @Test
    void getOnInjectIs405() throws Exception {
        HttpResponse<String> response = client.send(
                HttpRequest.newBuilder(uri("/inject")).GET().build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(405);
        assertThat(response.headers().firstValue("Allow")).hasValue("POST");
    }

    @Test
    void nonJsonContentTypeIs415() throws Exception {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(uri("/inject"))
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString(TestTls.podReview("u"))).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(415);
        assertThat(handlerCalls).hasValue(0);
    }

    @Test
    void jsonWithCharsetParameterIsAccepted() throws Exception {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(uri("/inject"))
                .header("Content-Type", "application/json; charset=utf-8")
                .POST(HttpRequest.BodyPublishers.ofString(TestTls.podReview("u"))).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
    }

    @Test
    void handlerExceptionBecomesA500Denial() throws Exception {
        handler.set(request -> {
            throw new IllegalStateException("secret internal detail");
        });

        HttpResponse<String> http = post("/inject", TestTls.podReview("boom"));

        assertThat(http.statusCode()).isEqualTo(200);
        AdmissionResponse response = reviewResponse(http);
        assertThat(response.getUid()).isEqualTo("boom");
        assertThat(response.getAllowed()).isFalse();
        assertThat(response.getStatus().getCode()).isEqualTo(500);
        assertThat(response.getStatus().getMessage()).contains("internal error").doesNotContain("secret internal detail");
        assertThat(http.body()).doesNotContain("\tat ");
    }

    @Test
    void anUndecidableRequestFailsTheCallWith503SoFailurePolicyApplies() throws Exception {
        handler.set(request -> {
            throw new InjectorUnavailableException("no MeshInstall has revision canary");
        });

        HttpResponse<String> http = post("/inject", TestTls.podReview("undecided"));

        // Not an AdmissionReview with allowed:false: that would be final whatever the failurePolicy.
        assertThat(http.statusCode()).isEqualTo(503);
        assertThat(http.body()).isEqualTo("mesh-operator sidecar injector: no MeshInstall has revision canary\n");
        assertThat(metrics.scrape()).contains("reason=\"unavailable\"");
    }

    @Test
    void handlerReturningNullBecomesA500Denial() throws Exception {
        handler.set(request -> null);

        AdmissionResponse response = reviewResponse(post("/inject", TestTls.podReview("null")));

        assertThat(response.getAllowed()).isFalse();
        assertThat(response.getStatus().getCode()).isEqualTo(500);
    }

    @Test
    void serverSurvivesBadRequestsAndKeepsServing() throws Exception {
        post("/inject", "{");
        post("/inject", "[]");
        post("/inject", "");
        handler.set(request -> {
            throw new StackOverflowError();
        });
        post("/inject", TestTls.podReview("so"));
        handler.set(request -> AdmissionCodec.allow(request.getUid()));

        assertThat(reviewResponse(post("/inject", TestTls.podReview("after"))).getAllowed()).isTrue();
    }

    @Test
    void offersOnlyTls12And13() throws Exception {
        assertThat(server.enabledProtocols()).containsExactly("TLSv1.3", "TLSv1.2");
        assertThat(server.enabledCipherSuites()).isNotEmpty()
                .allSatisfy(suite -> assertThat(suite).doesNotContain("_CBC_").doesNotStartWith("TLS_RSA_"));

        assertThat(handshake("TLSv1.2")).isEqualTo("TLSv1.2");
        assertThat(handshake("TLSv1.3")).isEqualTo("TLSv1.3");
        // The JDK may refuse TLS 1.1 on the client side already; either way no session is made.
        assertThatThrownBy(() -> handshake("TLSv1.1")).isInstanceOf(SSLException.class);
    }

    @Test
    void healthAndReadinessOnBothPorts() throws Exception {
        assertThat(get(uri("/healthz")).statusCode()).isEqualTo(200);
        assertThat(get(uri("/readyz")).statusCode()).isEqualTo(200);
        URI mgmt = URI.create("http://127.0.0.1:" + server.managementPort().orElseThrow());
        assertThat(get(mgmt.resolve("/readyz")).statusCode()).isEqualTo(200);

        ready.set(false);

        assertThat(get(uri("/readyz")).statusCode()).isEqualTo(503);
        assertThat(get(mgmt.resolve("/readyz")).statusCode()).isEqualTo(503);
        assertThat(get(mgmt.resolve("/healthz")).statusCode()).isEqualTo(200);
        assertThat(get(mgmt.resolve("/inject")).statusCode()).isEqualTo(404);
    }

    @Test
    void metricsCountOutcomes() throws Exception {
        post("/inject", TestTls.podReview("a"));
        // a patch built as a JSON array (the injection handler's) counts as one too
        var built = (com.fasterxml.jackson.databind.node.ArrayNode) new com.fasterxml.jackson.databind.ObjectMapper().readTree(PATCH);
        handler.set(request -> AdmissionCodec.patch(request.getUid(), built));
        post("/inject", TestTls.podReview("b"));
        handler.set(request -> AdmissionCodec.skip(request.getUid(), "namespace_not_labelled"));
        post("/inject", TestTls.podReview("c"));
        handler.set(request -> AdmissionCodec.deny(request.getUid(), 400, "bad annotation"));
        post("/inject", TestTls.podReview("d"));
        post("/inject", "garbage");

        String scrape = get(URI.create("http://127.0.0.1:" + server.managementPort().orElseThrow() + "/metrics")).body();

        assertThat(scrape)
                .contains("sidecar_injection_requests_total 5.0")
                .contains("sidecar_injection_success_total 2.0")
                .contains("sidecar_injection_skip_total{reason=\"namespace_not_labelled\"} 1.0")
                .contains("sidecar_injection_failure_total{reason=\"denied\"} 1.0")
                .contains("sidecar_injection_failure_total{reason=\"bad_request\"} 1.0")
                .contains("sidecar_injection_time_seconds_count 5");
        assertThat(get(uri("/metrics")).body()).contains("sidecar_injection_requests_total");
    }

    // ---- helpers ----

    private String handshake(String protocol) throws Exception {
        try (SSLSocket socket = (SSLSocket) trust.getSocketFactory().createSocket("127.0.0.1", server.port())) {
            socket.setEnabledProtocols(new String[] {protocol});
            socket.startHandshake();
            return socket.getSession().getProtocol();
        }
    }

    private URI uri(String path) {
        return URI.create("https://127.0.0.1:" + server.port() + path);
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return client.send(HttpRequest.newBuilder(uri(path))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(URI uri) throws Exception {
        return client.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private AdmissionResponse reviewResponse(HttpResponse<String> http) {
        assertThat(http.statusCode()).isEqualTo(200);
        return codec.readReview(http.body().getBytes(StandardCharsets.UTF_8)).getResponse();
    }

}
