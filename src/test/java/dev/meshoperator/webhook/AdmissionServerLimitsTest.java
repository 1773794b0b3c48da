package dev.meshoperator.webhook;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Slow, stalled and idle clients, and load beyond the in-flight limit, over real TLS sockets: each
 * is cut after its bounded time or refused at once, and requests in flight meanwhile are answered.
 * Timeouts here are a second or two so the cuts are quick; the bounds asserted are far below what
 * the clients would take if nothing cut them, so they say "was cut", not "was fast".
 */
class AdmissionServerLimitsTest {

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(2);
    private static final int MAX_CONNECTIONS = 8;

    private final IssuedCertificate ca = TestTls.ca("limits-ca");
    private final ServingIdentity identity = TestTls.identity(TestTls.serving(ca));
    private final SSLContext trust = TestTls.trusting(List.of(ca.certificate()));
    private final WebhookMetrics metrics = new WebhookMetrics();
    private final List<Socket> sockets = new ArrayList<>();
    private AdmissionServer server;

    @AfterEach
    void stop() throws IOException {
        for (Socket s : sockets) {
            s.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private AdmissionServer.Builder builder() {
        return AdmissionServer.builder()
                .handler(request -> AdmissionCodec.allow(request.getUid()))
                .identity(() -> identity)
                .bindAddress(InetAddress.getLoopbackAddress())
                .port(0)
                .metrics(metrics)
                .handshakeTimeout(Duration.ofSeconds(1))
                .requestTimeout(REQUEST_TIMEOUT)
                .idleTimeout(IDLE_TIMEOUT)
                .maxConnections(MAX_CONNECTIONS)
                .shutdownGrace(Duration.ZERO);
    }

    @Test
    void aBodySentAByteAtATimeIsCutAtTheRequestTimeoutWhileOtherRequestsAreAnswered() throws Exception {
        server = builder().start();
        String review = TestTls.podReview("slow");
        SSLSocket slow = tlsSocket();
        OutputStream out = slow.getOutputStream();
        out.write(head(review.length()));
        out.flush();
        AtomicBoolean cut = new AtomicBoolean();
        long began = System.nanoTime();
        // One byte every 50 ms: the whole body would take about review.length() / 20 seconds.
        Thread dribbler = new Thread(() -> {
            try {
                for (byte b : review.getBytes(StandardCharsets.UTF_8)) {
                    out.write(b);
                    out.flush();
                    Thread.sleep(50);
                }
            } catch (IOException | InterruptedException e) {
                cut.set(true);
            }
        }, "dribbler");
        dribbler.setDaemon(true);
        dribbler.start();

        HttpClient client = TestTls.client(trust);
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> ok = post(client, TestTls.podReview("meanwhile-" + i));
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.body()).contains("\"uid\":\"meanwhile-" + i + "\"");
        }

        String answer = readUntilClosed(slow, Duration.ofSeconds(30));
        double seconds = (System.nanoTime() - began) / 1e9;
        assertThat(answer).startsWith("HTTP/1.1 408").contains("connection: close");
        assertThat(seconds).as("cut long before the %d s the body would take", review.length() / 20)
                .isLessThan(review.length() / 20.0 / 2);
        dribbler.join(10_000);
        assertThat(cut).isTrue();
        assertThat(metrics.scrape()).contains("sidecar_injection_failure_total{reason=\"timeout\"} 1.0");
    }

    @Test
    void aRequestWhoseBodyNeverEndsIsCutAndItsConnectionClosed() throws Exception {
        server = builder().start();
        SSLSocket stalled = tlsSocket();
        stalled.getOutputStream().write(head(1000));
        stalled.getOutputStream().write("{\"apiVersion\":".getBytes(StandardCharsets.US_ASCII));
        stalled.getOutputStream().flush();

        String answer = readUntilClosed(stalled, Duration.ofSeconds(30));

        assertThat(answer).startsWith("HTTP/1.1 408");
        assertThat(post(TestTls.client(trust), TestTls.podReview("after")).statusCode()).isEqualTo(200);
    }

    @Test
    void aConnectionThatNeverStartsItsHandshakeIsClosed() throws Exception {
        server = builder().start();
        Socket silent = new Socket(InetAddress.getLoopbackAddress(), server.port());
        sockets.add(silent);
        silent.setSoTimeout(30_000);

        long began = System.nanoTime();
        int read = silent.getInputStream().read();

        assertThat(read).as("closed by the server").isEqualTo(-1);
        assertThat((System.nanoTime() - began) / 1e9).isLessThan(30);
    }

    @Test
    void idleConnectionsCannotExhaustTheServer() throws Exception {
        server = builder().start();
        List<SSLSocket> idle = new ArrayList<>();
        for (int i = 0; i < 3 * MAX_CONNECTIONS; i++) {
            idle.add(tlsSocket());
        }
        // Each handshake above made room by closing the connection idle longest.
        await().atMost(Duration.ofSeconds(30)).until(() -> server.openConnections() <= MAX_CONNECTIONS);

        // New callers still get through: each new connection evicts an idle one.
        for (int i = 0; i < 5; i++) {
            assertThat(post(TestTls.client(trust), TestTls.podReview("fresh-" + i)).statusCode()).isEqualTo(200);
        }
        int closedEarly = 0;
        for (SSLSocket s : idle.subList(0, 2 * MAX_CONNECTIONS)) {
            closedEarly += readUntilClosed(s, Duration.ofSeconds(30)).isEmpty() ? 1 : 0;
        }
        assertThat(closedEarly).isEqualTo(2 * MAX_CONNECTIONS);
        // And the rest are closed once idle for the idle timeout.
        for (SSLSocket s : idle.subList(2 * MAX_CONNECTIONS, idle.size())) {
            assertThat(readUntilClosed(s, Duration.ofSeconds(30))).isEmpty();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> server.openConnections() == 0);
    }

    @Test
    void beyondTheInFlightLimitAdmissionsFailFastWith429AndRetryAfter() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch entered = new CountDownLatch(1);
        server = builder().threads(1).queueCapacity(1)
                .requestTimeout(Duration.ofSeconds(30))
                .handler(request -> {
                    entered.countDown();
                    try {
                        release.await(60, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return AdmissionCodec.allow(request.getUid());
                }).start();
        // Separate clients, separate connections: one running, one queued, one over the limit.
        CompletableFuture<HttpResponse<String>> running = postAsync(TestTls.client(trust), TestTls.podReview("a"));
        assertThat(entered.await(30, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<HttpResponse<String>> queued = postAsync(TestTls.client(trust), TestTls.podReview("b"));
        await().atMost(Duration.ofSeconds(30)).until(() -> server.inFlight.get() == 2);

        HttpResponse<String> refused = post(TestTls.client(trust), TestTls.podReview("c"));

        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(running).isNotDone();
        assertThat(queued).isNotDone();
        release.countDown();
        assertThat(running.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(queued.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(metrics.scrape()).contains("sidecar_injection_failure_total{reason=\"overloaded\"} 1.0");
    }

    @Test
    void aDecisionTakingLongerThanTheIdleTimeoutIsStillAnswered() throws Exception {
        server = builder().handler(request -> {
            try {
                Thread.sleep(IDLE_TIMEOUT.toMillis() + 1500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return AdmissionCodec.allow(request.getUid());
        }).start();

        // A slow decision (an API lookup, say) is not an idle client.
        HttpResponse<String> response = post(TestTls.client(trust), TestTls.podReview("slow-decision"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("\"uid\":\"slow-decision\"");
    }

    @Test
    void alpnNegotiatesHttp2AndHttp11() throws Exception {
        server = builder().start();
        HttpClient h2 = HttpClient.newBuilder().sslContext(trust).version(HttpClient.Version.HTTP_2).build();

        HttpResponse<String> overH2 = post(h2, TestTls.podReview("h2"));
        HttpResponse<String> overH1 = post(TestTls.client(trust), TestTls.podReview("h1"));

        assertThat(overH2.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(overH2.statusCode()).isEqualTo(200);
        assertThat(overH2.body()).contains("\"uid\":\"h2\"");
        assertThat(overH1.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
        assertThat(overH1.body()).contains("\"uid\":\"h1\"");
    }

    @Test
    void tlsComesFromBoringSslHereAndTheJdkProviderServesTheSame() throws Exception {
        server = builder().start();
        // netty-tcnative's linux-x86_64 library is a dependency: on this platform it must load.
        assertThat(server.tlsProvider()).isEqualTo("OpenSSL");
        assertThat(post(TestTls.client(trust), TestTls.podReview("native")).statusCode()).isEqualTo(200);
        server.close();

        server = builder().tlsProvider("JDK").start();

        assertThat(server.tlsProvider()).isEqualTo("JDK");
        HttpResponse<String> response = post(TestTls.client(trust), TestTls.podReview("jdk"));
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("\"uid\":\"jdk\"");
        assertThat(server.enabledCipherSuites()).isNotEmpty()
                .allSatisfy(suite -> assertThat(suite).doesNotContain("_CBC_").doesNotStartWith("TLS_RSA_"));
    }

    /**
     * The key reaches either TLS implementation through our in-memory key store (TlsContexts), for
     * both key types the operator makes: each handshake presents the identity's own certificate.
     */
    @Test
    void bothProvidersServeAnEcAndAnRsaIdentity() throws Exception {
        var rsa = new Certificates(java.time.Clock.systemUTC(), KeyAlgorithm.RSA_2048);
        IssuedCertificate rsaCa = rsa.createCa("rsa-ca", Duration.ofDays(1));
        ServingIdentity rsaIdentity = TestTls.identity(TestTls.serving(rsa, rsaCa));
        assertThat(rsaIdentity.key().getAlgorithm()).isEqualTo("RSA");
        assertThat(identity.key().getAlgorithm()).isEqualTo("EC");
        for (String provider : List.of("OPENSSL", "JDK")) {
            for (ServingIdentity served : List.of(identity, rsaIdentity)) {
                IssuedCertificate issuer = served == identity ? ca : rsaCa;
                server = builder().identity(() -> served).tlsProvider(provider).start();
                X509Certificate presented = TestTls.servedCertificate(List.of(issuer.certificate()), "127.0.0.1", server.port());
                assertThat(presented).as(provider + ", " + served.key().getAlgorithm()).isEqualTo(served.chain().get(0));
                HttpResponse<String> response = post(TestTls.client(TestTls.trusting(List.of(issuer.certificate()))),
                        TestTls.podReview("uid-" + provider));
                assertThat(response.statusCode()).as(provider + ", " + served.key().getAlgorithm()).isEqualTo(200);
                server.close();
                server = null;
            }
        }
    }

    // ---- helpers ----

    // ---- inline decisions (the operator's webhook): on the event loop, blocking steps on the pool, shedding ----

    @Test
    void inlineDecisionsRunOnTheEventLoopThatReadThemAndThePoolOtherwise() throws Exception {
        List<String> threads = java.util.Collections.synchronizedList(new ArrayList<>());
        AdmissionHandler recording = request -> {
            threads.add(Thread.currentThread().getName());
            return AdmissionCodec.allow(request.getUid());
        };
        server = builder().inlineDecisions(true).handler(recording).start();
        assertThat(post(TestTls.client(trust), TestTls.podReview("inline")).statusCode()).isEqualTo(200);
        server.close();
        // control: the default hands every decision to the pool
        server = builder().handler(recording).start();
        assertThat(post(TestTls.client(trust), TestTls.podReview("pool")).statusCode()).isEqualTo(200);

        assertThat(threads).hasSize(2);
        assertThat(threads.get(0)).startsWith("webhook-io");
        assertThat(threads.get(1)).startsWith("webhook-decide");
    }

    @Test
    void anInlineDecisionThatWouldBlockIsDecidedOnThePoolAndAnsweredOnce() throws Exception {
        List<String> threads = java.util.Collections.synchronizedList(new ArrayList<>());
        server = builder().inlineDecisions(true).handler(request -> {
            threads.add(Thread.currentThread().getName());
            Offload.beforeBlocking(); // e.g. a namespace not in the informer's cache yet: an API read follows
            threads.add("read on " + Thread.currentThread().getName());
            return AdmissionCodec.skip(request.getUid(), "read");
        }).start();

        HttpResponse<String> answer = post(TestTls.client(trust), TestTls.podReview("blocks"));

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body()).contains("\"uid\":\"blocks\"", "\"allowed\":true");
        // begun on the event loop, stopped before the read, decided again on the pool where the read ran
        assertThat(threads).hasSize(3);
        assertThat(threads.get(0)).startsWith("webhook-io");
        assertThat(threads.get(1)).startsWith("webhook-decide");
        assertThat(threads.get(2)).startsWith("read on webhook-decide");
        String scrape = metrics.scrape();
        assertThat(scrape).contains("sidecar_injection_requests_total 1.0")
                .contains("sidecar_injection_skip_total{reason=\"read\"} 1.0")
                .doesNotContain("handler_error");
    }

    @Test
    void anEventLoopBusyBeyondTheThresholdAnswers429WithoutDecidingUntilItCatchesUp() throws Exception {
        // One event loop; each decision holds it 300 ms (standing in for a long run of CPU-bound
        // decisions). Requests a and b arrive while x is decided, so the loop reads both in its
        // next round: the first is decided, and by the time it reads the second it has been busy
        // 300 ms without a break, beyond the 30 ms threshold: a 429, not a decision.
        assertThat(shedRun(Duration.ofMillis(30))).containsExactlyInAnyOrder(200, 200, 429);
        assertThat(decided.get()).isEqualTo(2);
        assertThat(metrics.scrape()).contains("sidecar_injection_failure_total{reason=\"overloaded\"} 1.0");
        server.close();
        // control: shedding off, the same arrivals are all decided
        decided.set(0);
        assertThat(shedRun(Duration.ZERO)).containsExactly(200, 200, 200);
        assertThat(decided.get()).isEqualTo(3);
    }

    // ---- the handshake gate: kept connections first when the event loop is crowded ----

    @Test
    void whileKeptConnectionsCrowdTheEventLoopNewConnectionsWaitAndAreTakenInAfterwards() throws Exception {
        // One event loop, each decision 4 ms of CPU, asked back to back on one kept-alive
        // connection: the loop is crowded with a kept connection's requests. 120 new connections
        // then arrive at once; they wait in the kernel's backlog, a few taken in by the gate's
        // trickle (one per 5 ms), the rest once the kept connection stops.
        GateRun gated = gateRun(0.5);
        assertThat(gated.acceptedWhileCrowded()).isLessThan(gated.arrived() / 2);
        assertThat(gated.holds()).isGreaterThanOrEqualTo(1);
        assertThat(gated.keptAnswered()).isGreaterThan(0);
        assertThat(metrics.scrape()).containsPattern("webhook_accept_holds_total [1-9]");
        server.close();
        // control: the gate off, the same arrivals are all taken in at once
        GateRun open = gateRun(1.0);
        assertThat(open.acceptedWhileCrowded()).isEqualTo(open.arrived());
        assertThat(open.holds()).isZero();
    }

    // ---- handshake slots: a few TLS handshakes at a time while clients keep their connections ----

    /**
     * One handshake slot, held up to a minute once a connection has spoken, a second while silent;
     * no connection closed for its handshake's or its silence's length within the tests' waits.
     */
    private AdmissionServer.Builder oneSlot() {
        return builder().handshakeSlots(1).handshakeSlotTimes(Duration.ofSeconds(1), Duration.ofMinutes(1))
                .handshakeTimeout(Duration.ofMinutes(2)).idleTimeout(Duration.ofMinutes(2));
    }

    /** A connection that has begun its handshake and stops: a TLS record's header, no more. */
    private Socket begunHandshake() throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port());
        sockets.add(s);
        s.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x00, (byte) 0xc8});
        s.getOutputStream().flush();
        return s;
    }

    @Test
    void whileEveryHandshakeSlotIsTakenANewConnectionWaitsAndIsTakenInWhenOneFrees() throws Exception {
        server = oneSlot().start();
        Socket begun = begunHandshake();
        await().atMost(Duration.ofSeconds(30)).until(() -> server.handshakeGate().handshaking() == 1);

        CompletableFuture<HttpResponse<String>> next = postAsync(TestTls.client(trust), TestTls.podReview("next"));
        await().atMost(Duration.ofSeconds(30)).until(() -> server.handshakeGate().slotWaits() == 1);
        Thread.sleep(300);
        assertThat(next).as("waiting for the slot").isNotDone();
        assertThat(metrics.scrape()).contains("webhook_connections_handshake_waits_total 1.0");

        begun.close(); // its slot frees at once (its minute is far off)
        assertThat(next.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        // a finished handshake frees its slot too: the next connections go straight in
        for (int i = 0; i < 3; i++) {
            assertThat(post(TestTls.client(trust), TestTls.podReview("then-" + i)).statusCode()).isEqualTo(200);
        }
        assertThat(server.handshakeGate().slotWaits()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(30)).until(() -> server.handshakeGate().handshaking() == 0);
    }

    @Test
    void aConnectionThatSendsNothingGivesItsHandshakeSlotUp() throws Exception {
        server = oneSlot().start();
        Socket silent = new Socket(InetAddress.getLoopbackAddress(), server.port());
        sockets.add(silent);
        await().atMost(Duration.ofSeconds(30)).until(() -> server.openConnections() == 1);

        // its slot is given up after a second, not the minute of a connection that spoke
        assertThat(postAsync(TestTls.client(trust), TestTls.podReview("next")).get(30, TimeUnit.SECONDS).statusCode())
                .isEqualTo(200);
        assertThat(silent.isClosed()).isFalse();
        assertThat(server.openConnections()).isEqualTo(2);
    }

    @Test
    void clientsThatOpenAConnectionPerRequestAreNotHeldToTheSlots() throws Exception {
        server = oneSlot().start();
        // a client that closes after each answer: each new connection is a request's, not a spare
        for (int i = 0; i < 20; i++) {
            SSLSocket s = tlsSocket();
            send(s, "once-" + i);
            assertThat(readUntilClosed(s, Duration.ofSeconds(30))).startsWith("HTTP/1.1 200");
        }
        begunHandshake();
        await().atMost(Duration.ofSeconds(30)).until(() -> server.handshakeGate().handshaking() == 1);

        // the same begun handshake held the next connection back in the test above; here it does not
        assertThat(postAsync(TestTls.client(trust), TestTls.podReview("next")).get(30, TimeUnit.SECONDS).statusCode())
                .isEqualTo(200);
        assertThat(server.handshakeGate().slotWaits()).isZero();
    }

    // ---- the bound on kept-alive connections: beyond it new ones wait, nothing open is closed ----

    @Test
    void atTheBoundOfKeptConnectionsNewOnesWaitAndTheKeptOnesKeepBeingAnswered() throws Exception {
        // 8 kept-alive connections, each answered once: at the bound of 8. 40 more dial; they wait in
        // the kernel's backlog (one taken in per 100 ms), and no open connection is closed for them.
        BoundRun bounded = boundRun(8);
        assertThat(bounded.acceptedWithin400ms()).isLessThanOrEqualTo(6);
        assertThat(bounded.keptStillAnswered()).isEqualTo(8);
        assertThat(metrics.scrape()).containsPattern("webhook_connections_bound_reached_total [1-9]")
                .containsPattern("webhook_connections_open [1-9]");
        server.close();
        // control: with a bound of 1,000 the same dials are all taken in at once
        BoundRun open = boundRun(1000);
        assertThat(open.acceptedWithin400ms()).isEqualTo(open.arrived());
        assertThat(open.keptStillAnswered()).isEqualTo(8);
    }

    @Test
    void atTheBoundOfOpenConnectionsNewOnesWaitToo() throws Exception {
        // 8 TLS connections that have sent nothing yet (as a client that opens one per request has
        // while it waits for its answer): not kept alive, but at the bound of 8 open connections.
        BoundRun bounded = boundRun(1000, 8, false);
        assertThat(bounded.acceptedWithin400ms()).isLessThanOrEqualTo(6);
        assertThat(bounded.keptStillAnswered()).isEqualTo(8);
        server.close();
        // control: the bound of kept connections alone does not hold them back
        BoundRun kept = boundRun(8, 1000, false);
        assertThat(kept.acceptedWithin400ms()).isEqualTo(kept.arrived());
    }

    @Test
    void atTheBoundANewClientReplacesAKeptConnectionIdleForLong() throws Exception {
        // idle for longer than the bound's idle time (300 ms here, 10 s by default): closed, one
        // for each new client taken in
        assertThat(replacementRun(Duration.ofMillis(300))).as("idle kept connections closed").isBetween(1, 5);
        server.close();
        // control: none idle long enough; the new clients still get in (one per 100 ms), none is closed
        assertThat(replacementRun(Duration.ofSeconds(60))).isZero();
    }

    @Test
    void atTheBoundANewConnectionWaitsAtMostTheAcceptWaitThenIsRefusedAtOnce() throws Exception {
        // at the bound of 8 kept connections, 40 dials: a few taken in (one per 100 ms), the rest
        // reset once they waited 300 ms, long before their clients' timeouts
        RefusalRun bounded = refusalRun(Duration.ofMillis(300), 1024, 30);
        assertThat(bounded.refused()).isGreaterThanOrEqualTo(30);
        assertThat(bounded.countedRefused()).isGreaterThanOrEqualTo(bounded.refused());
        assertThat(bounded.keptStillAnswered()).isEqualTo(8);
        assertThat(metrics.scrape()).containsPattern("webhook_connections_refused_total [34]\\d\\.0");
        server.close();
        // control: waiting up to a minute, none is refused in the same time
        RefusalRun waiting = refusalRun(Duration.ofSeconds(60), 1024, 0);
        assertThat(waiting.refused()).isZero();
        assertThat(waiting.countedRefused()).isZero();
        assertThat(waiting.keptStillAnswered()).isEqualTo(8);
    }

    @Test
    void atTheBoundWithTheWaitingQueueFullTheConnectionsWaitingLongestAreRefused() throws Exception {
        // room for 8 to wait, each for a minute: of 40 dials, 32 or so are reset at once, the
        // first ones (they waited longest), and the last 8 wait
        RefusalRun full = refusalRun(Duration.ofSeconds(60), 8, 25);
        assertThat(full.refused()).isBetween(25, 32);
        assertThat(full.lastEightRefused()).isZero();
        assertThat(full.keptStillAnswered()).isEqualTo(8);
        // the control is the previous test's: room for 1,024, none refused
    }

    record RefusalRun(int refused, int lastEightRefused, long countedRefused, int keptStillAnswered) {}

    /**
     * 8 kept connections at the bound of 8, then 40 dials that send nothing; which were reset: watched
     * until {@code expect} were (at most 5 s, a busy machine's ticks come late), or when {@code expect}
     * is 0, for as long as the wait (at most 1 s) and 200 ms more.
     */
    private RefusalRun refusalRun(Duration acceptWait, int queue, int expect) throws Exception {
        server = builder().keptConnectionBound(8).maxConnections(1000).acceptWait(acceptWait).acceptQueue(queue)
                .idleTimeout(Duration.ofSeconds(60)).handshakeTimeout(Duration.ofSeconds(30)).start();
        List<SSLSocket> kept = keptSockets(8);
        List<Socket> dialed = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            Socket s = new Socket();
            s.connect(new java.net.InetSocketAddress("127.0.0.1", server.port()), 5_000);
            sockets.add(s);
            dialed.add(s);
        }
        long deadline = System.nanoTime() + (expect > 0 ? Duration.ofSeconds(5).toNanos()
                : Duration.ofMillis(Math.min(acceptWait.toMillis(), 1000) + 200).toNanos());
        boolean[] reset = new boolean[dialed.size()];
        int refused = 0;
        do {
            for (int i = 0; i < dialed.size(); i++) {
                if (reset[i]) {
                    continue;
                }
                Socket s = dialed.get(i);
                s.setSoTimeout(1);
                try {
                    reset[i] = s.getInputStream().read() == -1;
                } catch (SocketTimeoutException e) {
                    // waiting, or taken in and waiting for its handshake
                } catch (IOException e) {
                    reset[i] = true;
                }
                refused += reset[i] ? 1 : 0;
            }
            if (expect > 0 && refused >= expect) {
                break;
            }
            Thread.sleep(20);
        } while (System.nanoTime() < deadline);
        int lastEightRefused = 0;
        for (int i = dialed.size() - 8; i < dialed.size(); i++) {
            lastEightRefused += reset[i] ? 1 : 0;
        }
        int answered = 0;
        for (int i = 0; i < kept.size(); i++) {
            answered += exchangeKeptAlive(kept.get(i), "again-" + i).startsWith("HTTP/1.1 200") ? 1 : 0;
        }
        return new RefusalRun(refused, lastEightRefused, server.handshakeGate().refused(), answered);
    }

    record BoundRun(int arrived, int acceptedWithin400ms, int keptStillAnswered) {}

    private BoundRun boundRun(int bound) throws Exception {
        return boundRun(bound, 1000, true);
    }

    /** 8 open TLS connections (kept alive or not), then 40 dials; see the tests above. */
    private BoundRun boundRun(int keptBound, int openBound, boolean keepAlive) throws Exception {
        int bound = keepAlive ? keptBound : openBound;
        server = builder().keptConnectionBound(keptBound).openConnectionBound(openBound).maxConnections(1000)
                .idleTimeout(Duration.ofSeconds(60)).handshakeTimeout(Duration.ofSeconds(30)).start();
        List<SSLSocket> kept = keepAlive ? keptSockets(8) : new ArrayList<>();
        for (int i = 0; i < 8 && !keepAlive; i++) {
            kept.add(tlsSocket());
        }
        int arriving = 40;
        int accepted = dialAndCountTakenIn(arriving, bound >= 1000, 400);
        int answered = 0;
        for (int i = 0; i < kept.size(); i++) {
            answered += exchangeKeptAlive(kept.get(i), "again-" + i).startsWith("HTTP/1.1 200") ? 1 : 0;
        }
        return new BoundRun(arriving, accepted, answered);
    }

    /** 8 kept connections idle at the bound of 8, then 5 new clients; how many kept ones the server closed. */
    private int replacementRun(Duration idleAtBound) throws Exception {
        server = builder().keptConnectionBound(8).maxConnections(1000).idleAtBound(idleAtBound)
                .idleTimeout(Duration.ofSeconds(60)).start();
        List<SSLSocket> kept = keptSockets(8);
        Thread.sleep(Math.min(idleAtBound.toMillis() + 200, 1000));
        for (int i = 0; i < 5; i++) {
            assertThat(post(TestTls.client(trust), TestTls.podReview("new-" + i)).statusCode()).isEqualTo(200);
        }
        int closed = 0;
        for (SSLSocket s : kept) {
            s.setSoTimeout(200);
            try {
                closed += s.getInputStream().read() == -1 ? 1 : 0;
            } catch (SocketTimeoutException e) {
                // still open
            } catch (IOException e) {
                closed++; // reset: closed
            }
        }
        return closed;
    }

    /**
     * Dials {@code n} plain TCP connections (they complete in the kernel's backlog whether taken in
     * or not) and returns how many the server took in: all of them, waited for, when {@code all},
     * else as many as within {@code millis}.
     */
    private int dialAndCountTakenIn(int n, boolean all, long millis) throws Exception {
        int before = server.openConnections();
        for (int i = 0; i < n; i++) {
            Socket s = new Socket();
            s.connect(new java.net.InetSocketAddress("127.0.0.1", server.port()), 5_000);
            sockets.add(s);
        }
        if (all) {
            await().atMost(Duration.ofSeconds(10)).until(() -> server.openConnections() - before >= n);
        } else {
            Thread.sleep(millis);
        }
        return server.openConnections() - before;
    }

    /** TLS connections each answered one request with keep-alive. */
    private List<SSLSocket> keptSockets(int n) throws IOException {
        List<SSLSocket> kept = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            SSLSocket s = tlsSocket();
            assertThat(exchangeKeptAlive(s, "kept-" + i)).startsWith("HTTP/1.1 200");
            kept.add(s);
        }
        return kept;
    }

    /** One request with keep-alive on an open TLS socket; the response's head and body. */
    private static String exchangeKeptAlive(SSLSocket s, String uid) throws IOException {
        byte[] body = TestTls.podReview(uid).getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.write(("POST /inject HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        request.write(body);
        s.getOutputStream().write(request.toByteArray());
        s.getOutputStream().flush();
        s.setSoTimeout(30_000);
        InputStream in = s.getInputStream();
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        int length = -1;
        int headEnd = -1;
        while (headEnd < 0 || got.size() < headEnd + length) {
            int b = in.read();
            if (b == -1) {
                break;
            }
            got.write(b);
            if (headEnd < 0 && got.size() >= 4) {
                String text = got.toString(StandardCharsets.US_ASCII);
                if (text.endsWith("\r\n\r\n")) {
                    headEnd = got.size();
                    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(text);
                    length = m.find() ? Integer.parseInt(m.group(1)) : 0;
                }
            }
        }
        return got.toString(StandardCharsets.US_ASCII).replace("http/1.1", "HTTP/1.1");
    }

    record GateRun(int arrived, int acceptedWhileCrowded, long holds, int keptAnswered) {}

    private GateRun gateRun(double share) throws Exception {
        // The crowding gate alone: without handshake slots (tested on their own above), which would
        // take the silent arrivals in one per 10 ms whatever the gate does.
        server = builder().inlineDecisions(true).ioThreads(1).maxConnections(1000).keptConnectionBound(1000)
                .handshakeSlots(Integer.MAX_VALUE).handshakeBusyShare(share)
                .handler(request -> {
                    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(4);
                    while (System.nanoTime() < until) {
                        Thread.onSpinWait(); // CPU, as a long run of real decisions would take
                    }
                    return AdmissionCodec.allow(request.getUid());
                }).start();
        HttpClient kept = HttpClient.newBuilder().sslContext(trust).version(HttpClient.Version.HTTP_1_1).build();
        AtomicBoolean stop = new AtomicBoolean();
        java.util.concurrent.atomic.AtomicInteger answered = new java.util.concurrent.atomic.AtomicInteger();
        Thread client = new Thread(() -> {
            while (!stop.get()) {
                try {
                    if (post(kept, TestTls.podReview("kept")).statusCode() == 200) {
                        answered.incrementAndGet();
                    }
                } catch (Exception e) {
                    return;
                }
            }
        });
        client.start();
        try {
            // the kept connection has answered and the loop has been crowded for a few windows
            await().atMost(Duration.ofSeconds(30)).until(() -> answered.get() >= 50);
            if (share < 1.0) {
                await().atMost(Duration.ofSeconds(30)).until(() -> server.handshakeGate().held());
            }
            int before = server.openConnections();
            int arriving = 120;
            // the control takes them all in within milliseconds; the gated server holds most back
            int accepted = dialAndCountTakenIn(arriving, share >= 1.0, 150);
            stop.set(true);
            client.join(30_000);
            // once calm, every waiting connection is taken in
            await().atMost(Duration.ofSeconds(10)).until(() -> server.openConnections() - before >= arriving);
            await().atMost(Duration.ofSeconds(10)).until(() -> !server.handshakeGate().held());
            return new GateRun(arriving, accepted, server.handshakeGate().holds(), answered.get());
        } finally {
            stop.set(true);
            client.join(30_000);
        }
    }

    private final java.util.concurrent.atomic.AtomicInteger decided = new java.util.concurrent.atomic.AtomicInteger();

    /** Status codes of x, then a and b (sent while x is being decided), each on its own connection. */
    private List<Integer> shedRun(Duration shedAfter) throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        server = builder().inlineDecisions(true).shedAfter(shedAfter).ioThreads(1)
                .requestTimeout(Duration.ofSeconds(30))
                .handler(request -> {
                    decided.incrementAndGet();
                    entered.countDown();
                    try {
                        Thread.sleep(300);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return AdmissionCodec.allow(request.getUid());
                }).start();
        SSLSocket x = tlsSocket();
        SSLSocket a = tlsSocket();
        SSLSocket b = tlsSocket();
        send(x, "x");
        assertThat(entered.await(30, TimeUnit.SECONDS)).isTrue();
        send(a, "a");
        send(b, "b");
        List<Integer> codes = new ArrayList<>();
        for (SSLSocket s : List.of(x, a, b)) {
            String answer = readUntilClosed(s, Duration.ofSeconds(30));
            codes.add(Integer.parseInt(answer.substring("HTTP/1.1 ".length(), "HTTP/1.1 ".length() + 3)));
            if (answer.startsWith("HTTP/1.1 429")) {
                assertThat(answer).contains("retry-after: 1");
            }
        }
        return codes;
    }

    private static void send(SSLSocket s, String uid) throws IOException {
        String review = TestTls.podReview(uid);
        byte[] body = review.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.write(("POST /inject HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Connection: close\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        request.write(body);
        s.getOutputStream().write(request.toByteArray());
        s.getOutputStream().flush();
    }

    private byte[] head(int contentLength) {
        return ("POST /inject HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + contentLength + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    private SSLSocket tlsSocket() throws IOException {
        SSLSocket s = (SSLSocket) trust.getSocketFactory().createSocket("127.0.0.1", server.port());
        sockets.add(s);
        s.setSoTimeout(30_000);
        s.startHandshake();
        return s;
    }

    /** Everything the server sends until it closes the connection (empty if it sent nothing). */
    private static String readUntilClosed(Socket socket, Duration atMost) throws IOException {
        socket.setSoTimeout((int) atMost.toMillis());
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        InputStream in = socket.getInputStream();
        byte[] buffer = new byte[4096];
        try {
            int n;
            while ((n = in.read(buffer)) != -1) {
                got.write(buffer, 0, n);
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the server did not close the connection within " + atMost + "; got: " + got);
        } catch (IOException e) {
            // a reset or a TLS close without close_notify also means: closed
        }
        return got.toString(StandardCharsets.US_ASCII).toLowerCase(java.util.Locale.ROOT).replace("http/1.1", "HTTP/1.1");
    }

    private HttpResponse<String> post(HttpClient client, String body) throws Exception {
        return client.send(request(body), HttpResponse.BodyHandlers.ofString());
    }

    private CompletableFuture<HttpResponse<String>> postAsync(HttpClient client, String body) {
        return client.sendAsync(request(body), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest request(String body) {
        return HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + server.port() + "/inject"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }
}
