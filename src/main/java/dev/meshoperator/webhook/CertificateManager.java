package dev.meshoperator.webhook;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Keeps the webhook's certificates usable: loads them from the shared store (creating them on
 * first start), renews them ahead of expiry, and publishes the serving identity (to the
 * {@link AdmissionServer}) and the CA bundle (to whoever writes webhook configurations).
 *
 * <p>Every replica runs one. All of them read the same store each {@link #reconcile()}, and all
 * writes are compare-and-swap, so replicas that race converge on whichever write won.
 *
 * <pre>{@code
 * CertificateStore store = new KubernetesSecretCertificateStore(client, "mesh-system", "mesh-webhook-certs");
 * CertificateManager certs = new CertificateManager(store,
 *         CertificatePolicy.forService("mesh-webhook", "mesh-system"), CertificateManager.Mode.MANAGED, Clock.systemUTC());
 * certs.addCaBundleListener(pem -> webhookConfigSync.setCaBundle(pem));
 * certs.reconcile();                              // fail fast at startup
 * certs.start(Duration.ofMinutes(1));             // then keep checking
 * AdmissionServer server = AdmissionServer.builder().identity(certs::servingIdentity)...start();
 * }</pre>
 */
public final class CertificateManager implements AutoCloseable {

    public enum Mode {
        /** The operator creates and rotates its own CA and serving certificate. */
        MANAGED,
        /** cert-manager (or anyone else) maintains the Secret; the operator only reads it. */
        EXTERNAL
    }

    private static final Logger LOG = LoggerFactory.getLogger(CertificateManager.class);
    private static final int MAX_CONFLICT_RETRIES = 5;

    private final CertificateStore store;
    private final CertificatePolicy policy;
    private final Mode mode;
    private final Clock clock;
    private final Certificates certificates;
    private final AtomicReference<ServingIdentity> identity = new AtomicReference<>();
    private final AtomicReference<String> caBundle = new AtomicReference<>();
    private final List<Consumer<String>> caBundleListeners = new CopyOnWriteArrayList<>();
    private ScheduledExecutorService scheduler;

    public CertificateManager(CertificateStore store, CertificatePolicy policy, Mode mode, Clock clock) {
        this.store = Objects.requireNonNull(store, "store");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.mode = Objects.requireNonNull(mode, "mode");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.certificates = new Certificates(clock, policy.keyAlgorithm());
    }

    /** The current serving identity; null until a reconcile has succeeded. Use as {@code certs::servingIdentity}. */
    public ServingIdentity servingIdentity() {
        return identity.get();
    }

    /** The current CA bundle (PEM; base64-encode it for a webhook's {@code caBundle}). */
    public Optional<String> caBundle() {
        return Optional.ofNullable(caBundle.get());
    }

    public boolean isReady() {
        return identity.get() != null;
    }

    /**
     * Called with the PEM CA bundle whenever it changes, on the reconciling thread, before
     * {@link #servingIdentity()} moves to a certificate that needs the new bundle; called at once
     * if a bundle is already known.
     */
    public void addCaBundleListener(Consumer<String> listener) {
        caBundleListeners.add(listener);
        String current = caBundle.get();
        if (current != null) {
            listener.accept(current);
        }
    }

    /**
     * One pass: read the store, create or renew if needed, publish. Throws if the store cannot be
     * reached or holds unusable data in external mode; the previous identity stays in use.
     */
    public synchronized void reconcile() {
        if (mode == Mode.EXTERNAL) {
            reconcileExternal();
        } else {
            reconcileManaged();
        }
    }

    /** Reconciles every {@code interval} on a daemon thread; failures are logged and retried. */
    public synchronized void start(Duration interval) {
        if (scheduler != null) {
            throw new IllegalStateException("already started");
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "webhook-certificates");
            t.setDaemon(true);
            return t;
        });
        scheduler.scheduleWithFixedDelay(() -> {
            try {
                reconcile();
            } catch (RuntimeException e) {
                LOG.error("certificate reconcile against {} failed; keeping the current certificates", store.describe(), e);
            }
        }, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
            scheduler = null;
        }
    }

    private void reconcileExternal() {
        Optional<CertificateStore.Stored> stored = store.load();
        if (stored.isEmpty()) {
            throw new IllegalStateException(store.describe() + " does not exist yet; waiting for cert-manager to create it");
        }
        ServingIdentity next;
        String bundle;
        try {
            next = CertificateSecretFormat.servingIdentity(stored.get().data());
            bundle = CertificateSecretFormat.caBundlePem(stored.get().data());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(store.describe() + " is unusable: " + e.getMessage(), e);
        }
        if (Certificates.expiresWithin(next.leaf(), Duration.ZERO, clock.instant())) {
            LOG.warn("{} holds a serving certificate that expired at {}; is cert-manager renewing it?",
                    store.describe(), next.leaf().getNotAfter().toInstant());
        }
        publish(next, bundle);
    }

    private void reconcileManaged() {
        CertificateStore.Stored stored = store.load().orElseGet(() -> {
            LOG.info("no webhook certificates in {}; creating a CA and serving certificate", store.describe());
            return store.createIfAbsent(CertificateSecretFormat.encode(freshBundle()));
        });
        for (int attempt = 0; ; attempt++) {
            CertificateBundle bundle;
            RotationPlanner.Plan plan;
            try {
                bundle = CertificateSecretFormat.decodeManaged(stored.data());
                plan = RotationPlanner.plan(bundle, policy, clock.instant());
            } catch (IllegalArgumentException e) {
                // Someone edited the Secret into something unusable; starting over is the only way out.
                LOG.error("{} holds unusable certificates ({}); replacing them", store.describe(), e.getMessage());
                bundle = null;
                plan = new RotationPlanner.Plan(RotationPlanner.Action.REPLACE_ALL, "unusable data");
            }
            if (plan.action() == RotationPlanner.Action.KEEP) {
                publish(bundle.servingIdentity(), bundle.caBundlePem());
                return;
            }
            if (attempt >= MAX_CONFLICT_RETRIES) {
                throw new IllegalStateException("could not update " + store.describe() + " after "
                        + attempt + " conflicting writes");
            }
            CertificateBundle next = apply(plan.action(), bundle);
            LOG.info("webhook certificates: {} ({})", describe(plan.action()), plan.reason());
            stored = store.replace(stored.version(), CertificateSecretFormat.encode(next));
            // Loop: re-plan from what is stored now, ours or another replica's.
        }
    }

    private CertificateBundle apply(RotationPlanner.Action action, CertificateBundle current) {
        Instant now = clock.instant();
        return switch (action) {
            case REPLACE_ALL -> freshBundle();
            case ROTATE_CA -> {
                IssuedCertificate newCa = certificates.createCa(policy.caCommonName(), policy.caValidity());
                List<X509Certificate> kept = new ArrayList<>();
                kept.add(current.caCert());
                kept.addAll(unexpired(current.previousCaCerts(), now));
                yield new CertificateBundle(newCa.certificate(), newCa.key(), current.servingCert(), current.servingKey(), kept);
            }
            case ISSUE_SERVING -> {
                IssuedCertificate serving = issueServing(new IssuedCertificate(current.caCert(), current.caKey()));
                yield new CertificateBundle(current.caCert(), current.caKey(), serving.certificate(), serving.key(),
                        unexpired(current.previousCaCerts(), now));
            }
            case PRUNE_EXPIRED_CAS -> new CertificateBundle(current.caCert(), current.caKey(), current.servingCert(),
                    current.servingKey(), unexpired(current.previousCaCerts(), now));
            case KEEP -> current;
        };
    }

    private CertificateBundle freshBundle() {
        IssuedCertificate ca = certificates.createCa(policy.caCommonName(), policy.caValidity());
        IssuedCertificate serving = issueServing(ca);
        return new CertificateBundle(ca.certificate(), ca.key(), serving.certificate(), serving.key(), List.of());
    }

    private IssuedCertificate issueServing(IssuedCertificate ca) {
        return certificates.createServing(ca, policy.servingCommonName(), policy.dnsNames(), policy.ipAddresses(),
                policy.servingValidity());
    }

    /**
     * The bundle goes out first: listeners (the webhook configurations) have it before the server
     * presents a certificate that may need it. When both change at once (a replaced CA, or a
     * serving certificate that had to move to a new CA early), the other order would show new
     * connections a certificate the API server does not trust yet. No step removes the CA of the
     * certificate being presented while it is still valid, so this order never hurts.
     */
    private void publish(ServingIdentity next, String bundle) {
        String old = caBundle.getAndSet(bundle);
        if (!bundle.equals(old)) {
            for (Consumer<String> listener : caBundleListeners) {
                try {
                    listener.accept(bundle);
                } catch (RuntimeException e) {
                    LOG.error("CA bundle listener failed", e);
                }
            }
        }
        ServingIdentity previous = identity.getAndSet(next);
        if (previous == null || !previous.leaf().equals(next.leaf())) {
            LOG.info("serving certificate {} valid until {}", next.leaf().getSerialNumber().toString(16),
                    next.leaf().getNotAfter().toInstant());
        }
    }

    private static List<X509Certificate> unexpired(List<X509Certificate> cas, Instant now) {
        return cas.stream().filter(c -> !Certificates.expiresWithin(c, Duration.ZERO, now)).toList();
    }

    private static String describe(RotationPlanner.Action action) {
        return switch (action) {
            case KEEP -> "keeping";
            case PRUNE_EXPIRED_CAS -> "dropping expired CAs from the bundle";
            case ISSUE_SERVING -> "issuing a new serving certificate";
            case ROTATE_CA -> "adding a new CA, old CA trusted during the overlap";
            case REPLACE_ALL -> "creating a new CA and serving certificate";
        };
    }
}
