package dev.meshoperator.webhook;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

/** What the HTTPS server presents: a key and its certificate chain, leaf first. */
public record ServingIdentity(PrivateKey key, List<X509Certificate> chain) {
    public ServingIdentity {
        Objects.requireNonNull(key, "key");
        chain = List.copyOf(chain);
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("certificate chain is empty");
        }
    }

    public X509Certificate leaf() {
        return chain.get(0);
    }
}
