package dev.meshoperator.webhook;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Objects;

/** A certificate together with the private key it was issued for. */
public record IssuedCertificate(X509Certificate certificate, PrivateKey key) {
    public IssuedCertificate {
        Objects.requireNonNull(certificate, "certificate");
        Objects.requireNonNull(key, "key");
    }
}
