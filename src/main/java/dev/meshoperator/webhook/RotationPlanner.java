package dev.meshoperator.webhook;

import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;

/** Decides what, if anything, a self-managed bundle needs now. Pure: no clock, no I/O. */
final class RotationPlanner {

    enum Action {
        /** Nothing to do. */
        KEEP,
        /** Drop expired CAs from the trust bundle. */
        PRUNE_EXPIRED_CAS,
        /** New serving certificate from the current CA. */
        ISSUE_SERVING,
        /** New CA; the old one stays trusted and keeps signing serving certificates for the overlap. */
        ROTATE_CA,
        /** Start over: the CA has expired, so nothing can be rescued without a failure anyway. */
        REPLACE_ALL
    }

    record Plan(Action action, String reason) {
    }

    private RotationPlanner() {
    }

    static Plan plan(CertificateBundle bundle, CertificatePolicy policy, Instant now) {
        X509Certificate ca = bundle.caCert();
        X509Certificate serving = bundle.servingCert();
        if (Certificates.expiresWithin(ca, java.time.Duration.ZERO, now)) {
            return new Plan(Action.REPLACE_ALL, "CA expired at " + ca.getNotAfter().toInstant());
        }
        if (Certificates.expiresWithin(ca, policy.caRenewBefore(), now)) {
            if (renewFromTheCurrentCaFirst(ca, serving, policy, now)) {
                return new Plan(Action.ISSUE_SERVING, "serving certificate expires at "
                        + serving.getNotAfter().toInstant() + ", within the overlap of the coming CA rotation;"
                        + " renewing it from the current CA first");
            }
            return new Plan(Action.ROTATE_CA, "CA expires at " + ca.getNotAfter().toInstant());
        }
        if (!signedBy(serving, ca)) {
            boolean byPrevious = bundle.previousCaCerts().stream().anyMatch(old -> signedBy(serving, old));
            if (!byPrevious) {
                return new Plan(Action.ISSUE_SERVING, "serving certificate is not signed by a trusted CA");
            }
            Instant overlapEnds = ca.getNotBefore().toInstant().plus(Certificates.BACKDATE).plus(policy.caOverlap());
            if (!now.isBefore(overlapEnds)) {
                return new Plan(Action.ISSUE_SERVING, "CA overlap ended; moving the serving certificate to the new CA");
            }
            if (Certificates.expiresWithin(serving, java.time.Duration.between(now, overlapEnds), now)) {
                // The last resort: renewFromTheCurrentCaFirst avoids it whenever the old CA allows.
                return new Plan(Action.ISSUE_SERVING, "serving certificate expires before the CA overlap ends");
            }
            // Any other renewal waits for the overlap to end: a certificate from the new CA
            // could reach an API server that does not trust that CA yet.
            return hasExpired(bundle.previousCaCerts(), now)
                    ? new Plan(Action.PRUNE_EXPIRED_CAS, "expired CAs in the trust bundle")
                    : new Plan(Action.KEEP, "CA overlap in progress");
        }
        if (Certificates.expiresWithin(serving, policy.servingRenewBefore(), now)) {
            return new Plan(Action.ISSUE_SERVING, "serving certificate expires at " + serving.getNotAfter().toInstant());
        }
        if (!new HashSet<>(Certificates.dnsNames(serving)).equals(new HashSet<>(policy.dnsNames()))
                || !new HashSet<>(Certificates.ipAddresses(serving)).equals(new HashSet<>(policy.ipAddresses()))) {
            return new Plan(Action.ISSUE_SERVING, "serving certificate names differ from the configured ones");
        }
        if (hasExpired(bundle.previousCaCerts(), now)) {
            return new Plan(Action.PRUNE_EXPIRED_CAS, "expired CAs in the trust bundle");
        }
        return new Plan(Action.KEEP, "certificates are current");
    }

    /**
     * A serving certificate that expires within the overlap would, once the CA is rotated, have to
     * be renewed from the new CA at once (see "expires before the CA overlap ends"), before any
     * webhook configuration or API server may trust that CA: the new bundle and a certificate that
     * needs it would go out together. So when the rotation is due and the serving certificate would
     * not last through the overlap, it is renewed from the current CA first, as long as a fresh one
     * from that CA does last (the CA itself outlives the overlap). Otherwise, e.g. after the
     * operator was down until the CA nearly expired, the renewal from the new CA stays the last resort.
     */
    private static boolean renewFromTheCurrentCaFirst(X509Certificate ca, X509Certificate serving,
                                                      CertificatePolicy policy, Instant now) {
        if (!Certificates.expiresWithin(serving, policy.caOverlap(), now)) {
            return false;
        }
        Instant fresh = now.plus(policy.servingValidity());
        Instant caEnds = ca.getNotAfter().toInstant();
        if (caEnds.isBefore(fresh)) {
            fresh = caEnds;
        }
        // Certificate times have whole seconds: a fresh certificate may end up to a second early.
        return fresh.isAfter(now.plus(policy.caOverlap()).plusSeconds(1));
    }

    static boolean signedBy(X509Certificate cert, X509Certificate ca) {
        if (!cert.getIssuerX500Principal().equals(ca.getSubjectX500Principal())) {
            return false;
        }
        try {
            cert.verify(ca.getPublicKey());
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static boolean hasExpired(List<X509Certificate> cas, Instant now) {
        return cas.stream().anyMatch(c -> Certificates.expiresWithin(c, java.time.Duration.ZERO, now));
    }
}
