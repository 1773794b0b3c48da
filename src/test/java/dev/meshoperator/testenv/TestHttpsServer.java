package dev.meshoperator.testenv;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.fabric8.kubeapitest.cert.CertManager;
import java.io.FileReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.concurrent.Executors;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;

/**
 * A throwaway HTTPS server in the test JVM with a self-signed certificate for 127.0.0.1 and the
 * given host name, for proving that the API server calls webhooks by URL. Test support only: the
 * operator's own admission server lives in dev.meshoperator.webhook.
 */
public final class TestHttpsServer implements AutoCloseable {
  private final HttpsServer server;
  private final byte[] caPem;

  private TestHttpsServer(HttpsServer server, byte[] caPem) {
    this.server = server;
    this.caPem = caPem;
  }

  public static TestHttpsServer start(String host, String path, HttpHandler handler) {
    try {
      Path dir = Files.createTempDirectory("test-https");
      Path key = dir.resolve("tls.key");
      Path cert = dir.resolve("tls.crt");
      CertManager.generateKeyAndCertificate("CN=" + host, key.toFile(), cert.toFile(),
          new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.dNSName, host));
      X509Certificate x509;
      PrivateKey privateKey;
      try (var certReader = new PEMParser(new FileReader(cert.toFile()));
          var keyReader = new PEMParser(new FileReader(key.toFile()))) {
        x509 = new JcaX509CertificateConverter().getCertificate((X509CertificateHolder) certReader.readObject());
        Object k = keyReader.readObject();
        var converter = new JcaPEMKeyConverter();
        privateKey = k instanceof PEMKeyPair pair ? converter.getKeyPair(pair).getPrivate()
            : converter.getPrivateKey((PrivateKeyInfo) k);
      }
      byte[] certPem = Files.readAllBytes(cert);
      Files.delete(key);
      Files.delete(cert);
      Files.delete(dir);
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      ks.setKeyEntry("tls", privateKey, new char[0], new X509Certificate[] {x509});
      var kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(ks, new char[0]);
      SSLContext ssl = SSLContext.getInstance("TLS");
      ssl.init(kmf.getKeyManagers(), null, null);
      HttpsServer server = HttpsServer.create(new InetSocketAddress("0.0.0.0", 0), 0);
      server.setHttpsConfigurator(new HttpsConfigurator(ssl));
      server.createContext(path, handler);
      server.setExecutor(Executors.newFixedThreadPool(4));
      server.start();
      return new TestHttpsServer(server, certPem);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (Exception e) {
      throw new IllegalStateException("cannot start test HTTPS server", e);
    }
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** The PEM of the self-signed certificate, for a webhook's caBundle. */
  public byte[] caPem() {
    return caPem.clone();
  }

  @Override
  public void close() {
    server.stop(0);
    ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
  }
}
