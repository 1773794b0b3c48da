package dev.meshoperator.webhook;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CertificatesTest {

    private static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");
    private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);

    @ParameterizedTest
    @EnumSource(KeyAlgorithm.class)
    void servingCertificateIsSignedByTheCaAndCarriesTheSans(KeyAlgorithm algorithm) throws Exception {
        Certificates certs = new Certificates(clock, algorithm);
        IssuedCertificate ca = certs.createCa("mesh-ca", Duration.ofDays(3650));
        IssuedCertificate serving = certs.createServing(ca, "webhook",
                List.of("mesh-operator.mesh-system.svc", "localhost"), List.of("127.0.0.1"), Duration.ofDays(90));

        X509Certificate cert = serving.certificate();
        cert.verify(ca.certificate().getPublicKey());
        ca.certificate().verify(ca.certificate().getPublicKey());
        assertThat(ca.certificate().getBasicConstraints()).isGreaterThanOrEqualTo(0);
        assertThat(cert.getBasicConstraints()).isEqualTo(-1);
        assertThat(cert.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
        assertThat(Certificates.dnsNames(cert)).containsExactly("mesh-operator.mesh-system.svc", "localhost");
        assertThat(Certificates.ipAddresses(cert)).containsExactly("127.0.0.1");
        assertThat(cert.getNotAfter().toInstant()).isEqualTo(NOW.plus(Duration.ofDays(90)));
        assertThat(cert.getNotBefore().toInstant()).isEqualTo(NOW.minus(Certificates.BACKDATE));
        assertThat(ca.certificate().getNotAfter().toInstant()).isEqualTo(NOW.plus(Duration.ofDays(3650)));
        assertThat(cert.getPublicKey().getAlgorithm()).isEqualTo(algorithm == KeyAlgorithm.EC_P256 ? "EC" : "RSA");
        assertKeyMatches(serving.key(), cert);
    }

    @Test
    void servingCertificateNeverOutlivesItsCa() {
        Certificates certs = new Certificates(clock, KeyAlgorithm.EC_P256);
        IssuedCertificate ca = certs.createCa("short-ca", Duration.ofDays(10));

        IssuedCertificate serving = certs.createServing(ca, "w", List.of("a"), List.of(), Duration.ofDays(365));

        assertThat(serving.certificate().getNotAfter()).isEqualTo(ca.certificate().getNotAfter());
    }

    @Test
    void servingCertificateNeedsASan() {
        Certificates certs = new Certificates(clock, KeyAlgorithm.EC_P256);
        IssuedCertificate ca = certs.createCa("ca", Duration.ofDays(10));

        assertThatThrownBy(() -> certs.createServing(ca, "w", List.of(), List.of(), Duration.ofDays(1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void expiresWithinComparesNotAfterWithTheClock() {
        Certificates certs = new Certificates(clock, KeyAlgorithm.EC_P256);
        X509Certificate ca = certs.createCa("ca", Duration.ofDays(30)).certificate();

        assertThat(certs.expiresWithin(ca, Duration.ofDays(29))).isFalse();
        assertThat(certs.expiresWithin(ca, Duration.ofDays(30))).isTrue();
        assertThat(Certificates.expiresWithin(ca, Duration.ZERO, NOW.plus(Duration.ofDays(31)))).isTrue();
    }

    @ParameterizedTest
    @EnumSource(KeyAlgorithm.class)
    void pemRoundTrip(KeyAlgorithm algorithm) throws Exception {
        Certificates certs = new Certificates(clock, algorithm);
        IssuedCertificate ca = certs.createCa("ca", Duration.ofDays(30));
        IssuedCertificate other = certs.createCa("other", Duration.ofDays(30));

        String chainPem = Certificates.toPem(ca.certificate(), other.certificate());
        String keyPem = Certificates.toPem(ca.key());

        assertThat(chainPem).startsWith("-----BEGIN CERTIFICATE-----");
        assertThat(keyPem).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(Certificates.certificatesFromPem(chainPem)).containsExactly(ca.certificate(), other.certificate());
        PrivateKey decoded = Certificates.privateKeyFromPem(keyPem);
        assertThat(decoded.getEncoded()).isEqualTo(ca.key().getEncoded());
    }

    @Test
    void readsTraditionalRsaKeysAsCertManagerWritesThem() throws Exception {
        Certificates certs = new Certificates(clock, KeyAlgorithm.RSA_2048);
        IssuedCertificate ca = certs.createCa("ca", Duration.ofDays(30));
        // JcaPEMWriter writes a bare key in the traditional PKCS#1 form, as cert-manager does by default.
        java.io.StringWriter pkcs1 = new java.io.StringWriter();
        try (var writer = new org.bouncycastle.openssl.jcajce.JcaPEMWriter(pkcs1)) {
            writer.writeObject(ca.key());
        }

        assertThat(pkcs1.toString()).startsWith("-----BEGIN RSA PRIVATE KEY-----");
        assertThat(Certificates.privateKeyFromPem(pkcs1.toString()).getEncoded()).isEqualTo(ca.key().getEncoded());
    }

    @Test
    void malformedPemIsRejectedWithIllegalArgument() {
        assertThatThrownBy(() -> Certificates.privateKeyFromPem("-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Certificates.privateKeyFromPem(""))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(Certificates.certificatesFromPem("")).isEmpty();
    }

    private static void assertKeyMatches(PrivateKey key, X509Certificate cert) throws Exception {
        String alg = "EC".equals(key.getAlgorithm()) ? "SHA256withECDSA" : "SHA256withRSA";
        byte[] data = "proof".getBytes();
        Signature signer = Signature.getInstance(alg);
        signer.initSign(key);
        signer.update(data);
        byte[] sig = signer.sign();
        Signature verifier = Signature.getInstance(alg);
        verifier.initVerify(cert.getPublicKey());
        verifier.update(data);
        assertThat(verifier.verify(sig)).isTrue();
    }
}
