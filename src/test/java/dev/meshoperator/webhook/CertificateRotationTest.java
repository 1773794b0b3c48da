package dev.meshoperator.webhook;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Rotating the serving certificate (and the CA, with an overlap bundle) under load loses nothing. */
class CertificateRotationTest {

    private AdmissionServer server;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> clients = new ArrayList<>();

    @AfterEach
    void stop() throws InterruptedException {
        running.set(false);
        for (Thread t : clients) {
            t.join();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void rotationUnderASteadyClientLoopLosesNoRequest() throws Exception {
        IssuedCertificate oldCa = TestTls.ca("old-ca");
        IssuedCertificate newCa = TestTls.ca("new-ca");
        AtomicReference<ServingIdentity> identity = new AtomicReference<>(TestTls.identity(TestTls.serving(oldCa)));
        server = AdmissionServer.builder()
                .handler(request -> AdmissionCodec.allow(request.getUid()))
                .identity(identity::get)
                .bindAddress(InetAddress.getLoopbackAddress())
                .port(0)
                .shutdownGrace(Duration.ZERO)
                .start();
        // Clients trust the overlap bundle, as the API server does during a CA rotation.
        List<X509Certificate> bundle = List.of(oldCa.certificate(), newCa.certificate());
        URI uri = URI.create("https://127.0.0.1:" + server.port() + "/inject");

        List<String> failures = new CopyOnWriteArrayList<>();
        Set<BigInteger> servedSerials = ConcurrentHashMap.newKeySet();
        AtomicInteger ok = new AtomicInteger();
        // One loop handshakes afresh for every request, one keeps its connection alive across rotations.
        startLoop("fresh-handshakes", () -> TestTls.client(TestTls.trusting(bundle)), uri, failures, servedSerials, ok);
        HttpClient persistent = TestTls.client(TestTls.trusting(bundle));
        startLoop("keep-alive", () -> persistent, uri, failures, servedSerials, ok);

        List<BigInteger> issued = new ArrayList<>();
        BigInteger initial = identity.get().leaf().getSerialNumber();
        issued.add(initial);
        await().atMost(Duration.ofMinutes(2)).until(() -> servedSerials.contains(initial) || !failures.isEmpty());
        for (int i = 0; i < 6; i++) {
            IssuedCertificate signer = i < 3 ? oldCa : newCa;
            ServingIdentity next = TestTls.identity(TestTls.serving(signer));
            identity.set(next);
            BigInteger serial = next.leaf().getSerialNumber();
            issued.add(serial);
            await().atMost(Duration.ofMinutes(2)).until(() -> servedSerials.contains(serial) || !failures.isEmpty());
            assertThat(failures).isEmpty();
            // A new connection at this step: it is shown this step's certificate, which chains to
            // its signer alone (and not to the other CA, so the check can fail).
            IssuedCertificate other = signer == oldCa ? newCa : oldCa;
            assertThat(presentedSerial(List.of(signer.certificate()))).isEqualTo(serial);
            assertThatThrownBy(() -> presentedSerial(List.of(other.certificate())))
                    .isInstanceOf(javax.net.ssl.SSLHandshakeException.class);
        }
        int before = ok.get();
        await().atMost(Duration.ofMinutes(2)).until(() -> ok.get() > before + 10 || !failures.isEmpty());

        assertThat(failures).isEmpty();
        assertThat(servedSerials).containsAll(issued);
    }

    /** Opens a new TLS connection trusting only {@code cas}; the serial of the certificate shown. */
    private BigInteger presentedSerial(List<X509Certificate> cas) throws java.io.IOException {
        try (var socket = (javax.net.ssl.SSLSocket) TestTls.trusting(cas).getSocketFactory()
                .createSocket("127.0.0.1", server.port())) {
            socket.setSoTimeout(10_000);
            socket.startHandshake();
            return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
        }
    }

    private void startLoop(String name, java.util.function.Supplier<HttpClient> clientFactory, URI uri,
                           List<String> failures, Set<BigInteger> servedSerials, AtomicInteger ok) {
        Thread t = new Thread(() -> {
            int n = 0;
            while (running.get()) {
                String uid = name + "-" + n++;
                try {
                    HttpResponse<String> response = clientFactory.get().send(HttpRequest.newBuilder(uri)
                                    .header("Content-Type", "application/json")
                                    .POST(HttpRequest.BodyPublishers.ofString(TestTls.podReview(uid))).build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (response.statusCode() != 200 || !response.body().contains("\"uid\":\"" + uid + "\"")) {
                        failures.add(uid + ": HTTP " + response.statusCode() + " " + response.body());
                    } else {
                        ok.incrementAndGet();
                        response.sslSession().ifPresent(s -> {
                            try {
                                servedSerials.add(((X509Certificate) s.getPeerCertificates()[0]).getSerialNumber());
                            } catch (Exception e) {
                                failures.add(uid + ": no peer certificate: " + e);
                            }
                        });
                    }
                } catch (Exception e) {
                    failures.add(uid + ": " + e);
                }
            }
        }, name);
        t.setDaemon(true);
        clients.add(t);
        t.start();
    }

}
