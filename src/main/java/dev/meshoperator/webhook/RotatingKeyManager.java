package dev.meshoperator.webhook;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A key manager that asks a supplier for the current serving identity on every handshake, so a
 * rotated certificate is used by the next connection without rebuilding the SSLContext.
 *
 * <p>JSSE asks for an alias first and for the chain and key by that alias later. If those were
 * three reads of "the current identity", a rotation in between would pair the new chain with the
 * old key and break that handshake. So the alias names one identity, and the identities handed
 * out recently stay resolvable by alias until they age out.
 */
final class RotatingKeyManager extends X509ExtendedKeyManager {

    private static final int REMEMBERED_IDENTITIES = 8;

    private final Supplier<ServingIdentity> source;
    private final Map<String, ServingIdentity> handedOut = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, ServingIdentity> eldest) {
            return size() > REMEMBERED_IDENTITIES;
        }
    };

    RotatingKeyManager(Supplier<ServingIdentity> source) {
        this.source = source;
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return chooseServerAlias(keyType, issuers, (Socket) null);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        ServingIdentity identity = source.get();
        if (identity == null || keyType == null || !keyTypeMatches(keyType, identity.key())) {
            return null;
        }
        String alias = "serving-" + identity.leaf().getSerialNumber().toString(16)
                + "-" + Integer.toHexString(System.identityHashCode(identity));
        synchronized (handedOut) {
            handedOut.put(alias, identity);
        }
        return alias;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        ServingIdentity identity = lookup(alias);
        return identity == null ? null : identity.chain().toArray(X509Certificate[]::new);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        ServingIdentity identity = lookup(alias);
        return identity == null ? null : identity.key();
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        String alias = chooseServerAlias(keyType, issuers, (Socket) null);
        return alias == null ? null : new String[] {alias};
    }

    // This is a server: it never authenticates itself as a client.
    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return null;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return null;
    }

    private ServingIdentity lookup(String alias) {
        if (alias == null) {
            return null;
        }
        synchronized (handedOut) {
            return handedOut.get(alias);
        }
    }

    // JSSE passes "EC", "RSA", "RSASSA-PSS" or legacy forms such as "EC_EC"; "RSASSA-PSS"
    // schemes are not offered for plain RSA keys, so only the algorithm prefix matters.
    private static boolean keyTypeMatches(String keyType, PrivateKey key) {
        String wanted = keyType.toUpperCase(Locale.ROOT);
        int underscore = wanted.indexOf('_');
        if (underscore > 0) {
            wanted = wanted.substring(0, underscore);
        }
        return wanted.equals(key.getAlgorithm().toUpperCase(Locale.ROOT));
    }
}
