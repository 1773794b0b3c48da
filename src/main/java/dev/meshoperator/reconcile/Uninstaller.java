package dev.meshoperator.reconcile;

import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.render.Labels;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;

/**
 * The finalizer's work: delete everything labelled with the install, webhook configurations first,
 * cluster RBAC included; the namespace only when we created it and no other install uses it; the
 * shared Istio CRDs only when the spec asks and no other install is left. Best-effort and bounded:
 * a failure is reported, not retried forever, because a MeshInstall that cannot be deleted is worse
 * than a leftover object (the ownerReferences let the garbage collector catch most of those).
 * Deletion is not awaited; the garbage collector and the namespace controller finish it.
 */
public final class Uninstaller {
  /** What was deleted and what could not be. */
  public record Report(List<ObjectKey> deleted, List<String> failures) {}

  private final Clock clock;
  private final Duration budget;

  public Uninstaller(Clock clock, Duration budget) {
    this.clock = clock;
    this.budget = budget;
  }

  public Report uninstall(KubernetesClient client, MeshInstall install, Collection<MeshInstall> others) {
    Instant deadline = clock.instant().plus(budget);
    String name = install.getMetadata().getName();
    List<ObjectKey> deleted = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    List<ManagedKind> kinds = new ArrayList<>(ManagedKinds.ALL);
    Collections.reverse(kinds);
    for (ManagedKind kind : kinds) {
      if (clock.instant().isAfter(deadline)) {
        failures.add("gave up after " + budget.toSeconds() + "s before deleting " + kind.kind() + " objects");
        continue;
      }
      try {
        for (HasMetadata object : list(client, kind, Labels.INSTALL + "=" + name)) {
          if (object instanceof Namespace ns) {
            handOverOrDelete(client, ns, install, others, deleted, failures);
          } else {
            delete(client, object, deleted, failures);
          }
        }
      } catch (KubernetesClientException e) {
        failures.add("list " + kind.kind() + ": " + e.getMessage());
      }
    }
    if (removeCrds(install) && others.isEmpty()) {
      try {
        for (HasMetadata crd : list(client, new ManagedKind(CustomResourceDefinition.class, false), SharedObjects.SHARED_LABEL + "=true")) {
          delete(client, crd, deleted, failures);
        }
      } catch (KubernetesClientException e) {
        failures.add("list CustomResourceDefinitions: " + e.getMessage());
      }
    }
    return new Report(List.copyOf(deleted), List.copyOf(failures));
  }

  /** Another install in the same namespace keeps it, and inherits the label that lets it delete it later. */
  private static void handOverOrDelete(KubernetesClient client, Namespace ns, MeshInstall install,
      Collection<MeshInstall> others, List<ObjectKey> deleted, List<String> failures) {
    var heir = others.stream()
        .filter(o -> o.getSpec() != null && ns.getMetadata().getName().equals(o.getSpec().getNamespace()))
        .findFirst();
    if (heir.isEmpty()) {
      delete(client, ns, deleted, failures);
      return;
    }
    try {
      client.namespaces().withName(ns.getMetadata().getName())
          .edit(n -> { n.getMetadata().getLabels().put(Labels.INSTALL, heir.get().getMetadata().getName()); return n; });
    } catch (KubernetesClientException e) {
      failures.add("hand namespace " + ns.getMetadata().getName() + " over: " + e.getMessage());
    }
  }

  private static boolean removeCrds(MeshInstall install) {
    var spec = install.getSpec();
    return spec != null && spec.getComponents() != null && spec.getComponents().getBase() != null
        && Boolean.TRUE.equals(spec.getComponents().getBase().getRemoveOnUninstall());
  }

  @SuppressWarnings("unchecked")
  private static List<HasMetadata> list(KubernetesClient client, ManagedKind kind, String labelSelector) {
    MixedOperation<HasMetadata, KubernetesResourceList<HasMetadata>, Resource<HasMetadata>> resources =
        client.resources((Class<HasMetadata>) kind.type());
    List<HasMetadata> items = kind.namespaced()
        ? resources.inAnyNamespace().withLabelSelector(labelSelector).list().getItems()
        : resources.withLabelSelector(labelSelector).list().getItems();
    return items.stream()
        .filter(o -> o.getMetadata().getLabels() != null
            && Labels.MANAGED_BY_VALUE.equals(o.getMetadata().getLabels().get(Labels.MANAGED_BY)))
        .filter(o -> !Provenance.madeByAnotherController(o))
        .toList();
  }

  private static void delete(KubernetesClient client, HasMetadata object, List<ObjectKey> deleted, List<String> failures) {
    ObjectKey key = ObjectKey.of(object);
    try {
      client.resource(object).withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
      deleted.add(key);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        failures.add("delete " + key + ": " + e.getMessage());
      }
    }
  }
}
