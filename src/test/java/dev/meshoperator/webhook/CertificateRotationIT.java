package dev.meshoperator.webhook;

import static dev.meshoperator.webhook.SidecarInjectionIT.pod;
import static dev.meshoperator.webhook.WebhookHarness.containerNames;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.testenv.KubeTest;
import dev.meshoperator.testenv.TestCluster;
import dev.meshoperator.testenv.TestNamespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Certificates rotate under a steady stream of pod creations and no admission fails: the serving
 * certificate is renewed several times, and the CA itself is replaced, with the new CA published in
 * the webhook configurations before the server presents a certificate it signed.
 *
 * <p>Lifetimes are shrunk to seconds (CA 60 s renewed 30 s ahead with 10 s of overlap, serving
 * certificate 20 s renewed 10 s ahead) so that a whole CA rotation happens within the test.
 */
@KubeTest
class CertificateRotationIT {

  @Test
  void rotatingServingCertificateAndCaUnderAStreamOfPodCreationsLosesNone(TestCluster cluster,
      KubernetesClient client, TestNamespace ns) throws Exception {
    try (var harness = new WebhookHarness(cluster)) {
      harness.start(options -> options.withCertificates(CertificateManager.Mode.MANAGED,
          CertificatePolicy.forService(options.serviceName(), options.operatorNamespace()).withTimings(
              Duration.ofSeconds(60), Duration.ofSeconds(30), Duration.ofSeconds(10),
              Duration.ofSeconds(20), Duration.ofSeconds(10)),
          Clock.systemUTC(), Duration.ofSeconds(1)));
      MeshInstall mi = harness.install(WebhookHarness.meshInstall("rotation-it", "rotation", "Fail"));
      try {
        harness.labelNamespace(ns.name(), Map.of("istio.io/rev", "rotation"));
        // The API server picks the new configuration up asynchronously; start once it calls us.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(containerNames(
            client.pods().inNamespace(ns.name()).resource(pod("warmup", Map.of(), Map.of())).create()))
            .contains("init:istio-proxy"));

        Set<BigInteger> servingSerials = new LinkedHashSet<>();
        // What the API server sees: the caBundle in the cluster, and what a new connection is shown.
        Set<String> clusterBundles = new LinkedHashSet<>();
        Set<BigInteger> verifiedSerials = new LinkedHashSet<>();
        List<String> tlsFailures = new ArrayList<>();
        String configuration = "mesh-operator-sidecar-injector-rotation";
        Set<String> caBundles = new LinkedHashSet<>();
        // Negative control: the same check fails for a CA the server's certificate does not chain to.
        try (var socket = (javax.net.ssl.SSLSocket) TestTls.trusting(List.of(TestTls.ca("stranger").certificate()))
            .getSocketFactory().createSocket(harness.host, harness.port)) {
          org.assertj.core.api.Assertions.assertThatThrownBy(socket::startHandshake)
              .isInstanceOf(javax.net.ssl.SSLHandshakeException.class);
        }
        X509Certificate firstCa = Certificates.certificatesFromPem(
            harness.runtime.certificates().caBundle().orElseThrow()).get(0);
        boolean movedToNewCa = false;
        List<String> failures = new ArrayList<>();
        int created = 0;
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        long stopAfter = Long.MAX_VALUE;
        while (System.nanoTime() < Math.min(deadline, stopAfter)) {
          var identity = harness.runtime.certificates().servingIdentity();
          servingSerials.add(identity.leaf().getSerialNumber());
          movedToNewCa |= !TestTls.signedBy(identity.leaf(), firstCa);
          harness.runtime.certificates().caBundle().ifPresent(caBundles::add);
          checkAgainstClusterBundle(client, configuration, harness.host, harness.port, clusterBundles, verifiedSerials, tlsFailures);
          String name = "stream-" + created;
          try {
            Pod pod = client.pods().inNamespace(ns.name()).resource(pod(name, Map.of(), Map.of())).create();
            if (!containerNames(pod).contains("init:istio-proxy")) {
              failures.add(name + ": created without a sidecar");
            }
          } catch (RuntimeException e) {
            failures.add(name + ": " + e.getMessage());
          }
          created++;
          // Once the serving certificate has moved to a new CA, keep going a little longer so
          // that the removal of the old CA from the bundle is covered too.
          if (stopAfter == Long.MAX_VALUE && movedToNewCa) {
            stopAfter = System.nanoTime() + Duration.ofSeconds(15).toNanos();
          }
          sleep(100);
        }
        System.out.printf("[rotation] %d pods created while %d serving certificates and %d CA bundles were in use%n",
            created, servingSerials.size(), caBundles.size());
        System.out.printf("[rotation] %d caBundles read from the cluster, %d serving certificates verified against them on new connections%n",
            clusterBundles.size(), verifiedSerials.size());
        System.out.printf("[rotation] %d mismatches explained by a rotation step between reading the caBundle and connecting%n", RACES.get());
        assertThat(failures).as("admissions that failed during rotation").isEmpty();
        assertThat(tlsFailures).as("new TLS connections not trusted by the cluster's caBundle").isEmpty();
        assertThat(verifiedSerials).as("serving certificates verified against the cluster's caBundle")
            .hasSizeGreaterThanOrEqualTo(4);
        assertThat(clusterBundles).as("caBundles seen in the cluster (old, old+new, new)").hasSizeGreaterThanOrEqualTo(2);
        assertThat(servingSerials).as("serving certificates seen").hasSizeGreaterThanOrEqualTo(4);
        assertThat(movedToNewCa).as("the server presented a certificate of the new CA").isTrue();
        assertThat(caBundles).as("CA bundles published (old, old+new, new)").hasSizeGreaterThanOrEqualTo(2);
      } finally {
        harness.uninstall(mi);
      }
    }
  }

  /**
   * Reads the caBundle of every webhook in the configuration from the API server, and opens a new
   * TLS connection to the webhook trusting only that bundle: the handshake fails unless the
   * certificate the server presents now chains to a CA the API server was told to trust.
   */
  private static void checkAgainstClusterBundle(KubernetesClient client, String configuration, String host, int port,
      Set<String> bundles, Set<BigInteger> verified, List<String> failures) {
    var mwc = client.admissionRegistration().v1().mutatingWebhookConfigurations().withName(configuration).get();
    if (mwc == null) {
      failures.add(configuration + " is missing");
      return;
    }
    for (var webhook : mwc.getWebhooks()) {
      String encoded = webhook.getClientConfig().getCaBundle();
      if (encoded == null || encoded.isEmpty()) {
        failures.add(webhook.getName() + " has no caBundle");
        continue;
      }
      String pem = new String(java.util.Base64.getDecoder().decode(encoded), java.nio.charset.StandardCharsets.UTF_8);
      bundles.add(pem);
      var trusted = Certificates.certificatesFromPem(pem);
      try {
        verified.add(TestTls.servedCertificate(trusted, host, port).getSerialNumber());
      } catch (java.io.IOException first) {
        // The read of the configuration and the new connection are two steps; a rotation step can
        // fall between them (the test rotates every few seconds). Read and connect once more: a
        // mismatch that lasts is a failure, one that a second read explains is counted apart.
        var again = client.admissionRegistration().v1().mutatingWebhookConfigurations().withName(configuration).get();
        var againBundle = again == null ? List.<X509Certificate>of() : again.getWebhooks().stream()
            .filter(w -> w.getName().equals(webhook.getName())).findFirst()
            .map(w -> Certificates.certificatesFromPem(new String(java.util.Base64.getDecoder()
                .decode(w.getClientConfig().getCaBundle()), java.nio.charset.StandardCharsets.UTF_8)))
            .orElse(List.of());
        try {
          verified.add(TestTls.servedCertificate(againBundle, host, port).getSerialNumber());
          RACES.incrementAndGet();
        } catch (java.io.IOException e) {
          failures.add(webhook.getName() + " (bundle of " + trusted.size() + " CA, then " + againBundle.size() + "): " + e);
        }
      }
    }
  }

  /** Mismatches that a second read of the configuration explained (a rotation step between read and connect). */
  private static final java.util.concurrent.atomic.AtomicInteger RACES = new java.util.concurrent.atomic.AtomicInteger();

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
