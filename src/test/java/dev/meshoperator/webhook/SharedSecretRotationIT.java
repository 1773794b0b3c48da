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
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@link CertificateRotationIT} with two replicas sharing the certificate Secret behind one address:
 * while pods are created in a loop at a few hundred per minute, the serving certificate is renewed
 * several times and the CA replaced, each replica rotating on its own clock from the same Secret;
 * no admission fails, and every certificate either replica presents chains to the caBundle the API
 * server holds at that moment (checked on new connections to each replica directly).
 */
@KubeTest
class SharedSecretRotationIT {

  @Test
  void twoReplicasRotatingFromOneSecretUnderAPodLoopFailNoAdmission(TestCluster cluster, KubernetesClient client,
      TestNamespace ns) {
    try (var webhook = new ReplicatedWebhook(cluster, options -> options.withCertificates(CertificateManager.Mode.MANAGED,
        CertificatePolicy.forService(options.serviceName(), options.operatorNamespace()).withTimings(
            Duration.ofSeconds(60), Duration.ofSeconds(30), Duration.ofSeconds(10),
            Duration.ofSeconds(20), Duration.ofSeconds(10)),
        Clock.systemUTC(), Duration.ofSeconds(1)))) {
      MeshInstall mi = webhook.install(WebhookHarness.meshInstall("shared-rotation-it", "sharedrot", "Fail"));
      try {
        client.namespaces().withName(ns.name()).edit(n -> {
          n.getMetadata().getLabels().put("istio.io/rev", "sharedrot");
          return n;
        });
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(containerNames(
            client.pods().inNamespace(ns.name()).resource(pod("warmup", Map.of(), Map.of())).create()))
            .contains("init:istio-proxy"));
        X509Certificate firstCa = Certificates.certificatesFromPem(
            webhook.replicas.get(0).certificates().caBundle().orElseThrow()).get(0);

        List<String> failures = new ArrayList<>();
        List<String> tlsFailures = new ArrayList<>();
        Set<BigInteger> served = new LinkedHashSet<>();
        Set<String> bundles = new LinkedHashSet<>();
        int races = 0;
        boolean movedToNewCa = false;
        int created = 0;
        long t0 = System.nanoTime();
        long deadline = t0 + Duration.ofSeconds(120).toNanos();
        long stopAfter = Long.MAX_VALUE;
        while (System.nanoTime() < Math.min(deadline, stopAfter)) {
          // Every 10th round: what each replica presents on a new connection must chain to the
          // caBundle the API server has now (read once more before a mismatch counts).
          if (created % 10 == 0) {
            for (String address : ReplicatedWebhook.ADDRESSES) {
              String bundle = clusterBundle(client);
              bundles.add(bundle);
              try {
                X509Certificate leaf = TestTls.servedCertificate(Certificates.certificatesFromPem(bundle), address, webhook.port);
                served.add(leaf.getSerialNumber());
                movedToNewCa |= !TestTls.signedBy(leaf, firstCa);
              } catch (java.io.IOException first) {
                try {
                  served.add(TestTls.servedCertificate(Certificates.certificatesFromPem(clusterBundle(client)), address, webhook.port)
                      .getSerialNumber());
                  races++;
                } catch (java.io.IOException e) {
                  tlsFailures.add(address + ": " + e);
                }
              }
            }
          }
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
          if (stopAfter == Long.MAX_VALUE && movedToNewCa) {
            stopAfter = System.nanoTime() + Duration.ofSeconds(15).toNanos();
          }
          sleep(100);
        }
        double minutes = (System.nanoTime() - t0) / 60e9;
        System.out.printf("[shared-rotation] %d pods in %.1f min (%.0f/min), %d failed admissions; %d serving certificates"
                + " seen from 2 replicas, %d caBundles in the cluster, CA replaced: %s; %d read-then-connect races; connections per replica %s%n",
            created, minutes, created / minutes, failures.size(), served.size(), bundles.size(), movedToNewCa, races,
            Arrays.toString(webhook.connectionsPerReplica()));
        assertThat(failures).as("admissions that failed during rotation").isEmpty();
        assertThat(tlsFailures).as("replicas presenting a certificate the cluster's caBundle does not trust").isEmpty();
        assertThat(created / minutes).as("pods per minute").isGreaterThanOrEqualTo(200);
        assertThat(served).as("serving certificates seen").hasSizeGreaterThanOrEqualTo(4);
        assertThat(movedToNewCa).as("a replica presented a certificate of the new CA").isTrue();
        assertThat(bundles).as("caBundles (old, old+new, new)").hasSizeGreaterThanOrEqualTo(2);
      } finally {
        webhook.uninstall(mi);
      }
    }
  }

  private static String clusterBundle(KubernetesClient client) {
    var mwc = client.admissionRegistration().v1().mutatingWebhookConfigurations()
        .withName("mesh-operator-sidecar-injector-sharedrot").get();
    return new String(Base64.getDecoder().decode(mwc.getWebhooks().get(0).getClientConfig().getCaBundle()),
        StandardCharsets.UTF_8);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
