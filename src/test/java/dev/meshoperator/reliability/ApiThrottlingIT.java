package dev.meshoperator.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.reconcile.OperatorHarness;
import dev.meshoperator.testenv.KubeTest;
import dev.meshoperator.testenv.OperatorIdentity;
import dev.meshoperator.testenv.OperatorJvm;
import dev.meshoperator.testenv.TestCluster;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * API Priority and Fairness throttling the operator: a FlowSchema puts deploy/'s ServiceAccount in a
 * priority level of its own. The same work (operator start, install, Ready, uninstall) runs twice:
 * with a roomy level, then with a tiny one (concurrency 1, no queue, no borrowing) that answers
 * any concurrent request with 429. The API server's own counters of that FlowSchema (dispatched and rejected
 * requests) count every request of the operator, leases and watches included. Under throttling
 * the operator must still converge and clean up, and must not answer 429s with a retry storm: its
 * total number of requests stays within a small multiple of the unthrottled run.
 */
@KubeTest
class ApiThrottlingIT {
  private static final String FLOW_SCHEMA = "mesh-faults-operator";
  private static final String ROOMY = "mesh-faults-roomy";
  private static final String TINY = "mesh-faults-tiny";
  private static final String DILUTE = "mesh-faults-dilute";

  record Run(String label, double seconds, long dispatched, long rejected) {
    long requests() {
      return dispatched + rejected;
    }

    double perSecond() {
      return requests() / seconds;
    }
  }

  @Test
  void throttledOperatorBacksOffWithoutARetryStormAndStillConverges(TestCluster cluster, KubernetesClient client) {
    OperatorHarness.installCrd(client);
    String suffix = Faults.suffix();
    String operatorNs = Faults.createNamespace(client, "mesh-operator-apf-" + suffix);
    Path kubeconfig = Faults.serviceAccountKubeconfig(client);
    OperatorIdentity identity = OperatorIdentity.fromDeploy(client);
    try {
      apply(client, """
          apiVersion: flowcontrol.apiserver.k8s.io/v1
          kind: PriorityLevelConfiguration
          metadata: {name: %s}
          spec:
            type: Limited
            limited:
              nominalConcurrencyShares: 100
              limitResponse: {type: Queue, queuing: {queues: 16, handSize: 4, queueLengthLimit: 50}}
          """.formatted(ROOMY));
      apply(client, flowSchema(identity, ROOMY));
      Run normal = run(cluster, client, kubeconfig, operatorNs, "normal", "apfn" + suffix);

      // Tiny: one seat of ~2,350 shares (the dilution level only lends its seats to others), no
      // queue, nothing borrowed: a request arriving while another runs is rejected with 429.
      apply(client, """
          apiVersion: flowcontrol.apiserver.k8s.io/v1
          kind: PriorityLevelConfiguration
          metadata: {name: %s}
          spec:
            type: Limited
            limited:
              nominalConcurrencyShares: 2000
              lendablePercent: 100
              limitResponse: {type: Reject}
          """.formatted(DILUTE));
      apply(client, """
          apiVersion: flowcontrol.apiserver.k8s.io/v1
          kind: PriorityLevelConfiguration
          metadata: {name: %s}
          spec:
            type: Limited
            limited:
              nominalConcurrencyShares: 1
              lendablePercent: 0
              borrowingLimitPercent: 0
              limitResponse: {type: Reject}
          """.formatted(TINY));
      apply(client, flowSchema(identity, TINY));
      Faults.sleep(2000); // the API server's flow-control configuration controller picks changes up
      Run throttled = run(cluster, client, kubeconfig, operatorNs, "throttled", "apft" + suffix);

      for (Run r : List.of(normal, throttled)) {
        System.out.printf("[throttling] %-9s: %d requests (%d rejected with 429) in %.1f s = %.1f requests/s%n",
            r.label(), r.requests(), r.rejected(), r.seconds(), r.perSecond());
      }
      System.out.printf("[throttling] throttled/normal: %.2fx the requests, %.2fx the request rate%n",
          (double) throttled.requests() / normal.requests(), throttled.perSecond() / normal.perSecond());
      assertThat(normal.dispatched()).as("positive control: the FlowSchema counts the operator's requests").isPositive();
      assertThat(throttled.rejected()).as("the tiny level did throttle the operator").isPositive();
      assertThat(throttled.requests()).as("no retry storm: requests under throttling vs. the same work unthrottled")
          .isLessThanOrEqualTo(3 * normal.requests());
    } finally {
      for (String[] o : List.of(new String[] {"flowschemas", FLOW_SCHEMA},
          new String[] {"prioritylevelconfigurations", TINY}, new String[] {"prioritylevelconfigurations", DILUTE},
          new String[] {"prioritylevelconfigurations", ROOMY})) {
        try {
          cluster.kubectl(List.of("delete", o[0] + ".flowcontrol.apiserver.k8s.io", o[1], "--ignore-not-found"));
        } catch (RuntimeException e) {
          System.out.println("[cleanup] " + e.getMessage());
        }
      }
      Faults.deleteNamespaces(client, operatorNs);
    }
  }

  /** Operator start, install, Ready, uninstall, operator stop: the FlowSchema's counters before and after. */
  private static Run run(TestCluster cluster, KubernetesClient client, Path kubeconfig, String operatorNs,
      String label, String name) {
    long[] before = counters(client);
    long t0 = System.nanoTime();
    OperatorJvm operator = Faults.operator(cluster, kubeconfig, label + "-" + name, operatorNs,
        List.of("--default-failure-policy=Ignore"));
    try {
      client.resources(MeshInstall.class).resource(Faults.meshInstall("""
          apiVersion: meshoperator.dev/v1alpha1
          kind: MeshInstall
          metadata: {name: %s}
          spec: {profile: default, revision: %s, namespace: %s-system}
          """.formatted(name, name, name))).create();
      double ready = Faults.awaitReady(client, name, Duration.ofSeconds(240), operator);
      int[] objects = Faults.compare("throttling: " + label, client, name);
      assertThat(objects[2] + objects[3] + objects[4]).as("orphans + missing + duplicates").isZero();
      Faults.uninstall(client, name, Duration.ofSeconds(240));
      System.out.printf("[throttling] %s: Ready %.1f s after the MeshInstall was created; uninstalled cleanly%n", label, ready);
    } finally {
      Faults.forget(client, name);
      operator.close();
      Faults.deleteNamespaces(client, name + "-system");
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    long[] after = counters(client);
    return new Run(label, seconds, after[0] - before[0], after[1] - before[1]);
  }

  private static String flowSchema(OperatorIdentity identity, String level) {
    return """
        apiVersion: flowcontrol.apiserver.k8s.io/v1
        kind: FlowSchema
        metadata: {name: %s}
        spec:
          matchingPrecedence: 100
          priorityLevelConfiguration: {name: %s}
          distinguisherMethod: {type: ByUser}
          rules:
          - subjects:
            - kind: ServiceAccount
              serviceAccount: {name: %s, namespace: %s}
            resourceRules:
            - verbs: ["*"]
              apiGroups: ["*"]
              resources: ["*"]
              namespaces: ["*"]
              clusterScope: true
            nonResourceRules:
            - verbs: ["*"]
              nonResourceURLs: ["*"]
        """.formatted(FLOW_SCHEMA, level, OperatorIdentity.SERVICE_ACCOUNT, identity.namespace());
  }

  private static void apply(KubernetesClient client, String yaml) {
    HasMetadata object = client.getKubernetesSerialization().unmarshal(yaml);
    client.resource(object).fieldManager("mesh-faults-test").forceConflicts().serverSideApply();
  }

  /** [dispatched, rejected] requests of our FlowSchema, from the API server's /metrics. */
  private static long[] counters(KubernetesClient client) {
    String metrics = client.raw("/metrics");
    return new long[] {sum(metrics, "apiserver_flowcontrol_dispatched_requests_total"),
        sum(metrics, "apiserver_flowcontrol_rejected_requests_total")};
  }

  private static long sum(String metrics, String name) {
    Matcher m = Pattern.compile("(?m)^" + name + "\\{([^}]*)\\} ([0-9.e+]+)$").matcher(metrics);
    long total = 0;
    while (m.find()) {
      if (m.group(1).contains("flow_schema=\"" + FLOW_SCHEMA + "\"")) {
        total += (long) Double.parseDouble(m.group(2));
      }
    }
    return total;
  }
}
