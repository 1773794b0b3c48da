package dev.meshoperator.webhook;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslCachingX509KeyManagerFactory;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLException;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.function.Supplier;

/**
 * The server's TLS contexts: one per serving identity, built when the identity first appears and
 * reused by every handshake until the identity changes (rotation is "the supplier returns a new
 * identity": the next connection gets a context for it, open connections keep theirs).
 *
 * <p>TLS 1.3 and 1.2 only; for 1.2 only forward-secret AEAD suites (ECDHE with AES-GCM or
 * ChaCha20-Poly1305; TLS 1.3 suites are all AEAD). ALPN offers h2 and http/1.1. BoringSSL
 * (netty-tcnative) when its native library loads, JDK TLS otherwise.
 */
final class TlsContexts {

    /** Which TLS implementation to use. */
    enum Provider {
        /** BoringSSL when its native library loads, else the JDK. */
        AUTO,
        OPENSSL,
        JDK
    }

    static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    // TLS 1.2 suites: forward secrecy and AEAD only (what Go's client, and so the API server,
    // prefers anyway). TLS 1.3 suites are all AEAD.
    static final List<String> CIPHER_SUITES = List.of(
            "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    private static final Logger LOG = LoggerFactory.getLogger(TlsContexts.class);

    private final Supplier<ServingIdentity> identity;
    private final SslProvider provider;
    private final boolean http2;
    private volatile Entry current;

    private record Entry(ServingIdentity identity, SslContext context) {}

    TlsContexts(Supplier<ServingIdentity> identity, Provider wanted, boolean http2) {
        this.identity = identity;
        this.http2 = http2;
        this.provider = choose(wanted);
    }

    private static SslProvider choose(Provider wanted) {
        if (wanted == Provider.JDK) {
            LOG.info("webhook TLS: JDK (as configured)");
            return SslProvider.JDK;
        }
        if (OpenSsl.isAvailable() && SslProvider.isAlpnSupported(SslProvider.OPENSSL)) {
            LOG.info("webhook TLS: {} {} through netty-tcnative", OpenSsl.versionString(), "(native)");
            return SslProvider.OPENSSL;
        }
        if (wanted == Provider.OPENSSL) {
            throw new IllegalStateException("OpenSSL TLS was requested but netty-tcnative does not load: "
                    + OpenSsl.unavailabilityCause());
        }
        LOG.info("webhook TLS: JDK (netty-tcnative does not load here: {})", String.valueOf(OpenSsl.unavailabilityCause()));
        return SslProvider.JDK;
    }

    /** "OpenSSL" (BoringSSL through netty-tcnative) or "JDK". */
    String providerName() {
        return provider == SslProvider.OPENSSL ? "OpenSSL" : "JDK";
    }

    /**
     * The context for the identity the supplier returns now.
     *
     * @throws SSLException when there is no identity yet (the handshake fails, as it must)
     */
    SslContext current() throws SSLException {
        ServingIdentity now = identity.get();
        if (now == null) {
            throw new SSLException("no serving certificate yet");
        }
        Entry e = current;
        if (e != null && same(e.identity(), now)) {
            return e.context();
        }
        synchronized (this) {
            e = current;
            if (e != null && same(e.identity(), now)) {
                return e.context();
            }
            SslContext built = build(now);
            current = new Entry(now, built);
            return built;
        }
    }

    // The certificate manager re-reads its Secret periodically and may hand out an equal identity
    // in a new object: that is no reason to build a new context.
    private static boolean same(ServingIdentity a, ServingIdentity b) {
        return a == b || a.equals(b);
    }

    /** The cipher suites offered now (those of the current context). */
    List<String> cipherSuites() throws SSLException {
        return current().cipherSuites();
    }

    private SslContext build(ServingIdentity id) throws SSLException {
        SslContextBuilder b = SslContextBuilder.forServer(keyManagers(id))
                .sslProvider(provider)
                .protocols(PROTOCOLS)
                .ciphers(CIPHER_SUITES, SupportedCipherSuiteFilter.INSTANCE);
        if (http2) {
            b.applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                    ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                    ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                    ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1));
        }
        return b.build();
    }

    /** Protects the key entry of a store that never leaves this process's memory. */
    private static final char[] STORE_PASSWORD = "in-memory".toCharArray();

    /**
     * The identity's key and chain as a KeyManagerFactory over an in-memory store, not Netty's
     * {@code forServer(key, chain)}: that one puts the key into a PKCS#12 store, whose entry is
     * encrypted with 10,000 rounds of PBKDF2 (JDK 17's default: 31-62 ms of SHA-256 under the quick
     * JIT, on the event loop of the first handshake), and with BoringSSL it then writes the
     * key and chain as PEM and has them parsed natively for every handshake. The store here is
     * JKS (a cheap protection of its entry), and with BoringSSL Netty's caching factory keeps the
     * parsed key material for the context's life (bench/RESULTS.md, 2026-12-05 14:23-15:35).
     */
    private KeyManagerFactory keyManagers(ServingIdentity id) throws SSLException {
        try {
            KeyStore store = KeyStore.getInstance("JKS");
            store.load(null, null);
            store.setKeyEntry("serving", id.key(), STORE_PASSWORD, id.chain().toArray(new X509Certificate[0]));
            KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            factory.init(store, STORE_PASSWORD);
            return provider == SslProvider.OPENSSL ? new OpenSslCachingX509KeyManagerFactory(factory) : factory;
        } catch (GeneralSecurityException | IOException e) {
            throw new SSLException("cannot use the serving certificate: " + e.getMessage(), e);
        }
    }
}
