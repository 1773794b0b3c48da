package dev.meshoperator.webhook;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The webhook's certificate material as stored in the shared Secret.
 *
 * @param caCert         the CA that signs new serving certificates
 * @param caKey          its key; {@code null} when the CA is managed elsewhere (cert-manager)
 * @param servingCert    the certificate the HTTPS server presents
 * @param servingKey     its key
 * @param notAfter       when the serving certificate expires
 * @param previousCaCerts CAs that are still trusted during a CA rotation overlap; the serving
 *                       certificate may still be signed by one of them
 */
public record CertificateBundle(
        X509Certificate caCert,
        PrivateKey caKey,
        X509Certificate servingCert,
        PrivateKey servingKey,
        Instant notAfter,
        List<X509Certificate> previousCaCerts) {

    public CertificateBundle {
        Objects.requireNonNull(caCert, "caCert");
        Objects.requireNonNull(servingCert, "servingCert");
        Objects.requireNonNull(servingKey, "servingKey");
        Objects.requireNonNull(notAfter, "notAfter");
        previousCaCerts = List.copyOf(previousCaCerts == null ? List.of() : previousCaCerts);
    }

    public CertificateBundle(X509Certificate caCert, PrivateKey caKey, X509Certificate servingCert,
                             PrivateKey servingKey, List<X509Certificate> previousCaCerts) {
        this(caCert, caKey, servingCert, servingKey, servingCert.getNotAfter().toInstant(), previousCaCerts);
    }

    /** Every CA a client must trust to verify any replica's serving certificate: current first. */
    public List<X509Certificate> trustedCas() {
        List<X509Certificate> all = new ArrayList<>();
        all.add(caCert);
        all.addAll(previousCaCerts);
        return List.copyOf(all);
    }

    /** The caBundle value for webhook configurations, PEM. */
    public String caBundlePem() {
        return Certificates.toPem(trustedCas());
    }

    public ServingIdentity servingIdentity() {
        return new ServingIdentity(servingKey, List.of(servingCert));
    }
}
