package dev.meshoperator.profile;

import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.AffinityBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Defensive copies for the records. fabric8 model objects are mutable, and the same config is
 * rendered again and again; copying on the way in keeps a caller's later edits (or an applier's)
 * from leaking into the next render, and sorted maps keep the output order stable.
 */
public final class Copies {
  private Copies() {}

  public static <V> SortedMap<String, V> sorted(Map<String, V> map) {
    return map == null ? Collections.emptySortedMap() : Collections.unmodifiableSortedMap(new TreeMap<>(map));
  }

  public static ResourceRequirements resources(ResourceRequirements r) {
    if (r == null) {
      return new ResourceRequirementsBuilder().build();
    }
    return new ResourceRequirementsBuilder(r)
        .withRequests(r.getRequests() == null || r.getRequests().isEmpty() ? null : new TreeMap<>(r.getRequests()))
        .withLimits(r.getLimits() == null || r.getLimits().isEmpty() ? null : new TreeMap<>(r.getLimits()))
        .build();
  }

  /** The profile's requests and limits with the user's laid over them key by key. */
  public static ResourceRequirements merge(ResourceRequirements base, ResourceRequirements user) {
    if (user == null) {
      return resources(base);
    }
    return resources(new ResourceRequirementsBuilder()
        .withRequests(mergeQuantities(base == null ? null : base.getRequests(), user.getRequests()))
        .withLimits(mergeQuantities(base == null ? null : base.getLimits(), user.getLimits()))
        .withClaims(user.getClaims() != null && !user.getClaims().isEmpty() ? user.getClaims() : base == null ? null : base.getClaims())
        .build());
  }

  private static Map<String, Quantity> mergeQuantities(Map<String, Quantity> base, Map<String, Quantity> user) {
    TreeMap<String, Quantity> merged = new TreeMap<>();
    if (base != null) {
      merged.putAll(base);
    }
    if (user != null) {
      merged.putAll(user);
    }
    return merged;
  }

  public static List<Toleration> tolerations(List<Toleration> list) {
    return list == null ? List.of() : list.stream().filter(Objects::nonNull).map(t -> new TolerationBuilder(t).build()).toList();
  }

  public static Affinity affinity(Affinity a) {
    return a == null ? null : new AffinityBuilder(a).build();
  }

  public static List<EnvVar> env(List<EnvVar> list) {
    return list == null ? List.of() : list.stream().filter(Objects::nonNull).map(e -> new EnvVarBuilder(e).build()).toList();
  }

  public static List<ServicePort> servicePorts(List<ServicePort> list) {
    return list == null ? List.of() : list.stream().filter(Objects::nonNull).map(p -> new ServicePortBuilder(p).build()).toList();
  }

  public static List<LabelSelector> selectors(List<LabelSelector> list) {
    return list == null ? List.of() : list.stream().filter(Objects::nonNull).map(s -> new LabelSelectorBuilder(s).build()).toList();
  }
}
