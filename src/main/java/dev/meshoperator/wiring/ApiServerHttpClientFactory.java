package dev.meshoperator.wiring;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.http.TlsVersion;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import java.net.http.HttpClient;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * The JDK HTTP client for the API server, for the operator and meshctl alike, with one change where
 * the JVM compiles with C1 only ({@link Jit#quickOnly()}: the operator's Deployment and bin/meshctl
 * run {@code -XX:TieredStopAtLevel=1}): ChaCha20-Poly1305 is offered before AES-GCM.
 *
 * <p>Why: the JDK's AES and GHASH intrinsics belong to C2. Under C1 only, AES-GCM runs as plain
 * Java: 23 MB/s on one core of bench/RESULTS.md's 2-core machine, against 730 MB/s with C2, while
 * ChaCha20-Poly1305 runs at 90 MB/s. Everything the client reads from the API server (the
 * informers' lists and watch events, several hundred kB per Istio CRD, the answers to applies,
 * meshctl analyze's pages of pods) is decrypted that way. Go's crypto/tls, the API server's, takes
 * ChaCha20 when the client lists it before AES-GCM (TLS 1.3 and 1.2 alike).
 *
 * <p>Nothing else changes: the same suites are offered, only reordered; the TLS versions are the
 * configuration's ({@code Config.tlsVersions}, which fabric8 sets just before {@link
 * #additionalConfig} and which this replaces along with the suites); and a JVM with C2 keeps the
 * JDK's order (AES-GCM first, which the intrinsics make the faster).
 */
public final class ApiServerHttpClientFactory extends JdkHttpClientFactory {
  private final boolean chachaFirst;
  private final String[] protocols;

  /** For a client of {@code config}: ChaCha20 first when this JVM compiles with C1 only. */
  public ApiServerHttpClientFactory(Config config) {
    this(config, Jit.quickOnly());
  }

  ApiServerHttpClientFactory(Config config, boolean chachaFirst) {
    this.chachaFirst = chachaFirst;
    TlsVersion[] versions = config.getTlsVersions();
    this.protocols = versions == null || versions.length == 0 ? null
        : Arrays.stream(versions).map(TlsVersion::javaName).toArray(String[]::new);
  }

  /** Whether the clients this factory builds offer ChaCha20-Poly1305 first. */
  public boolean chachaFirst() {
    return chachaFirst;
  }

  @Override
  protected void additionalConfig(HttpClient.Builder builder) {
    if (chachaFirst) {
      builder.sslParameters(parameters());
    }
  }

  /** The suites and versions offered when ChaCha20 goes first. */
  SSLParameters parameters() {
    try {
      String[] suites = SSLContext.getDefault().getDefaultSSLParameters().getCipherSuites();
      return new SSLParameters(chachaFirst(suites).toArray(String[]::new), protocols == null ? null : protocols.clone());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("no default TLS context", e);
    }
  }

  /** {@code suites} with the ChaCha20-Poly1305 ones first; otherwise in the order given. */
  static List<String> chachaFirst(String[] suites) {
    List<String> first = new ArrayList<>();
    List<String> rest = new ArrayList<>();
    for (String suite : suites) {
      (suite.contains("_CHACHA20_") ? first : rest).add(suite);
    }
    first.addAll(rest);
    return first;
  }
}
