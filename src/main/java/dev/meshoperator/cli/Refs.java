package dev.meshoperator.cli;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.Locale;

/** How meshctl names objects in messages: kubectl's {@code deployment.apps/istiod} and {@code Kind ns/name}. */
final class Refs {
  private Refs() {}

  /** As kubectl apply prints it: lower-case kind, the group unless core, the name. */
  static String kubectl(HasMetadata o) {
    String group = o.getApiVersion() != null && o.getApiVersion().contains("/")
        ? "." + o.getApiVersion().substring(0, o.getApiVersion().indexOf('/')) : "";
    return o.getKind().toLowerCase(Locale.ROOT) + group + "/" + o.getMetadata().getName();
  }

  /** {@code Kind namespace/name}, or {@code Kind name} for cluster-scoped objects. */
  static String qualified(HasMetadata o) {
    String ns = o.getMetadata().getNamespace();
    return o.getKind() + " " + (ns == null ? "" : ns + "/") + o.getMetadata().getName();
  }
}
