package dev.meshoperator.webhook;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What certificates the operator makes and when it renews them.
 *
 * @param caRenewBefore      a new CA is made this long before the current one expires
 * @param caOverlap          after a new CA appears in the bundle, serving certificates keep being
 *                           signed by the old one for this long, so every webhook configuration
 *                           and replica has the new bundle before any server presents a
 *                           certificate that needs it
 * @param servingRenewBefore a new serving certificate is made this long before expiry
 */
public record CertificatePolicy(
        String caCommonName,
        String servingCommonName,
        List<String> dnsNames,
        List<String> ipAddresses,
        KeyAlgorithm keyAlgorithm,
        Duration caValidity,
        Duration caRenewBefore,
        Duration caOverlap,
        Duration servingValidity,
        Duration servingRenewBefore) {

    public CertificatePolicy {
        Objects.requireNonNull(caCommonName, "caCommonName");
        Objects.requireNonNull(servingCommonName, "servingCommonName");
        dnsNames = List.copyOf(dnsNames);
        ipAddresses = ipAddresses.stream().map(Certificates::normaliseIp).toList();
        Objects.requireNonNull(keyAlgorithm, "keyAlgorithm");
        if (dnsNames.isEmpty() && ipAddresses.isEmpty()) {
            throw new IllegalArgumentException("at least one DNS name or IP address is needed");
        }
        if (caValidity.compareTo(caRenewBefore) <= 0 || servingValidity.compareTo(servingRenewBefore) <= 0) {
            throw new IllegalArgumentException("validity must exceed the renew-before period");
        }
        // Otherwise, during an overlap, a serving certificate clamped to the old CA's expiry
        // would already be due for renewal, and could only be renewed from the old CA again.
        if (caRenewBefore.compareTo(caOverlap.plus(servingRenewBefore)) <= 0) {
            throw new IllegalArgumentException("caRenewBefore must exceed caOverlap + servingRenewBefore");
        }
    }

    /**
     * Defaults for a webhook Service: CA 10 years (renewed a year ahead, one day of overlap),
     * serving certificate 90 days (renewed 30 days ahead), EC P-256.
     */
    public static CertificatePolicy forService(String service, String namespace) {
        return new CertificatePolicy(
                service + "-ca", service + "." + namespace + ".svc",
                List.of(service + "." + namespace + ".svc", service + "." + namespace + ".svc.cluster.local",
                        service + "." + namespace, service),
                List.of(),
                KeyAlgorithm.EC_P256,
                Duration.ofDays(3650), Duration.ofDays(365), Duration.ofDays(1),
                Duration.ofDays(90), Duration.ofDays(30));
    }

    /** The same policy with other SANs, e.g. 127.0.0.1 for a url clientConfig. */
    public CertificatePolicy withSans(List<String> dns, List<String> ips) {
        return new CertificatePolicy(caCommonName, servingCommonName, dns, ips, keyAlgorithm,
                caValidity, caRenewBefore, caOverlap, servingValidity, servingRenewBefore);
    }

    public CertificatePolicy withTimings(Duration caValidity, Duration caRenewBefore, Duration caOverlap,
                                         Duration servingValidity, Duration servingRenewBefore) {
        return new CertificatePolicy(caCommonName, servingCommonName, dnsNames, ipAddresses, keyAlgorithm,
                caValidity, caRenewBefore, caOverlap, servingValidity, servingRenewBefore);
    }
}
