package dev.meshoperator.webhook;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Where the webhook's certificates live so that every replica serves the same ones: in
 * production a Kubernetes Secret. Data is the Secret's key/value content, already base64-decoded
 * (keys {@code ca.crt}, {@code ca.key}, {@code tls.crt}, {@code tls.key}); the version is an
 * opaque token for compare-and-swap (the resourceVersion).
 *
 * <p>Writes never fail because another replica won a race: they return what is stored now,
 * which is either what was written or the winner's data. Callers adopt the result.
 */
public interface CertificateStore {

    /** What is stored, with the version to pass to {@link #replace}. */
    record Stored(Map<String, String> data, String version) {
        public Stored {
            data = Map.copyOf(data);
            Objects.requireNonNull(version, "version");
        }
    }

    Optional<Stored> load();

    /** Stores {@code data} unless something is stored already; either way returns what is stored. */
    Stored createIfAbsent(Map<String, String> data);

    /**
     * Stores {@code data} if the stored version is still {@code expectedVersion}; either way
     * returns what is stored afterwards.
     */
    Stored replace(String expectedVersion, Map<String, String> data);

    /** A short description for log messages, e.g. "Secret mesh-system/mesh-webhook-certs". */
    String describe();
}
