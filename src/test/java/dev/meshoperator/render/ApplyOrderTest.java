package dev.meshoperator.render;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshoperator.MeshInstalls;
import dev.meshoperator.api.Profile;
import dev.meshoperator.profile.Profiles;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfigurationBuilder;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The apply steps: what may be applied at once, and that every ordering the kinds need survives. */
class ApplyOrderTest {
  /** kind -> kinds that must have been applied (their whole step finished) before it starts. */
  private static final Map<String, Set<String>> NEEDS = Map.of(
      "ClusterRoleBinding", Set.of("ClusterRole"),
      "RoleBinding", Set.of("Role"),
      "Deployment", Set.of("ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "ConfigMap", "Secret", "Service"),
      "DaemonSet", Set.of("ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "ConfigMap", "Secret", "Service"),
      "HorizontalPodAutoscaler", Set.of("Deployment", "DaemonSet"),
      "PodDisruptionBudget", Set.of("Deployment", "DaemonSet"));

  /** The demo profile as the reconciler applies it, plus what other renderers and the reconciler add. */
  private static List<HasMetadata> demoWithWebhookAndExtras() {
    List<HasMetadata> objects = new ArrayList<>(new Renderer().render(Profiles.resolve(MeshInstalls.example(Profile.DEMO))));
    objects.add(new MutatingWebhookConfigurationBuilder().withNewMetadata().withName("injector").endMetadata().build());
    objects.sort(ApplyOrder.BY_KIND);
    // After the sort, as MeshInstallReconciler.withLastValidSpec does: out of kind order on purpose.
    objects.add(new ConfigMapBuilder().withNewMetadata().withName(LastValidSpec.NAME).withNamespace("istio-system").endMetadata().build());
    objects.add(new GenericKubernetesResourceBuilder().withApiVersion("example.com/v1").withKind("Widget")
        .withNewMetadata().withName("a").endMetadata().build());
    objects.add(new GenericKubernetesResourceBuilder().withApiVersion("example.com/v1").withKind("Widget")
        .withNewMetadata().withName("b").endMetadata().build());
    return objects;
  }

  @Test
  void stepsHoldEveryObjectOnceAndKeepRenderOrderWithinAStep() {
    List<HasMetadata> objects = demoWithWebhookAndExtras();
    List<List<HasMetadata>> steps = ApplyOrder.steps(objects);
    List<HasMetadata> flat = steps.stream().flatMap(List::stream).toList();
    assertThat(flat).hasSameSizeAs(objects);
    assertThat(new IdentityHashMap<HasMetadata, Boolean>() {{ flat.forEach(o -> put(o, true)); }}).hasSize(objects.size());
    for (List<HasMetadata> step : steps) {
      List<Integer> positions = step.stream().map(o -> indexOf(objects, o)).toList();
      assertThat(positions).isSorted();
    }
  }

  @Test
  void everyObjectStartsAfterTheStepsOfWhatItNeedsAndOfEverythingRenderedBeforeItOutOfKindOrder() {
    List<HasMetadata> objects = demoWithWebhookAndExtras();
    List<List<HasMetadata>> steps = ApplyOrder.steps(objects);
    Map<HasMetadata, Integer> stepOf = new IdentityHashMap<>();
    for (int i = 0; i < steps.size(); i++) {
      for (HasMetadata o : steps.get(i)) {
        stepOf.put(o, i);
      }
    }
    for (int b = 0; b < objects.size(); b++) {
      HasMetadata object = objects.get(b);
      Set<String> needed = NEEDS.getOrDefault(object.getKind(), Set.of());
      boolean webhook = object.getKind().endsWith("WebhookConfiguration");
      for (int a = 0; a < b; a++) {
        HasMetadata earlier = objects.get(a);
        // what it needs; and before a webhook configuration, everything (the control plane exists
        // before injection or validation starts); and whatever the list put before it out of kind order
        boolean mustPrecede = needed.contains(earlier.getKind()) || webhook && !earlier.getKind().equals(object.getKind())
            || ApplyOrder.rank(earlier) > ApplyOrder.rank(object) || ApplyOrder.step(object.getKind()) < 0;
        if (mustPrecede) {
          assertThat(stepOf.get(earlier)).as("%s %s (step %d) after %s %s (step %d)", object.getKind(),
              object.getMetadata().getName(), stepOf.get(object), earlier.getKind(), earlier.getMetadata().getName(),
              stepOf.get(earlier)).isLessThan(stepOf.get(object));
        }
      }
    }
  }

  @Test
  void demoProfileAppliesInSevenStepsWithTheWebhookConfigurationsAndTheLastValidSpecKeepingTheirPlaces() {
    List<List<HasMetadata>> steps = ApplyOrder.steps(demoWithWebhookAndExtras());
    List<Set<String>> kinds = steps.stream().map(s -> s.stream().map(HasMetadata::getKind)
        .collect(Collectors.toCollection(LinkedHashSet::new))).map(s -> (Set<String>) s).toList();
    System.out.println("[apply steps] demo: " + steps.stream().map(List::size).toList() + " objects per step: " + kinds);
    assertThat(kinds).containsExactly(
        Set.of("CustomResourceDefinition", "ServiceAccount", "ClusterRole", "Role", "ConfigMap"),
        Set.of("ClusterRoleBinding", "RoleBinding", "Service"),
        Set.of("Deployment"),
        Set.of("MutatingWebhookConfiguration"),
        Set.of("ValidatingWebhookConfiguration"),
        Set.of("ConfigMap"),
        Set.of("Widget"),
        Set.of("Widget"));
    assertThat(steps.get(0).stream().filter(o -> o.getKind().equals("CustomResourceDefinition"))).hasSizeGreaterThan(10);
    assertThat(steps.get(5)).singleElement().satisfies(cm -> assertThat(cm.getMetadata().getName()).isEqualTo(LastValidSpec.NAME));
    assertThat(steps.get(6).get(0).getMetadata().getName()).isEqualTo("a");
    assertThat(steps.get(7).get(0).getMetadata().getName()).isEqualTo("b");
  }

  @Test
  void everyKnownKindHasAStep() {
    assertThat(ApplyOrder.KINDS).hasSizeGreaterThan(10);
    for (String kind : ApplyOrder.KINDS) {
      assertThat(ApplyOrder.step(kind)).as(kind).isNotNegative();
    }
    assertThat(ApplyOrder.step("Widget")).isEqualTo(-1);
    assertThat(ApplyOrder.steps(List.of())).isEmpty();
  }

  private static int indexOf(List<HasMetadata> objects, HasMetadata object) {
    for (int i = 0; i < objects.size(); i++) {
      if (objects.get(i) == object) {
        return i;
      }
    }
    return -1;
  }
}
