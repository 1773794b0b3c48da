package dev.meshoperator.webhook;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.net.http.HttpClient;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;

/** Test-side TLS: a fresh PKI and clients that trust exactly the CAs given. */
final class TestTls {
    private TestTls() {
    }

    static final Certificates CERTS = new Certificates();

    static IssuedCertificate ca(String name) {
        return CERTS.createCa(name, Duration.ofDays(1));
    }

    static IssuedCertificate serving(IssuedCertificate ca) {
        return serving(CERTS, ca);
    }

    /** A serving certificate for localhost and 127.0.0.1 from {@code certs} (its key type), signed by {@code ca}. */
    static IssuedCertificate serving(Certificates certs, IssuedCertificate ca) {
        return certs.createServing(ca, "webhook", List.of("localhost"), List.of("127.0.0.1"), Duration.ofDays(1));
    }

    static ServingIdentity identity(IssuedCertificate serving) {
        return new ServingIdentity(serving.key(), List.of(serving.certificate()));
    }

    static SSLContext trusting(List<X509Certificate> cas) {
        try {
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            for (int i = 0; i < cas.size(); i++) {
                trust.setCertificateEntry("ca-" + i, cas.get(i));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static HttpClient client(SSLContext ctx) {
        return HttpClient.newBuilder()
                .sslContext(ctx)
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(30))
                .build();
    }

    /** A pod CREATE AdmissionReview as the API server sends it. */
    static String podReview(String uid) {
        return """
                {"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview",
                 "request":{"uid":"%s",
                  "kind":{"group":"","version":"v1","kind":"Pod"},
                  "resource":{"group":"","version":"v1","resource":"pods"},
                  "namespace":"production","operation":"CREATE",
                  "userInfo":{"username":"system:serviceaccount:kube-system:replicaset-controller"},
                  "object":{"apiVersion":"v1","kind":"Pod",
                    "metadata":{"generateName":"web-","namespace":"production","labels":{"app":"web"}},
                    "spec":{"containers":[{"name":"web","image":"nginx:1.27"}]}},
                  "oldObject":null,"dryRun":false}}
                """.formatted(uid);
    }

    /** The leaf certificate a server presents on a new TLS connection trusting exactly {@code trusted}. */
    static X509Certificate servedCertificate(List<X509Certificate> trusted, String host, int port)
            throws java.io.IOException {
        try (var socket = (javax.net.ssl.SSLSocket) trusting(trusted).getSocketFactory().createSocket(host, port)) {
            socket.setSoTimeout(10_000);
            socket.startHandshake();
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        }
    }

    /** Whether {@code leaf} carries a signature of {@code ca}'s key. */
    static boolean signedBy(X509Certificate leaf, X509Certificate ca) {
        try {
            leaf.verify(ca.getPublicKey());
            return true;
        } catch (java.security.GeneralSecurityException e) {
            return false;
        }
    }
}
