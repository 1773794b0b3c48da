package dev.meshoperator.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.meshoperator.testenv.MergeEdits;
import dev.meshoperator.api.FailurePolicy;
import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.MeshInstallStatus;
import dev.meshoperator.api.MeshState;
import dev.meshoperator.reconcile.OperatorHarness;
import dev.meshoperator.testenv.KubeTest;
import dev.meshoperator.testenv.OperatorIdentity;
import dev.meshoperator.testenv.Ports;
import dev.meshoperator.testenv.TestCluster;
import dev.meshoperator.testenv.TestNamespace;
import dev.meshoperator.webhook.WebhookRuntime;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, hostile input: every class of invalid MeshInstall value, one table, one cluster, one
 * running install. The real operator process (controller and webhook, as deploy/'s ServiceAccount)
 * runs a valid install whose sidecars request cpu 123m; each row then tries an invalid edit (or
 * create) as a user would. A row is either refused by the API server with a message naming the
 * field (the CRD's schema and CEL rules), or accepted and reported in status as InvalidSpec with
 * the field and the reason (the checks the schema cannot express). Either way, after each row the
 * running control plane is untouched (istiod's Deployment keeps its generation and resourceVersion)
 * and a pod created in the injected namespace still gets istio-proxy with the last valid settings.
 * Positive controls at the end: a pod carrying a malformed quantity is refused by the API server
 * (why such a value must never reach a sidecar), and a valid edit does change istiod's generation
 * and the next sidecar (the checks can fail). InvalidSpecInjectionIT covers the warning text, an
 * operator restart and the fix; this covers breadth. Immutable: spec.revision and spec.namespace
 * (CEL transition rules in the CRD); everything else may change in place.
 */
@KubeTest
class InvalidValuesIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(90);
  private static final KubernetesSerialization YAML = new KubernetesSerialization();

  /** How a row must end. */
  enum Outcome { SCHEMA, STATUS, APPLY }

  /**
   * One invalid value: a merge patch on the running install's spec (or, with {@code create}, the
   * spec of a new MeshInstall), and what the API server or the status must say.
   */
  record Row(String what, Outcome outcome, String patch, boolean create, List<String> mustSay) {
    static Row schema(String what, String patch, String... mustSay) {
      return new Row(what, Outcome.SCHEMA, patch, false, List.of(mustSay));
    }

    static Row status(String what, String patch, String... mustSay) {
      return new Row(what, Outcome.STATUS, patch, false, List.of(mustSay));
    }

    /** Valid to our checks, refused by the API server when applied: status reason ApplyFailed. */
    static Row apply(String what, String patch, String... mustSay) {
      return new Row(what, Outcome.APPLY, patch, false, List.of(mustSay));
    }

    static Row schemaOnCreate(String what, String spec, String... mustSay) {
      return new Row(what, Outcome.SCHEMA, spec, true, List.of(mustSay));
    }
  }

  static List<Row> rows() {
    String selectors33 = IntStream.range(0, 33).mapToObj(i -> "{\"matchLabels\":{\"k\":\"v" + i + "\"}}")
        .collect(Collectors.joining(",", "[", "]"));
    String gateways17 = IntStream.range(0, 17).mapToObj(i -> "{\"name\":\"gw" + i + "\"}")
        .collect(Collectors.joining(",", "[", "]"));
    return List.of(
        Row.schema("unknown profile", "{\"profile\":\"huge\"}", "spec.profile", "Unsupported value: \"huge\""),
        Row.schemaOnCreate("bad revision name", "{\"profile\":\"minimal\",\"revision\":\"Not_A_Label\"}",
            "spec.revision", "should match"),
        Row.schema("revision changed (immutable)", "{\"revision\":\"other\"}", "spec.revision", "immutable"),
        Row.schema("namespace changed (immutable)", "{\"namespace\":\"elsewhere\"}", "spec.namespace", "immutable"),
        Row.schema("negative replicas", "{\"components\":{\"pilot\":{\"replicas\":-1}}}",
            "spec.components.pilot.replicas", "greater than or equal to 0"),
        Row.schema("replicas of the wrong type", "{\"components\":{\"pilot\":{\"replicas\":\"three\"}}}",
            "spec.components.pilot.replicas", "must be of type integer"),
        Row.schema("autoscaling minReplicas 0", "{\"components\":{\"pilot\":{\"autoscaling\":{\"minReplicas\":0}}}}",
            "spec.components.pilot.autoscaling.minReplicas", "greater than or equal to 1"),
        Row.schema("webhook timeout out of range", "{\"sidecarInjector\":{\"timeoutSeconds\":99}}",
            "spec.sidecarInjector.timeoutSeconds", "less than or equal to 30"),
        Row.schema("unknown failurePolicy", "{\"sidecarInjector\":{\"failurePolicy\":\"Maybe\"}}",
            "spec.sidecarInjector.failurePolicy", "Unsupported value"),
        Row.schema("hub with a scheme", "{\"hub\":\"https://registry/\"}", "spec.hub", "should match"),
        Row.schema("too many never-inject selectors", "{\"sidecarInjector\":{\"neverInjectSelector\":" + selectors33 + "}}",
            "spec.sidecarInjector.neverInjectSelector", "must have at most 32 items"),
        Row.schema("too many ingress gateways", "{\"components\":{\"ingressGateways\":" + gateways17 + "}}",
            "spec.components.ingressGateways", "must have at most 16 items"),
        Row.status("swapped min/max replicas",
            "{\"components\":{\"pilot\":{\"autoscaling\":{\"enabled\":true,\"minReplicas\":5,\"maxReplicas\":2}}}}",
            "spec.components.pilot.autoscaling", "minReplicas 5 is greater than maxReplicas 2"),
        Row.status("malformed sidecar quantity", "{\"sidecarInjector\":{\"resources\":{\"requests\":{\"cpu\":\"lots\"}}}}",
            "spec.sidecarInjector.resources.requests.cpu", "'lots' is not a quantity"),
        Row.status("malformed istiod quantity", "{\"components\":{\"pilot\":{\"resources\":{\"limits\":{\"memory\":\"1.2.3Gi\"}}}}}",
            "spec.components.pilot.resources.limits.memory", "'1.2.3Gi' is not a quantity"),
        Row.status("bad selector operator",
            "{\"sidecarInjector\":{\"neverInjectSelector\":[{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"Within\"}]}]}}",
            "spec.sidecarInjector.neverInjectSelector[0].matchExpressions[0].operator", "must be one of"),
        Row.status("selector In without values",
            "{\"sidecarInjector\":{\"alwaysInjectSelector\":[{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"In\"}]}]}}",
            "spec.sidecarInjector.alwaysInjectSelector[0].matchExpressions[0].values", "needs at least one value"),
        Row.status("unsupported Istio version", "{\"version\":\"9.9.9\"}", "spec.version", "not supported"),
        Row.status("duplicate gateway names",
            "{\"components\":{\"ingressGateways\":[{\"name\":\"gw\"}],\"egressGateways\":[{\"name\":\"gw\"}]}}",
            "spec.components.egressGateways[0].name", "already used"),
        Row.status("node selector key", "{\"components\":{\"pilot\":{\"nodeSelector\":{\"bad key!\":\"x\"}}}}",
            "spec.components.pilot.nodeSelector", "key 'bad key!' is not a label key"),
        // Added to every injected pod: unchecked, the API server would refuse every pod the webhook injects.
        Row.status("injected annotation key", "{\"sidecarInjector\":{\"injectedAnnotations\":{\"team/a/b\":\"x\"}}}",
            "spec.sidecarInjector.injectedAnnotations", "key 'team/a/b' is not an annotation key"),
        // The sidecar's resources go into every injected pod: each of these made the API server refuse
        // every injected pod while the status said Applied.
        Row.status("sidecar resource name", "{\"sidecarInjector\":{\"resources\":{\"requests\":{\"cpuu\":\"10m\"}}}}",
            "spec.sidecarInjector.resources.requests", "key 'cpuu' is not a container resource"),
        Row.status("sidecar request above the profile's limit",
            "{\"sidecarInjector\":{\"resources\":{\"requests\":{\"memory\":\"2Gi\"}}}}",
            "spec.sidecarInjector.resources.requests.memory", "the request 2Gi and the limit 1024Mi (the profile's)",
            "a request cannot exceed its limit"),
        // The API server's own words, not fabric8's "Failure executing: PATCH at: <URL>", which pushed
        // the reason past the message's cut.
        Row.apply("toleration the API server refuses",
            "{\"components\":{\"pilot\":{\"tolerations\":[{\"key\":\"k\",\"operator\":\"Sometimes\"}]}}}",
            "apply Deployment/", "is invalid: spec.template.spec.tolerations[0].operator: Unsupported value: \"Sometimes\"",
            "supported values"));
  }

  private final AtomicInteger pods = new AtomicInteger();

  @Test
  void everyInvalidValueIsRefusedOrReportedAndTheMeshAndInjectionStayAsTheyWere(TestCluster cluster,
      KubernetesClient client, TestNamespace ns) {
    OperatorHarness.installCrd(client);
    String suffix = Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20), 36);
    String operatorNs = "mesh-operator-" + suffix;
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(operatorNs).endMetadata().build())
        .create();
    int port = Ports.free();
    var webhook = WebhookRuntime.Options.defaults(operatorNs)
        .withPort(port).withUrlHost(cluster.hostReachableFromApiServer(port)).withManagementPort(0);
    var options = new OperatorProcess.Options(webhook, Optional.empty(), "mesh-operator-e2e/" + suffix, FailurePolicy.Fail);
    String name = "invalid-" + suffix;
    String revision = "iv" + suffix;
    String controlPlane = "iv-" + suffix + "-system";
    var installs = client.resources(MeshInstall.class);
    String validSpec = """
        {"profile": "minimal", "revision": "%s", "namespace": "%s",
         "sidecarInjector": {"resources": {"requests": {"cpu": "123m"}}}}""".formatted(revision, controlPlane);
    KubernetesClient asServiceAccount = OperatorIdentity.fromDeploy(client).client("mesh-operator-e2e/" + suffix);
    OperatorProcess operator = OperatorProcess.start(asServiceAccount, options);
    long started = System.nanoTime();
    try {
      installs.resource(meshInstall(name, validSpec)).create();
      client.namespaces().withName(ns.name()).edit(n -> {
        n.getMetadata().getLabels().put("istio.io/rev", revision);
        return n;
      });
      awaitReady(installs, name);
      var istiod = client.apps().deployments().inNamespace(controlPlane).withName("istiod-" + revision);
      Deployment before = istiod.get();
      assertThat(before).as("istiod of the valid install").isNotNull();
      assertThat(proxyCpu(client, ns)).as("injection before any invalid edit").isEqualTo("123m");
      MeshInstall valid = installs.withName(name).get();

      int refusedBySchema = 0;
      int reportedInStatus = 0;
      for (Row row : rows()) {
        long rowStarted = System.nanoTime();
        if (row.outcome() == Outcome.SCHEMA) {
          KubernetesClientException refused = catchRefusal(() -> {
            if (row.create()) {
              installs.resource(meshInstall(name + "-new", row.patch())).create();
            } else {
              installs.withName(name).patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":" + row.patch() + "}");
            }
          });
          assertThat(refused).as(row.what() + ": refused by the API server").isNotNull();
          assertThat(refused.getCode()).as(row.what()).isEqualTo(422);
          for (String text : row.mustSay()) {
            assertThat(refused.getMessage()).as(row.what() + ": the API server's message").contains(text);
          }
          assertThat(installs.withName(name).get().getMetadata().getGeneration())
              .as(row.what() + ": the stored spec is unchanged").isEqualTo(valid.getMetadata().getGeneration());
          refusedBySchema++;
          System.out.printf("[invalid-values-it] %-32s refused: %s%n", row.what(), firstLine(refused.getMessage()));
        } else {
          installs.withName(name).patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":" + row.patch() + "}");
          MeshInstall reported = await().atMost(TIMEOUT).until(() -> installs.withName(name).get(), mi ->
              mi.getStatus() != null && mi.getStatus().getObservedGeneration() != null
                  && mi.getStatus().getObservedGeneration().equals(mi.getMetadata().getGeneration())
                  && mi.getStatus().getState() == MeshState.Error);
          Condition reconciled = condition(reported, MeshInstallStatus.RECONCILED);
          assertThat(reconciled.getStatus()).as(row.what()).isEqualTo("False");
          assertThat(reconciled.getReason()).as(row.what())
              .isEqualTo(row.outcome() == Outcome.APPLY ? "ApplyFailed" : "InvalidSpec");
          assertThat(reconciled.getMessage()).as(row.what()).doesNotContain("Failure executing").doesNotContain("https://");
          for (String text : row.mustSay()) {
            assertThat(reconciled.getMessage()).as(row.what() + ": the status message").contains(text);
          }
          reportedInStatus++;
          System.out.printf("[invalid-values-it] %-32s reported: %s%n", row.what(), reconciled.getMessage());
        }
        // The running control plane and injection are as they were.
        Deployment now = istiod.get();
        assertThat(now.getMetadata().getGeneration()).as(row.what() + ": istiod's generation")
            .isEqualTo(before.getMetadata().getGeneration());
        assertThat(now.getMetadata().getResourceVersion()).as(row.what() + ": istiod's resourceVersion")
            .isEqualTo(before.getMetadata().getResourceVersion());
        assertThat(proxyCpu(client, ns)).as(row.what() + ": a new pod's sidecar, last valid settings").isEqualTo("123m");
        if (row.outcome() != Outcome.SCHEMA) {
          // Back to the valid spec for the next row; the re-apply of the same objects is a no-op.
          MergeEdits.edit(installs.withName(name), mi -> {
            mi.setSpec(valid.getSpec());
            return mi;
          });
          awaitReady(installs, name);
          assertThat(istiod.get().getMetadata().getGeneration()).as(row.what() + ": after the fix")
              .isEqualTo(before.getMetadata().getGeneration());
        }
        System.out.printf("[invalid-values-it] %-32s checked in %d ms%n", row.what(),
            Duration.ofNanos(System.nanoTime() - rowStarted).toMillis());
      }
      System.out.printf("[invalid-values-it] %d rows: %d refused by the schema, %d reported in status; %d pods injected"
              + " with the last valid settings; %d s%n", rows().size(), refusedBySchema, reportedInStatus, pods.get(),
          Duration.ofNanos(System.nanoTime() - started).toSeconds());
      assertThat(installs.withName(name + "-new").get()).isNull();

      // Positive controls. Why a malformed quantity must not reach a pod: the API server refuses it.
      KubernetesClientException badPod = catchRefusal(() -> client.pods().inNamespace(ns.name()).resource(new PodBuilder()
          .withNewMetadata().withName("bad-quantity").addToLabels("sidecar.istio.io/inject", "false").endMetadata()
          .withNewSpec().addNewContainer().withName("app").withImage("nginx").withNewResources()
          .addToRequests("cpu", new io.fabric8.kubernetes.api.model.Quantity("lots")).endResources().endContainer()
          .endSpec().build()).create());
      assertThat(badPod).as("a pod carrying cpu 'lots'").isNotNull();
      assertThat(badPod.getMessage()).contains("quantities must match the regular expression");
      // And the checks above can fail: a valid edit does change istiod and the injected sidecar.
      installs.withName(name).patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"sidecarInjector\":{\"resources\":"
          + "{\"requests\":{\"cpu\":\"321m\"}}},\"components\":{\"pilot\":{\"resources\":{\"requests\":{\"cpu\":\"250m\"}}}}}}");
      awaitReady(installs, name);
      assertThat(istiod.get().getMetadata().getGeneration()).as("istiod after a valid edit")
          .isGreaterThan(before.getMetadata().getGeneration());
      await().atMost(TIMEOUT).untilAsserted(() -> assertThat(proxyCpu(client, ns)).as("a sidecar after a valid edit")
          .isEqualTo("321m"));
    } finally {
      try {
        installs.withName(name).delete();
        await().atMost(TIMEOUT).until(() -> installs.withName(name).get() == null);
      } catch (RuntimeException | AssertionError e) {
        System.err.println("cleanup of " + name + " failed: " + e);
      } finally {
        operator.close();
        asServiceAccount.close();
        client.namespaces().withName(operatorNs).delete();
      }
    }
  }

  private static MeshInstall meshInstall(String name, String specJson) {
    return YAML.unmarshal("{\"apiVersion\":\"meshoperator.dev/v1alpha1\",\"kind\":\"MeshInstall\","
        + "\"metadata\":{\"name\":\"" + name + "\"},\"spec\":" + specJson + "}", MeshInstall.class);
  }

  private static void awaitReady(io.fabric8.kubernetes.client.dsl.MixedOperation<MeshInstall, ?, ?> installs, String name) {
    await().atMost(TIMEOUT).untilAsserted(() -> {
      MeshInstall current = installs.withName(name).get();
      assertThat(current.getStatus()).isNotNull();
      assertThat(current.getStatus().getObservedGeneration()).isEqualTo(current.getMetadata().getGeneration());
      assertThat(current.getStatus().getState()).as("state: %s", current.getStatus().getConditions()).isEqualTo(MeshState.Ready);
    });
  }

  private static Condition condition(MeshInstall mi, String type) {
    return mi.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst()
        .orElseThrow(() -> new AssertionError("no " + type + " condition: " + mi.getStatus()));
  }

  private static KubernetesClientException catchRefusal(Runnable write) {
    try {
      write.run();
      return null;
    } catch (KubernetesClientException e) {
      return e;
    }
  }

  /** Creates a pod as a user would and returns its istio-proxy's cpu request. */
  private String proxyCpu(KubernetesClient client, TestNamespace ns) {
    Pod created = client.pods().inNamespace(ns.name()).resource(new PodBuilder()
        .withNewMetadata().withName("probe-" + pods.incrementAndGet()).endMetadata()
        .withNewSpec().addNewContainer().withName("app").withImage("nginx").endContainer().endSpec().build()).create();
    Container proxy = Stream.concat(
            created.getSpec().getInitContainers() == null ? Stream.empty() : created.getSpec().getInitContainers().stream(),
            created.getSpec().getContainers().stream())
        .filter(c -> c.getName().equals("istio-proxy")).findFirst()
        .orElseThrow(() -> new AssertionError("pod " + created.getMetadata().getName() + " has no istio-proxy"));
    return proxy.getResources().getRequests().get("cpu").toString();
  }

  private static String firstLine(String message) {
    return message.lines().findFirst().orElse("");
  }

}
