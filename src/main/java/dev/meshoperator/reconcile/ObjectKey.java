package dev.meshoperator.reconcile;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.Comparator;

/** Identity of an applied object: kind, namespace (empty when cluster-scoped) and name. */
public record ObjectKey(String kind, String namespace, String name) implements Comparable<ObjectKey> {
  private static final Comparator<ObjectKey> ORDER = Comparator.comparing(ObjectKey::kind)
      .thenComparing(ObjectKey::namespace).thenComparing(ObjectKey::name);

  public ObjectKey {
    namespace = namespace == null ? "" : namespace;
  }

  public static ObjectKey of(HasMetadata object) {
    return new ObjectKey(object.getKind(), object.getMetadata().getNamespace(), object.getMetadata().getName());
  }

  @Override
  public int compareTo(ObjectKey other) {
    return ORDER.compare(this, other);
  }

  @Override
  public String toString() {
    return namespace.isEmpty() ? kind + "/" + name : kind + "/" + namespace + "/" + name;
  }
}
