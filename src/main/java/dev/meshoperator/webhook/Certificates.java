package dev.meshoperator.webhook;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.util.io.pem.PemGenerationException;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Objects;

/**
 * Creates the webhook's CA and serving certificates and converts them to and from PEM.
 * The JDK's own providers do the cryptography; BouncyCastle only builds and encodes, so no
 * security provider needs registering.
 */
public final class Certificates {

    /**
     * notBefore is set this far in the past so that an API server whose clock is slightly
     * behind ours still accepts a certificate minted a moment ago.
     */
    public static final Duration BACKDATE = Duration.ofMinutes(5);

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final JcaX509CertificateConverter CONVERTER = new JcaX509CertificateConverter();

    private final Clock clock;
    private final KeyAlgorithm algorithm;

    public Certificates(Clock clock, KeyAlgorithm algorithm) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.algorithm = Objects.requireNonNull(algorithm, "algorithm");
    }

    public Certificates() {
        this(Clock.systemUTC(), KeyAlgorithm.EC_P256);
    }

    /** A self-signed CA valid from now (minus {@link #BACKDATE}) for {@code validity}. */
    public IssuedCertificate createCa(String commonName, Duration validity) {
        KeyPair keys = generateKeyPair();
        X500Name subject = name(commonName);
        Instant now = clock.instant();
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                    subject, serial(), Date.from(now.minus(BACKDATE)), Date.from(now.plus(validity)),
                    subject, keys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true,
                            new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature))
                    .addExtension(Extension.subjectKeyIdentifier, false,
                            ext.createSubjectKeyIdentifier(keys.getPublic()));
            return new IssuedCertificate(sign(builder, keys.getPrivate()), keys.getPrivate());
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot create CA certificate", e);
        }
    }

    /**
     * A serving certificate signed by {@code ca}. It never outlives its CA: a chain with an
     * expired issuer fails verification even while the leaf is still valid.
     */
    public IssuedCertificate createServing(IssuedCertificate ca, String commonName, Collection<String> dnsNames,
                                           Collection<String> ipAddresses, Duration validity) {
        if (dnsNames.isEmpty() && ipAddresses.isEmpty()) {
            throw new IllegalArgumentException("a serving certificate needs at least one DNS name or IP address");
        }
        KeyPair keys = generateKeyPair();
        Instant now = clock.instant();
        Instant notAfter = min(now.plus(validity), ca.certificate().getNotAfter().toInstant());
        List<GeneralName> sans = new ArrayList<>();
        dnsNames.forEach(dns -> sans.add(new GeneralName(GeneralName.dNSName, dns)));
        ipAddresses.forEach(ip -> sans.add(new GeneralName(GeneralName.iPAddress, ip)));
        int usage = KeyUsage.digitalSignature
                | (algorithm == KeyAlgorithm.RSA_2048 ? KeyUsage.keyEncipherment : 0);
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                    ca.certificate(), serial(), Date.from(now.minus(BACKDATE)), Date.from(notAfter),
                    name(commonName), keys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(usage))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
                    .addExtension(Extension.subjectAlternativeName, false,
                            new GeneralNames(sans.toArray(GeneralName[]::new)))
                    .addExtension(Extension.subjectKeyIdentifier, false,
                            ext.createSubjectKeyIdentifier(keys.getPublic()))
                    .addExtension(Extension.authorityKeyIdentifier, false,
                            ext.createAuthorityKeyIdentifier(ca.certificate()));
            return new IssuedCertificate(sign(builder, ca.key()), keys.getPrivate());
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot create serving certificate", e);
        }
    }

    /** True when {@code cert} expires at or before now + {@code window}. */
    public boolean expiresWithin(X509Certificate cert, Duration window) {
        return expiresWithin(cert, window, clock.instant());
    }

    public static boolean expiresWithin(X509Certificate cert, Duration window, Instant now) {
        return !cert.getNotAfter().toInstant().isAfter(now.plus(window));
    }

    public static List<String> dnsNames(X509Certificate cert) {
        return subjectAlternativeNames(cert, GeneralName.dNSName);
    }

    public static List<String> ipAddresses(X509Certificate cert) {
        return subjectAlternativeNames(cert, GeneralName.iPAddress);
    }

    /** Normalises an IP literal so "::1" and "0:0:0:0:0:0:0:1" compare equal. */
    public static String normaliseIp(String ip) {
        try {
            return InetAddress.getByName(ip).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address: " + ip, e);
        }
    }

    // ---- PEM ----

    public static String toPem(X509Certificate... certs) {
        return toPem(List.of(certs));
    }

    public static String toPem(List<X509Certificate> certs) {
        return writePem(certs.toArray());
    }

    /** PKCS#8 ("PRIVATE KEY"), the encoding every TLS stack reads. */
    public static String toPem(PrivateKey key) {
        // A bare PrivateKeyInfo would be written in the traditional per-algorithm form.
        try {
            return writePem(new JcaPKCS8Generator(key, null));
        } catch (PemGenerationException e) {
            throw new IllegalArgumentException("cannot encode private key", e);
        }
    }

    /** Every certificate in a PEM text, in order; other PEM objects are skipped. */
    public static List<X509Certificate> certificatesFromPem(String pem) {
        List<X509Certificate> certs = new ArrayList<>();
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            Object o;
            while ((o = parser.readObject()) != null) {
                if (o instanceof X509CertificateHolder holder) {
                    certs.add(CONVERTER.getCertificate(holder));
                }
            }
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException("malformed PEM certificate data: " + e.getMessage(), e);
        }
        return List.copyOf(certs);
    }

    /**
     * The first private key in a PEM text. Accepts PKCS#8 and the traditional "RSA/EC PRIVATE
     * KEY" forms, because cert-manager writes PKCS#1 unless told otherwise.
     */
    public static PrivateKey privateKeyFromPem(String pem) {
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            Object o;
            while ((o = parser.readObject()) != null) {
                if (o instanceof PrivateKeyInfo info) {
                    return converter.getPrivateKey(info);
                }
                if (o instanceof PEMKeyPair pair) {
                    return converter.getKeyPair(pair).getPrivate();
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("malformed PEM private key data: " + e.getMessage(), e);
        }
        throw new IllegalArgumentException("no private key found in PEM data");
    }

    // ---- internals ----

    private KeyPair generateKeyPair() {
        try {
            if (algorithm == KeyAlgorithm.RSA_2048) {
                KeyPairGenerator gen = KeyPairGenerator.getInstance("RSA");
                gen.initialize(2048, RANDOM);
                return gen.generateKeyPair();
            }
            KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
            gen.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return gen.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate " + algorithm + " key pair", e);
        }
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signer)
            throws GeneralSecurityException {
        try {
            String sigAlg = "EC".equals(signer.getAlgorithm()) ? "SHA256withECDSA" : "SHA256withRSA";
            return CONVERTER.getCertificate(builder.build(new JcaContentSignerBuilder(sigAlg).build(signer)));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    private static X500Name name(String commonName) {
        return new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.O, "mesh-operator")
                .addRDN(BCStyle.CN, commonName)
                .build();
    }

    // Positive 127-bit serials: unique without coordination and within RFC 5280's 20 octets.
    private static BigInteger serial() {
        return new BigInteger(127, RANDOM).add(BigInteger.ONE);
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    private static List<String> subjectAlternativeNames(X509Certificate cert, int type) {
        try {
            Collection<List<?>> sans = cert.getSubjectAlternativeNames();
            if (sans == null) {
                return List.of();
            }
            List<String> out = new ArrayList<>();
            for (List<?> san : sans) {
                if (((Integer) san.get(0)) == type) {
                    String value = (String) san.get(1);
                    out.add(type == GeneralName.iPAddress ? normaliseIp(value) : value);
                }
            }
            return List.copyOf(out);
        } catch (CertificateParsingException e) {
            throw new IllegalArgumentException("unreadable subjectAltName", e);
        }
    }

    private static String writePem(Object... objects) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            for (Object o : objects) {
                writer.writeObject(o);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

}
