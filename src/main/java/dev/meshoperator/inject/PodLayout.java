package dev.meshoperator.inject;

import static dev.meshoperator.inject.IstioKeys.*;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the injected containers sit once every template is merged (webhook.go reorderPod).
 * Native: istio-init (or istio-validation), istio-proxy, then the user's init containers, which so
 * already run in the mesh. Classic: istio-validation first, istio-init last, so user init
 * containers still reach the network before iptables; istio-proxy is the last container (kubectl
 * defaults to the app on old clients), or the first with holdApplicationUntilProxyStarts.
 */
final class PodLayout {
  private PodLayout() {}

  static void order(PodSpec spec, SidecarOptions o) {
    List<Container> init = spec.getInitContainers();
    if (init.stream().anyMatch(c -> PROXY_CONTAINER.equals(c.getName()))) {
      moveFirst(init, PROXY_CONTAINER);
      moveFirst(init, VALIDATION_CONTAINER);
      moveFirst(init, INIT_CONTAINER);
    } else {
      moveFirst(init, VALIDATION_CONTAINER);
      moveLast(init, INIT_CONTAINER);
    }
    if (o.holdApplicationUntilProxyStarts()) {
      moveFirst(spec.getContainers(), PROXY_CONTAINER);
    } else {
      moveLast(spec.getContainers(), PROXY_CONTAINER);
    }
  }

  private static void moveFirst(List<Container> list, String name) {
    take(list, name).ifPresent(c -> list.add(0, c));
  }

  private static void moveLast(List<Container> list, String name) {
    take(list, name).ifPresent(list::add);
  }

  private static java.util.Optional<Container> take(List<Container> list, String name) {
    for (Container c : new ArrayList<>(list)) {
      if (name.equals(c.getName())) {
        list.remove(c);
        return java.util.Optional.of(c);
      }
    }
    return java.util.Optional.empty();
  }
}
