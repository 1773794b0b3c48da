package dev.meshoperator.reconcile;

import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.render.Labels;
import dev.meshoperator.wiring.ApiErrors;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceCondition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The finalizer's work: delete everything labelled with the install, webhook configurations first,
 * cluster RBAC included; the namespace only when we created it and no other install uses it; the
 * shared Istio CRDs only when the spec asks and no other install is left. Then look again: what is
 * still there (terminating behind a finalizer, refused by the API server) is reported with why, and
 * the finalizer stays until a later pass finds nothing left. Giving up after a time budget would
 * leave objects behind with nobody owning their cleanup; {@code meshctl uninstall --force} is the
 * explicit way to do that.
 */
public final class Uninstaller {
  /** Why one object is still there. */
  public record Leftover(ObjectKey key, String why, boolean blocked) {
    @Override
    public String toString() {
      return key + " (" + why + ")";
    }
  }

  /** What was deleted in this pass and what is still there; done when nothing is. */
  public record Report(List<ObjectKey> deleted, List<Leftover> remaining) {
    public boolean done() {
      return remaining.isEmpty();
    }

    /** True when something is held by more than ordinary termination (a finalizer, a refused request). */
    public boolean blocked() {
      return remaining.stream().anyMatch(Leftover::blocked);
    }
  }

  public Report uninstall(KubernetesClient client, MeshInstall install, Collection<MeshInstall> others) {
    String name = install.getMetadata().getName();
    List<ObjectKey> deleted = new ArrayList<>();
    Map<ObjectKey, String> refused = new LinkedHashMap<>();
    List<ManagedKind> kinds = new ArrayList<>(ManagedKinds.ALL);
    Collections.reverse(kinds);
    for (ManagedKind kind : kinds) {
      try {
        for (HasMetadata object : list(client, kind, Labels.INSTALL + "=" + name)) {
          if (object.getMetadata().getDeletionTimestamp() != null) {
            continue; // already on its way; the second look reports it if it stays
          }
          if (object instanceof Namespace ns) {
            handOverOrDelete(client, ns, install, others, deleted, refused);
          } else {
            delete(client, object, deleted, refused);
          }
        }
      } catch (KubernetesClientException e) {
        refused.put(new ObjectKey(kind.kind(), null, "*"), "cannot list: " + ApiErrors.message(e));
      }
    }
    boolean crds = removeCrds(install) && others.isEmpty();
    if (crds) {
      try {
        for (HasMetadata crd : list(client, CRDS, SharedObjects.SHARED_LABEL + "=true")) {
          if (crd.getMetadata().getDeletionTimestamp() == null) {
            delete(client, crd, deleted, refused);
          }
        }
      } catch (KubernetesClientException e) {
        refused.put(new ObjectKey("CustomResourceDefinition", null, "*"), "cannot list: " + ApiErrors.message(e));
      }
    }
    return new Report(List.copyOf(deleted), remaining(client, name, crds, refused));
  }

  /** What is still there of the install, each with why; for the finalizer and for meshctl uninstall --force. */
  public static List<Leftover> remaining(KubernetesClient client, String installName) {
    return remaining(client, installName, false, Map.of());
  }

  private static final ManagedKind CRDS = new ManagedKind(CustomResourceDefinition.class, false);

  private static List<Leftover> remaining(KubernetesClient client, String installName, boolean crds,
      Map<ObjectKey, String> refused) {
    List<Leftover> left = new ArrayList<>();
    refused.forEach((key, why) -> {
      if (key.name().equals("*")) {
        left.add(new Leftover(key, why, true));
      }
    });
    List<ManagedKind> kinds = new ArrayList<>(ManagedKinds.ALL);
    if (crds) {
      kinds.add(CRDS);
    }
    for (ManagedKind kind : kinds) {
      String selector = kind == CRDS ? SharedObjects.SHARED_LABEL + "=true" : Labels.INSTALL + "=" + installName;
      try {
        for (HasMetadata object : list(client, kind, selector)) {
          ObjectKey key = ObjectKey.of(object);
          if (refused.containsKey(key)) {
            left.add(new Leftover(key, refused.get(key), true));
          } else {
            left.add(why(object));
          }
        }
      } catch (KubernetesClientException e) {
        if (!refused.containsKey(new ObjectKey(kind.kind(), null, "*"))) {
          left.add(new Leftover(new ObjectKey(kind.kind(), null, "*"), "cannot list: " + ApiErrors.message(e), true));
        }
      }
    }
    return List.copyOf(left);
  }

  private static Leftover why(HasMetadata object) {
    ObjectKey key = ObjectKey.of(object);
    var meta = object.getMetadata();
    if (meta.getDeletionTimestamp() == null) {
      return new Leftover(key, "not deleted yet", false);
    }
    List<String> finalizers = meta.getFinalizers() == null ? List.of() : meta.getFinalizers();
    if (!finalizers.isEmpty()) {
      return new Leftover(key, "terminating, held by finalizer " + String.join(", ", finalizers), true);
    }
    if (object instanceof Namespace ns && ns.getStatus() != null && ns.getStatus().getConditions() != null) {
      // The namespace controller says what it waits for: content, or content held by finalizers.
      List<NamespaceCondition> holding = ns.getStatus().getConditions().stream()
          .filter(c -> "True".equals(c.getStatus()) && c.getMessage() != null)
          .toList();
      if (!holding.isEmpty()) {
        boolean finalizersRemaining = holding.stream().anyMatch(c -> "NamespaceFinalizersRemaining".equals(c.getType())
            || c.getType().endsWith("Failure"));
        return new Leftover(key, "terminating: " + holding.stream().map(NamespaceCondition::getMessage)
            .collect(Collectors.joining("; ")), finalizersRemaining);
      }
    }
    return new Leftover(key, "terminating", false);
  }

  /** Another install in the same namespace keeps it, and inherits the label that lets it delete it later. */
  private static void handOverOrDelete(KubernetesClient client, Namespace ns, MeshInstall install,
      Collection<MeshInstall> others, List<ObjectKey> deleted, Map<ObjectKey, String> refused) {
    var heir = others.stream()
        .filter(o -> o.getSpec() != null && ns.getMetadata().getName().equals(o.getSpec().getNamespace()))
        .findFirst();
    if (heir.isEmpty()) {
      delete(client, ns, deleted, refused);
      return;
    }
    try {
      client.namespaces().withName(ns.getMetadata().getName())
          .edit(n -> { n.getMetadata().getLabels().put(Labels.INSTALL, heir.get().getMetadata().getName()); return n; });
    } catch (KubernetesClientException e) {
      refused.put(ObjectKey.of(ns), "cannot hand it over to MeshInstall " + heir.get().getMetadata().getName()
          + ": " + ApiErrors.message(e));
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

  private static void delete(KubernetesClient client, HasMetadata object, List<ObjectKey> deleted,
      Map<ObjectKey, String> refused) {
    ObjectKey key = ObjectKey.of(object);
    try {
      client.resource(object).withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
      deleted.add(key);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        refused.put(key, "delete refused: " + ApiErrors.message(e));
      }
    }
  }
}
