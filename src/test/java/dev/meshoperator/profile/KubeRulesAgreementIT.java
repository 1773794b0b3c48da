package dev.meshoperator.profile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshoperator.testenv.KubeTest;
import dev.meshoperator.testenv.TestNamespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Our copies of Kubernetes' rules (KubeResources, KubeNames: resources, label and annotation keys
 * and values, environment variable names) against the real API server: each case
 * goes into a pod created with a server-side dry run, and the API server must refuse exactly the
 * cases we refuse. A MeshInstall's values reach injected pods; where we let through what the API
 * server refuses, every injected pod is refused while the status says Applied.
 */
@KubeTest
class KubeRulesAgreementIT {
  private static final String BAD_NAME_63 = "a".repeat(63);

  record Case(String what, Map<String, String> requests, Map<String, String> limits) {}

  static List<Case> resourceCases() {
    return List.of(
        new Case("cpu and memory", Map.of("cpu", "100m", "memory", "128Mi"), Map.of("cpu", "2", "memory", "1Gi")),
        new Case("unknown unprefixed name", Map.of("cpuu", "10m"), Map.of()),
        new Case("a quota name, not a container's", Map.of("pods", "1"), Map.of()),
        new Case("storage", Map.of("storage", "1Gi"), Map.of()),
        new Case("ephemeral storage", Map.of("ephemeral-storage", "1Gi"), Map.of()),
        new Case("memory request above its limit", Map.of("memory", "2Gi"), Map.of("memory", "1Gi")),
        new Case("cpu equal, spelled differently", Map.of("cpu", "1"), Map.of("cpu", "1000m")),
        new Case("cpu a milli above", Map.of("cpu", "1001m"), Map.of("cpu", "1")),
        new Case("exponent and suffix equal", Map.of("cpu", "1e-3", "memory", "1Ki"), Map.of("cpu", "1m", "memory", "1024")),
        new Case("binary and decimal equal", Map.of("memory", "1.5Gi"), Map.of("memory", "1536Mi")),
        new Case("below a nanocore, rounded up", Map.of("cpu", "0.0000000001"), Map.of("cpu", "1n")),
        new Case("extended without a limit", Map.of("example.com/gpu", "1"), Map.of()),
        new Case("extended limit alone", Map.of(), Map.of("example.com/gpu", "2")),
        new Case("extended request below its limit", Map.of("example.com/gpu", "1"), Map.of("example.com/gpu", "2")),
        new Case("extended, fractional", Map.of("example.com/gpu", "0.5"), Map.of("example.com/gpu", "0.5")),
        new Case("extended, 1 and 1.0", Map.of("example.com/gpu", "1"), Map.of("example.com/gpu", "1.0")),
        new Case("extended with a requests. prefix", Map.of(), Map.of("requests.example.com/gpu", "1")),
        new Case("upper-case domain", Map.of(), Map.of("Example.com/gpu", "1")),
        new Case("two slashes", Map.of(), Map.of("example.com/a/b", "1")),
        new Case("kubernetes.io domain", Map.of(), Map.of("kubernetes.io/batch-cpu", "1")),
        new Case("huge pages, whole pages", Map.of("hugepages-2Mi", "4Mi", "memory", "1Gi"), Map.of("hugepages-2Mi", "4Mi")),
        new Case("huge pages, a page and a half", Map.of("memory", "1Gi"), Map.of("hugepages-2Mi", "3Mi")),
        new Case("huge pages below their limit", Map.of("hugepages-2Mi", "2Mi", "memory", "1Gi"), Map.of("hugepages-2Mi", "4Mi")),
        new Case("huge pages alone", Map.of(), Map.of("hugepages-2Mi", "4Mi")),
        new Case("huge pages of no size", Map.of("memory", "1Gi"), Map.of("hugepages-big", "4Mi")));
  }

  @Test
  void theApiServerRefusesExactlyTheResourcesWeRefuse(KubernetesClient client, TestNamespace ns) {
    List<String> verdicts = new ArrayList<>();
    List<String> disagreements = new ArrayList<>();
    int refused = 0;
    List<Case> cases = resourceCases();
    for (int i = 0; i < cases.size(); i++) {
      Case c = cases.get(i);
      ResourceRequirements resources = resources(c);
      List<Problem> ours = KubeResources.problems("resources", resources, resources);
      Optional<String> theirs = dryRun(client, ns, new PodBuilder(pod("res-" + i))
          .editSpec().editFirstContainer().withResources(resources).endContainer().endSpec().build());
      refused += theirs.isPresent() ? 1 : 0;
      verdicts.add(c.what() + ": ours " + ours + ", API server " + theirs.orElse("accepted"));
      if (ours.isEmpty() != theirs.isEmpty()) {
        disagreements.add(verdicts.get(i));
      }
    }
    assertThat(disagreements).as(String.join("\n", verdicts)).isEmpty();
    // Both verdicts occur, so the comparison could fail either way.
    assertThat(refused).isBetween(5, cases.size() - 5);
  }

  @Test
  void theApiServerRefusesExactlyTheLabelsAndAnnotationKeysWeRefuse(KubernetesClient client, TestNamespace ns) {
    List<Map.Entry<String, String>> labels = List.of(
        Map.entry("app", "web"), Map.entry("example.com/team", "mesh"), Map.entry("Example.com/team", "mesh"),
        Map.entry("team/a/b", "x"), Map.entry("bad key!", "x"), Map.entry("/name", "x"), Map.entry("example.com/", "x"),
        Map.entry(BAD_NAME_63, "x"), Map.entry(BAD_NAME_63 + "a", "x"), Map.entry("app", BAD_NAME_63),
        Map.entry("app", BAD_NAME_63 + "a"), Map.entry("app", "-web"), Map.entry("app", ""), Map.entry("app", "a_b.c-d"));
    List<String> annotations = List.of("example.com/x", "Example.com/X", "team/a/b", "bad key!", "a".repeat(254) + "/x",
        "kubernetes.io/description");
    List<String> verdicts = new ArrayList<>();
    List<String> disagreements = new ArrayList<>();
    int refused = 0;
    for (int i = 0; i < labels.size() + annotations.size(); i++) {
      boolean label = i < labels.size();
      Map<String, String> map = label
          ? Map.of(labels.get(i).getKey(), labels.get(i).getValue())
          : Map.of(annotations.get(i - labels.size()), "any value at all");
      List<Problem> ours = label ? KubeNames.labelProblems("labels", map) : KubeNames.annotationProblems("annotations", map);
      Pod pod = new PodBuilder(pod("names-" + i)).editMetadata()
          .withLabels(label ? map : null).withAnnotations(label ? null : map).endMetadata().build();
      Optional<String> theirs = dryRun(client, ns, pod);
      refused += theirs.isPresent() ? 1 : 0;
      String verdict = (label ? "label " : "annotation ") + map + ": ours " + ours + ", API server " + theirs.orElse("accepted");
      verdicts.add(verdict);
      if (ours.isEmpty() != theirs.isEmpty()) {
        disagreements.add(verdict);
      }
    }
    assertThat(disagreements).as(String.join("\n", verdicts)).isEmpty();
    assertThat(refused).isBetween(5, labels.size() + annotations.size() - 5);
  }

  @Test
  void theApiServerRefusesExactlyTheEnvironmentVariableNamesWeRefuse(KubernetesClient client, TestNamespace ns) {
    List<String> names = List.of("ISTIO_META_DNS_CAPTURE", "1st.var name", "a-b.c", "~!@#$%^&*()", "A=B", "TAB\tNAME",
        "caf\u00e9", "", "=", "NEW\nLINE");
    List<String> verdicts = new ArrayList<>();
    List<String> disagreements = new ArrayList<>();
    int refused = 0;
    for (int i = 0; i < names.size(); i++) {
      String name = names.get(i);
      Optional<String> ours = KubeNames.envNameProblem(name);
      Optional<String> theirs = dryRun(client, ns, new PodBuilder(pod("env-" + i))
          .editSpec().editFirstContainer().addNewEnv().withName(name).withValue("v").endEnv().endContainer().endSpec().build());
      refused += theirs.isPresent() ? 1 : 0;
      String verdict = "env '" + name + "': ours " + ours.orElse("accepted") + ", API server " + theirs.orElse("accepted");
      verdicts.add(verdict);
      if (ours.isEmpty() != theirs.isEmpty()) {
        disagreements.add(verdict);
      }
    }
    assertThat(disagreements).as(String.join("\n", verdicts)).isEmpty();
    assertThat(refused).isBetween(3, names.size() - 3);
  }

  private static ResourceRequirements resources(Case c) {
    var builder = new ResourceRequirementsBuilder();
    new TreeMap<>(c.requests()).forEach((k, v) -> builder.addToRequests(k, new Quantity(v)));
    new TreeMap<>(c.limits()).forEach((k, v) -> builder.addToLimits(k, new Quantity(v)));
    return builder.build();
  }

  private static Pod pod(String name) {
    return new PodBuilder().withNewMetadata().withName(name).endMetadata()
        .withNewSpec().addNewContainer().withName("app").withImage("nginx").endContainer().endSpec().build();
  }

  /** The API server's refusal of {@code pod}, or empty when it would create it. */
  private static Optional<String> dryRun(KubernetesClient client, TestNamespace ns, Pod pod) {
    try {
      client.pods().inNamespace(ns.name()).resource(pod).dryRun().create();
      return Optional.empty();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 422) {
        throw e;
      }
      return Optional.of(e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage() : e.getMessage());
    }
  }
}
