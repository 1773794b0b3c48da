package dev.meshoperator.webhook;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Secret layout, compatible with {@code kubernetes.io/tls} and cert-manager:
 * {@code tls.crt} the serving chain (leaf first), {@code tls.key} its PKCS#8 key, {@code ca.crt}
 * the trusted CAs (the signing CA first, then CAs kept during a rotation overlap) and
 * {@code ca.key} the signing CA's key (absent when cert-manager owns the Secret).
 */
public final class CertificateSecretFormat {

    public static final String CA_CERT = "ca.crt";
    public static final String CA_KEY = "ca.key";
    public static final String TLS_CERT = "tls.crt";
    public static final String TLS_KEY = "tls.key";

    private CertificateSecretFormat() {
    }

    public static Map<String, String> encode(CertificateBundle bundle) {
        Map<String, String> data = new LinkedHashMap<>();
        data.put(CA_CERT, bundle.caBundlePem());
        if (bundle.caKey() != null) {
            data.put(CA_KEY, Certificates.toPem(bundle.caKey()));
        }
        data.put(TLS_CERT, Certificates.toPem(bundle.servingCert()));
        data.put(TLS_KEY, Certificates.toPem(bundle.servingKey()));
        return data;
    }

    /** A self-managed bundle; needs all four keys. */
    public static CertificateBundle decodeManaged(Map<String, String> data) {
        List<X509Certificate> cas = certificates(data, CA_CERT);
        PrivateKey caKey = Certificates.privateKeyFromPem(required(data, CA_KEY));
        List<X509Certificate> serving = certificates(data, TLS_CERT);
        PrivateKey servingKey = Certificates.privateKeyFromPem(required(data, TLS_KEY));
        return new CertificateBundle(cas.get(0), caKey, serving.get(0), servingKey, cas.subList(1, cas.size()));
    }

    /** The serving identity in an externally managed Secret (every certificate of tls.crt). */
    public static ServingIdentity servingIdentity(Map<String, String> data) {
        return new ServingIdentity(Certificates.privateKeyFromPem(required(data, TLS_KEY)), certificates(data, TLS_CERT));
    }

    /** The CA bundle of an externally managed Secret, normalised to PEM certificates only. */
    public static String caBundlePem(Map<String, String> data) {
        return Certificates.toPem(certificates(data, CA_CERT));
    }

    private static List<X509Certificate> certificates(Map<String, String> data, String key) {
        List<X509Certificate> certs = Certificates.certificatesFromPem(required(data, key));
        if (certs.isEmpty()) {
            throw new IllegalArgumentException(key + " holds no PEM certificate");
        }
        return certs;
    }

    private static String required(Map<String, String> data, String key) {
        String value = data.get(key);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("missing " + key);
        }
        return value;
    }
}
