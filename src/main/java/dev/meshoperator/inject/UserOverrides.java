package dev.meshoperator.inject;

import static dev.meshoperator.inject.IstioKeys.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The user's own istio-proxy / istio-init / istio-validation containers: how Istio users customise
 * the injected ones (istio.io "Customizing injection"; pkg/kube/inject/webhook.go
 * reapplyOverwrittenContainers). Taken out of the pod before the templates render, then laid over
 * the injected container of the same name field by field ({@link StrategicMerge}); an image of
 * {@code auto} (or none) keeps the injected image. Kept in {@code proxy.istio.io/overrides} so a
 * re-injection starts from them again and gives the same pod.
 */
final class UserOverrides {
  static final Set<String> NAMES = Set.of(PROXY_CONTAINER, INIT_CONTAINER, VALIDATION_CONTAINER);
  private static final KubernetesSerialization SERIALIZATION = KubeJson.serialization();

  private final List<Container> containers;
  private final List<Container> initContainers;

  private UserOverrides(List<Container> containers, List<Container> initContainers) {
    this.containers = containers;
    this.initContainers = initContainers;
  }

  /** Removes the reserved-name containers from the spec and keeps them. */
  static UserOverrides takeFrom(PodSpec spec) {
    List<Container> containers = take(spec.getContainers());
    List<Container> init = take(spec.getInitContainers());
    return new UserOverrides(containers, init);
  }

  private static List<Container> take(List<Container> list) {
    List<Container> out = new ArrayList<>(list.stream().filter(c -> NAMES.contains(c.getName())).toList());
    list.removeIf(c -> NAMES.contains(c.getName()));
    return out;
  }

  boolean isEmpty() {
    return containers.isEmpty() && initContainers.isEmpty();
  }

  /** The user's containers as declared, in the order of the pod's containers then init containers. */
  List<Container> all() {
    List<Container> out = new ArrayList<>(containers);
    out.addAll(initContainers);
    return out;
  }

  Optional<Container> proxy() {
    return all().stream().filter(c -> PROXY_CONTAINER.equals(c.getName())).findFirst();
  }

  /**
   * Lays each override over the injected container of its name, wherever the template put it
   * (a native sidecar's istio-proxy is an init container even when the user wrote it as a
   * container). One the templates did not inject goes back to where the user had it.
   *
   * @return whether any override met an injected container
   */
  boolean applyTo(PodSpec spec, SidecarOptions o) {
    boolean applied = false;
    for (Container user : containers) {
      applied |= apply(spec, user, spec.getContainers());
    }
    for (Container user : initContainers) {
      applied |= apply(spec, user, spec.getInitContainers());
    }
    adjustCaptureUser(spec, o);
    return applied;
  }

  private static boolean apply(PodSpec spec, Container user, List<Container> home) {
    for (List<Container> list : List.of(spec.getContainers(), spec.getInitContainers())) {
      for (int i = 0; i < list.size(); i++) {
        if (list.get(i).getName().equals(user.getName())) {
          list.set(i, StrategicMerge.container(list.get(i), withoutAutoImage(user)));
          return true;
        }
      }
    }
    home.add(SERIALIZATION.clone(user));
    return false;
  }

  private static Container withoutAutoImage(Container user) {
    Container c = SERIALIZATION.clone(user);
    if (c.getImage() == null || c.getImage().isEmpty() || AUTO_IMAGE.equals(c.getImage())) {
      c.setImage(null);
    }
    return c;
  }

  /**
   * istio-iptables exempts the proxy's uid (-u); a user who runs istio-proxy as another uid moves
   * that exemption with it, or Envoy would capture its own traffic. In TPROXY mode the proxy must
   * run as root, so a user uid there is set back to 0 (webhook.go adjustInitContainerUser). With
   * Istio CNI the istio-validation container runs as the proxy's uid and gid, so it takes the user's.
   */
  private void adjustCaptureUser(PodSpec spec, SidecarOptions o) {
    Optional<SecurityContext> user = proxy().map(Container::getSecurityContext);
    Optional<Long> uid = user.map(SecurityContext::getRunAsUser);
    Optional<Long> gid = user.map(SecurityContext::getRunAsGroup);
    if (uid.isEmpty() && gid.isEmpty()) {
      return;
    }
    boolean tproxy = o.interceptionMode() == InterceptionMode.TPROXY;
    if (tproxy && uid.isPresent()) {
      find(spec, PROXY_CONTAINER).ifPresent(p -> p.getSecurityContext().setRunAsUser(0L));
    }
    // istio-validation (Istio CNI) checks the rules as the proxy's own uid/gid; istio-init stays root.
    Optional<Container> validation = find(spec, VALIDATION_CONTAINER);
    if (!tproxy && validation.isPresent()) {
      SecurityContext sc = validation.get().getSecurityContext() == null ? new SecurityContext() : validation.get().getSecurityContext();
      uid.ifPresent(sc::setRunAsUser);
      gid.ifPresent(sc::setRunAsGroup);
      validation.get().setSecurityContext(sc);
    }
    if (tproxy || uid.isEmpty() || uid.get() == 0L) {
      return;
    }
    // With CNI the injected one is istio-validation; an istio-init beside it is a user's leftover.
    validation.or(() -> find(spec, INIT_CONTAINER)).ifPresent(init -> {
      List<String> args = new ArrayList<>(init.getArgs());
      int at = args.indexOf("-u");
      if (at >= 0 && at + 1 < args.size()) {
        args.set(at + 1, String.valueOf(uid.get()));
        init.setArgs(args);
      }
    });
  }

  static Optional<Container> find(PodSpec spec, String name) {
    return java.util.stream.Stream.concat(spec.getInitContainers().stream(), spec.getContainers().stream())
        .filter(c -> name.equals(c.getName())).findFirst();
  }

  /** The annotation value: {"containers":[...],"initContainers":[...]}, as Istio writes it. */
  String toJson() {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    if (!containers.isEmpty()) {
      ArrayNode a = n.putArray("containers");
      containers.forEach(c -> a.add(SERIALIZATION.convertValue(c, JsonNode.class)));
    }
    if (!initContainers.isEmpty()) {
      ArrayNode a = n.putArray("initContainers");
      initContainers.forEach(c -> a.add(SERIALIZATION.convertValue(c, JsonNode.class)));
    }
    return n.toString();
  }

  /**
   * Puts the containers recorded in the annotation back into the spec where it has none of that
   * name: the first step of re-injecting a pod whose injected containers were just stripped.
   *
   * @throws IllegalArgumentException when the annotation cannot be read
   */
  static void reinsert(PodSpec spec, String json) {
    JsonNode n;
    try {
      n = SERIALIZATION.unmarshal(json, JsonNode.class);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("is not JSON");
    }
    if (n == null || !n.isObject()) {
      throw new IllegalArgumentException("is not a JSON object");
    }
    reinsert(spec.getContainers(), n.get("containers"));
    reinsert(spec.getInitContainers(), n.get("initContainers"));
  }

  private static void reinsert(List<Container> into, JsonNode list) {
    if (list == null || list.isNull()) {
      return;
    }
    if (!list.isArray()) {
      throw new IllegalArgumentException("has a container list that is not a list");
    }
    for (JsonNode item : list) {
      Container c;
      try {
        c = SERIALIZATION.convertValue(item, Container.class);
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("has an entry that is not a container");
      }
      if (c.getName() != null && into.stream().noneMatch(x -> c.getName().equals(x.getName()))) {
        into.add(c);
      }
    }
  }
}
