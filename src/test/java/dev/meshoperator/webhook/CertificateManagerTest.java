package dev.meshoperator.webhook;

import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CertificateManagerTest {

    private static final Instant START = Instant.parse("2030-01-01T00:00:00Z");

    private final MutableClock clock = new MutableClock(START);
    private final InMemoryCertificateStore store = new InMemoryCertificateStore();
    private final CertificatePolicy policy = CertificatePolicy.forService("mesh-webhook", "mesh-system")
            .withSans(List.of("mesh-webhook.mesh-system.svc", "localhost"), List.of("127.0.0.1"));
    private final List<String> published = new ArrayList<>();

    private CertificateManager manager(CertificateStore s, CertificatePolicy p) {
        CertificateManager m = new CertificateManager(s, p, CertificateManager.Mode.MANAGED, clock);
        m.addCaBundleListener(published::add);
        return m;
    }

    @Test
    void firstReconcileCreatesAndPublishes() throws Exception {
        CertificateManager m = manager(store, policy);
        assertThat(m.isReady()).isFalse();

        m.reconcile();

        assertThat(m.isReady()).isTrue();
        Map<String, String> data = store.load().orElseThrow().data();
        assertThat(data).containsOnlyKeys("ca.crt", "ca.key", "tls.crt", "tls.key");
        CertificateBundle bundle = CertificateSecretFormat.decodeManaged(data);
        X509Certificate leaf = m.servingIdentity().leaf();
        assertThat(leaf).isEqualTo(bundle.servingCert());
        leaf.verify(bundle.caCert().getPublicKey());
        assertThat(Certificates.dnsNames(leaf)).containsExactlyInAnyOrder("mesh-webhook.mesh-system.svc", "localhost");
        assertThat(Certificates.ipAddresses(leaf)).containsExactly("127.0.0.1");
        assertThat(leaf.getNotAfter().toInstant()).isEqualTo(START.plus(policy.servingValidity()));
        assertThat(published).hasSize(1);
        assertThat(Certificates.certificatesFromPem(published.get(0))).containsExactly(bundle.caCert());
        assertThat(m.caBundle()).hasValue(published.get(0));
    }

    @Test
    void replicasShareOneSecret() {
        CertificateManager a = manager(store, policy);
        CertificateManager b = manager(store, policy);

        a.reconcile();
        b.reconcile();

        assertThat(b.servingIdentity().leaf()).isEqualTo(a.servingIdentity().leaf());
        assertThat(store.writes()).isEqualTo(1);
    }

    @Test
    void losingTheCreateRaceAdoptsTheWinnersCertificates() {
        CertificateManager winner = manager(store, policy);
        winner.reconcile();
        // The loser looked before the winner's create landed, so its own create conflicts.
        CertificateStore lateView = new DelegatingStore(store) {
            private boolean first = true;

            @Override
            public Optional<Stored> load() {
                if (first) {
                    first = false;
                    return Optional.empty();
                }
                return super.load();
            }
        };
        CertificateManager loser = manager(lateView, policy);

        loser.reconcile();

        assertThat(loser.servingIdentity().leaf()).isEqualTo(winner.servingIdentity().leaf());
        assertThat(store.writes()).isEqualTo(1);
    }

    @Test
    void keepsCurrentCertificatesWithoutWriting() {
        CertificateManager m = manager(store, policy);
        m.reconcile();
        BigInteger serial = m.servingIdentity().leaf().getSerialNumber();

        clock.advance(Duration.ofDays(59));
        m.reconcile();

        assertThat(m.servingIdentity().leaf().getSerialNumber()).isEqualTo(serial);
        assertThat(store.writes()).isEqualTo(1);
        assertThat(published).hasSize(1);
    }

    @Test
    void renewsTheServingCertificateBeforeExpiryUnderTheSameCa() throws Exception {
        CertificateManager m = manager(store, policy);
        m.reconcile();
        X509Certificate before = m.servingIdentity().leaf();

        clock.advance(policy.servingValidity().minus(policy.servingRenewBefore()).plusHours(1));
        m.reconcile();

        X509Certificate after = m.servingIdentity().leaf();
        assertThat(after.getSerialNumber()).isNotEqualTo(before.getSerialNumber());
        assertThat(after.getNotAfter()).isAfter(before.getNotAfter());
        after.verify(CertificateSecretFormat.decodeManaged(store.load().orElseThrow().data()).caCert().getPublicKey());
        assertThat(published).as("the CA bundle did not change, so no new publication").hasSize(1);
    }

    @Test
    void reissuesWhenTheConfiguredNamesChange() {
        manager(store, policy).reconcile();
        CertificateManager m = manager(store, policy.withSans(List.of("other.mesh-system.svc"), List.of()));

        m.reconcile();

        assertThat(Certificates.dnsNames(m.servingIdentity().leaf())).containsExactly("other.mesh-system.svc");
        assertThat(Certificates.ipAddresses(m.servingIdentity().leaf())).isEmpty();
    }

    /**
     * Day by day through several CA lifetimes: at every step the presented certificate must be
     * verifiable with the bundle published before the step (what an API server may still hold)
     * and with the one published after it. That is "rotation without a failed admission".
     */
    @Test
    void caRotationKeepsEveryServedCertificateVerifiableByOldAndNewBundles() {
        CertificatePolicy shortLived = policy.withTimings(Duration.ofDays(100), Duration.ofDays(40), Duration.ofDays(3),
                Duration.ofDays(20), Duration.ofDays(5));
        CertificateManager m = manager(store, shortLived);
        m.reconcile();
        List<BigInteger> caSerials = new ArrayList<>();
        caSerials.add(caSerial());
        Instant firstCaRotation = null;
        Instant firstSwitch = null;
        int maxBundleSize = 1;

        for (int day = 1; day <= 250; day++) {
            X509Certificate leaf = nextDay(m, day);
            String bundleAfter = m.caBundle().orElseThrow();
            assertThat(verifiesWith(leaf, bundleAfter)).as("day %d: leaf trusted by the current bundle", day).isTrue();

            BigInteger ca = caSerial();
            if (!caSerials.contains(ca)) {
                caSerials.add(ca);
                if (firstCaRotation == null) {
                    firstCaRotation = clock.instant();
                }
            }
            if (firstCaRotation != null && firstSwitch == null && signedByCurrentCa(leaf)) {
                firstSwitch = clock.instant();
            }
            maxBundleSize = Math.max(maxBundleSize, Certificates.certificatesFromPem(bundleAfter).size());
        }

        assertThat(caSerials).hasSizeGreaterThanOrEqualTo(3);
        assertThat(firstCaRotation).isEqualTo(START.plus(Duration.ofDays(60)));
        assertThat(firstSwitch).isEqualTo(firstCaRotation.plus(shortLived.caOverlap()));
        assertThat(maxBundleSize).isEqualTo(2);
        assertThat(Certificates.certificatesFromPem(m.caBundle().orElseThrow()))
                .as("expired CAs are pruned").allSatisfy(c -> assertThat(c.getNotAfter().toInstant()).isAfter(clock.instant()));
    }

    /**
     * CA 100 days renewed 40 ahead, 5 days of overlap; serving 20 days renewed 5 ahead. The serving
     * certificate of day 45 is due on day 60, the day the CA is rotated, and would not last through
     * the overlap: it is renewed from the old CA first, and moves to the new CA only when the
     * overlap ends. Every day, the presented certificate chains to the bundle of the day before.
     */
    @Test
    void aServingRenewalDueWithTheCaRotationIsTakenFromTheOldCaFirst() {
        CertificatePolicy coinciding = policy.withTimings(Duration.ofDays(100), Duration.ofDays(40), Duration.ofDays(5),
                Duration.ofDays(20), Duration.ofDays(5));
        CertificateManager m = manager(store, coinciding);
        m.reconcile();
        BigInteger firstCa = caSerial();
        Instant firstSwitch = null;

        for (int day = 1; day <= 80; day++) {
            X509Certificate leaf = nextDay(m, day);
            if (day == 60) {
                assertThat(caSerial()).as("day 60: the CA is rotated").isNotEqualTo(firstCa);
                assertThat(signedByCurrentCa(leaf)).as("day 60: the serving certificate still comes from the old CA").isFalse();
                assertThat(leaf.getNotAfter().toInstant()).as("day 60: renewed, so it lasts through the overlap")
                        .isAfter(clock.instant().plus(coinciding.caOverlap()));
            }
            if (firstSwitch == null && !caSerial().equals(firstCa) && signedByCurrentCa(leaf)) {
                firstSwitch = clock.instant();
            }
        }
        assertThat(firstSwitch).isEqualTo(START.plus(Duration.ofDays(65)));
    }

    /**
     * The operator was down until the CA had half a day left, less than the overlap: the serving
     * certificate must move to the new CA at once. Listeners (the webhook configurations) get the
     * new bundle while the server still presents the old certificate, never after.
     */
    @Test
    void listenersGetTheNewBundleBeforeTheServerPresentsACertificateThatNeedsIt() {
        CertificateManager m = new CertificateManager(store, policy, CertificateManager.Mode.MANAGED, clock);
        m.reconcile();
        X509Certificate before = m.servingIdentity().leaf();
        List<X509Certificate> presentedWhenPublished = new ArrayList<>();
        m.addCaBundleListener(pem -> presentedWhenPublished.add(m.servingIdentity().leaf()));
        presentedWhenPublished.clear();

        clock.advance(policy.caValidity().minus(Duration.ofHours(12)));
        m.reconcile();

        X509Certificate after = m.servingIdentity().leaf();
        assertThat(signedByCurrentCa(after)).as("moved to the new CA at once: the old one ends within the overlap").isTrue();
        assertThat(Certificates.certificatesFromPem(m.caBundle().orElseThrow())).hasSize(2);
        assertThat(presentedWhenPublished).as("what the server presented while the listener ran").containsExactly(before);

        // A CA that has expired outright: the same order.
        presentedWhenPublished.clear();
        clock.advance(Duration.ofDays(3651));
        m.reconcile();
        assertThat(presentedWhenPublished).containsExactly(after);
        assertThat(m.servingIdentity().leaf()).isNotEqualTo(after);
    }

    @Test
    void anExpiredCaIsReplacedOutright() {
        CertificateManager m = manager(store, policy);
        m.reconcile();
        BigInteger oldCa = caSerial();

        clock.advance(policy.caValidity().plusDays(1));
        m.reconcile();

        assertThat(caSerial()).isNotEqualTo(oldCa);
        assertThat(Certificates.certificatesFromPem(m.caBundle().orElseThrow())).hasSize(1);
        assertThat(published).hasSize(2);
    }

    @Test
    void unusableManagedDataIsReplaced() {
        store.createIfAbsent(Map.of("tls.crt", "garbage"));
        CertificateManager m = manager(store, policy);

        m.reconcile();

        assertThat(m.isReady()).isTrue();
        assertThat(store.load().orElseThrow().data()).containsKeys("ca.crt", "ca.key", "tls.crt", "tls.key");
    }

    @Test
    void aConcurrentRenewalByAnotherReplicaIsAdoptedNotOverwritten() {
        CertificateManager a = manager(store, policy);
        a.reconcile();
        clock.advance(policy.servingValidity().minus(policy.servingRenewBefore()).plusHours(1));
        CertificateManager other = new CertificateManager(store, policy, CertificateManager.Mode.MANAGED, clock);
        AtomicBoolean raced = new AtomicBoolean();
        CertificateStore racing = new DelegatingStore(store) {
            @Override
            public Stored replace(String expectedVersion, Map<String, String> data) {
                if (raced.compareAndSet(false, true)) {
                    other.reconcile(); // the other replica renews first
                }
                return super.replace(expectedVersion, data);
            }
        };
        CertificateManager b = manager(racing, policy);

        b.reconcile();

        assertThat(raced).isTrue();
        assertThat(b.servingIdentity().leaf()).isEqualTo(other.servingIdentity().leaf());
        assertThat(store.writes()).isEqualTo(2);
    }

    @Test
    void externalModeReadsCertManagerSecretAndNeverWrites() {
        Certificates rsa = new Certificates(clock, KeyAlgorithm.RSA_2048);
        IssuedCertificate ca = rsa.createCa("cert-manager-ca", Duration.ofDays(365));
        IssuedCertificate serving = rsa.createServing(ca, "w", List.of("mesh-webhook.mesh-system.svc"), List.of(), Duration.ofDays(90));
        java.io.StringWriter pkcs1 = new java.io.StringWriter();
        try (var w = new org.bouncycastle.openssl.jcajce.JcaPEMWriter(pkcs1)) {
            w.writeObject(serving.key());
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        store.createIfAbsent(Map.of(
                "tls.crt", Certificates.toPem(serving.certificate(), ca.certificate()),
                "tls.key", pkcs1.toString(),
                "ca.crt", Certificates.toPem(ca.certificate())));
        CertificateManager m = new CertificateManager(store, policy, CertificateManager.Mode.EXTERNAL, clock);
        m.addCaBundleListener(published::add);

        m.reconcile();

        assertThat(m.servingIdentity().chain()).containsExactly(serving.certificate(), ca.certificate());
        assertThat(m.servingIdentity().key().getEncoded()).isEqualTo(serving.key().getEncoded());
        assertThat(Certificates.certificatesFromPem(published.get(0))).containsExactly(ca.certificate());
        clock.advance(Duration.ofDays(400));
        m.reconcile();
        assertThat(store.writes()).isEqualTo(1);
    }

    @Test
    void externalModeWithoutTheSecretIsNotReadyAndCreatesNothing() {
        CertificateManager m = new CertificateManager(store, policy, CertificateManager.Mode.EXTERNAL, clock);

        assertThatThrownBy(m::reconcile).isInstanceOf(IllegalStateException.class).hasMessageContaining("cert-manager");
        assertThat(m.isReady()).isFalse();
        assertThat(store.load()).isEmpty();
    }

    @Test
    void lateListenerGetsTheCurrentBundle() {
        CertificateManager m = manager(store, policy);
        m.reconcile();
        List<String> late = new ArrayList<>();

        m.addCaBundleListener(late::add);

        assertThat(late).containsExactly(m.caBundle().orElseThrow());
    }

    @Test
    void policyRejectsTimingsThatCannotRotateSafely() {
        assertThatThrownBy(() -> policy.withTimings(Duration.ofDays(100), Duration.ofDays(10), Duration.ofDays(6),
                Duration.ofDays(20), Duration.ofDays(5))).isInstanceOf(IllegalArgumentException.class);
    }

    // ---- helpers ----

    /**
     * A day passes and {@code m} reconciles; the certificate it now presents is still valid and
     * chains to the bundle published before that step (what an API server may still hold).
     */
    private X509Certificate nextDay(CertificateManager m, int day) {
        String bundleBefore = m.caBundle().orElseThrow();
        clock.advance(Duration.ofDays(1));
        m.reconcile();
        X509Certificate leaf = m.servingIdentity().leaf();
        assertThat(verifiesWith(leaf, bundleBefore)).as("day %d: leaf trusted by the previous bundle", day).isTrue();
        assertThat(leaf.getNotAfter().toInstant()).as("day %d: serving certificate still valid", day).isAfter(clock.instant());
        return leaf;
    }

    private BigInteger caSerial() {
        return CertificateSecretFormat.decodeManaged(store.load().orElseThrow().data()).caCert().getSerialNumber();
    }

    private boolean signedByCurrentCa(X509Certificate leaf) {
        return RotationPlanner.signedBy(leaf, CertificateSecretFormat.decodeManaged(store.load().orElseThrow().data()).caCert());
    }

    private boolean verifiesWith(X509Certificate leaf, String bundlePem) {
        return Certificates.certificatesFromPem(bundlePem).stream()
                .anyMatch(ca -> RotationPlanner.signedBy(leaf, ca) && ca.getNotAfter().toInstant().isAfter(clock.instant()));
    }

    private static class DelegatingStore implements CertificateStore {
        private final CertificateStore delegate;

        DelegatingStore(CertificateStore delegate) {
            this.delegate = delegate;
        }

        @Override
        public Optional<Stored> load() {
            return delegate.load();
        }

        @Override
        public Stored createIfAbsent(Map<String, String> data) {
            return delegate.createIfAbsent(data);
        }

        @Override
        public Stored replace(String expectedVersion, Map<String, String> data) {
            return delegate.replace(expectedVersion, data);
        }

        @Override
        public String describe() {
            return "delegating " + delegate.describe();
        }
    }
}
