package dev.meshoperator.inject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.GRPCAction;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HTTPGetActionBuilder;
import io.fabric8.kubernetes.api.model.HTTPHeader;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Lifecycle;
import io.fabric8.kubernetes.api.model.LifecycleHandler;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.TCPSocketAction;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * With mutual TLS on, the kubelet's probes cannot reach the app through Envoy; pilot-agent probes
 * the app itself and the kubelet asks pilot-agent. So app probes are pointed at the agent's status
 * port, and the originals are handed to the agent in ISTIO_KUBE_APP_PROBERS. exec probes need no
 * network and stay as they are. postStart and preStop hooks are network calls from the kubelet
 * too, so their httpGet and tcpSocket handlers go the same way, under /app-lifecycle/; exec and
 * sleep hooks stay.
 */
final class ProbeRewriter {
  private ProbeRewriter() {}

  private record Kind(String suffix, Function<Container, Probe> get, BiConsumer<Container, Probe> set) {}

  private static final List<Kind> KINDS = List.of(
      new Kind("livez", Container::getLivenessProbe, Container::setLivenessProbe),
      new Kind("readyz", Container::getReadinessProbe, Container::setReadinessProbe),
      new Kind("startupz", Container::getStartupProbe, Container::setStartupProbe));

  private record Hook(String suffix, Function<Lifecycle, LifecycleHandler> get, BiConsumer<Lifecycle, LifecycleHandler> set) {}

  private static final List<Hook> HOOKS = List.of(
      new Hook("prestopz", Lifecycle::getPreStop, Lifecycle::setPreStop),
      new Hook("poststartz", Lifecycle::getPostStart, Lifecycle::setPostStart));

  static String path(String container, String suffix) {
    return "/app-health/" + container + "/" + suffix;
  }

  static String lifecyclePath(String container, String suffix) {
    return "/app-lifecycle/" + container + "/" + suffix;
  }

  /**
   * Rewrites the containers' probes in place.
   *
   * @return path to original probe, sorted by path; empty when nothing was rewritten
   */
  static ObjectNode rewrite(List<Container> containers, int statusPort) {
    Map<String, JsonNode> probers = new TreeMap<>();
    for (Container c : containers) {
      for (Kind k : KINDS) {
        Probe p = k.get().apply(c);
        if (p == null) {
          continue;
        }
        String path = path(c.getName(), k.suffix());
        if (alreadyRewritten(p, path, statusPort)) {
          continue;
        }
        Optional<ObjectNode> original = describe(c, p);
        if (original.isPresent()) {
          probers.put(path, original.get());
          k.set().accept(c, new ProbeBuilder(p)
              .withHttpGet(new HTTPGetActionBuilder()
                  .withPath(path).withPort(new IntOrString(statusPort)).withScheme("HTTP").build())
              .withTcpSocket(null)
              .withGrpc(null)
              .build());
        }
      }
      rewriteHooks(c, statusPort, probers);
    }
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    probers.forEach(out::set);
    return out;
  }

  private static void rewriteHooks(Container c, int statusPort, Map<String, JsonNode> probers) {
    Lifecycle lifecycle = c.getLifecycle();
    if (lifecycle == null) {
      return;
    }
    for (Hook k : HOOKS) {
      LifecycleHandler h = k.get().apply(lifecycle);
      if (h == null) {
        continue;
      }
      String path = lifecyclePath(c.getName(), k.suffix());
      if (isStatusPortCall(h.getHttpGet(), path, statusPort)) {
        continue;
      }
      Optional<ObjectNode> original = h.getHttpGet() != null ? describeHttpGet(c, h.getHttpGet())
          : h.getTcpSocket() != null ? describeTcpSocket(c, h.getTcpSocket())
          : Optional.empty();
      original.ifPresent(o -> {
        probers.put(path, o);
        k.set().accept(lifecycle, new LifecycleHandler(null, statusPortCall(path, statusPort), null, null));
      });
    }
  }

  private static HTTPGetAction statusPortCall(String path, int statusPort) {
    return new HTTPGetActionBuilder().withPath(path).withPort(new IntOrString(statusPort)).withScheme("HTTP").build();
  }

  /** Undoes {@link #rewrite} from the recorded originals, so a re-injection starts from the user's pod. */
  static void restore(List<Container> containers, JsonNode probers) {
    for (Container c : containers) {
      restoreHooks(c, probers);
      for (Kind k : KINDS) {
        Probe p = k.get().apply(c);
        JsonNode original = probers.get(path(c.getName(), k.suffix()));
        if (p == null || original == null || !original.isObject()) {
          continue;
        }
        ProbeBuilder b = new ProbeBuilder(p).withHttpGet(null).withTcpSocket(null).withGrpc(null);
        if (original.has("httpGet")) {
          b.withHttpGet(httpGet(original.get("httpGet")));
        } else if (original.has("tcpSocket")) {
          b.withTcpSocket(tcpSocket(original.get("tcpSocket")));
        } else if (original.has("grpc")) {
          JsonNode g = original.get("grpc");
          b.withGrpc(new GRPCAction(g.path("port").asInt(), text(g, "service")));
        }
        if (original.has("timeoutSeconds")) {
          b.withTimeoutSeconds(original.get("timeoutSeconds").asInt());
        }
        k.set().accept(c, b.build());
      }
    }
  }

  private static void restoreHooks(Container c, JsonNode probers) {
    Lifecycle lifecycle = c.getLifecycle();
    if (lifecycle == null) {
      return;
    }
    for (Hook k : HOOKS) {
      LifecycleHandler h = k.get().apply(lifecycle);
      JsonNode original = probers.get(lifecyclePath(c.getName(), k.suffix()));
      if (h == null || original == null || !original.isObject()) {
        continue;
      }
      if (original.has("httpGet")) {
        k.set().accept(lifecycle, new LifecycleHandler(null, httpGet(original.get("httpGet")), null, null));
      } else if (original.has("tcpSocket")) {
        k.set().accept(lifecycle, new LifecycleHandler(null, null, null, tcpSocket(original.get("tcpSocket"))));
      }
    }
  }

  private static boolean alreadyRewritten(Probe p, String path, int statusPort) {
    return isStatusPortCall(p.getHttpGet(), path, statusPort);
  }

  private static boolean isStatusPortCall(HTTPGetAction h, String path, int statusPort) {
    return h != null && path.equals(h.getPath()) && h.getPort() != null
        && Integer.valueOf(statusPort).equals(h.getPort().getIntVal());
  }

  /** The original probe as pilot-agent reads it, with named ports resolved; empty if not rewritable. */
  private static Optional<ObjectNode> describe(Container c, Probe p) {
    Optional<ObjectNode> described;
    if (p.getHttpGet() != null) {
      described = describeHttpGet(c, p.getHttpGet());
    } else if (p.getTcpSocket() != null) {
      described = describeTcpSocket(c, p.getTcpSocket());
    } else if (p.getGrpc() != null && p.getGrpc().getPort() != null) {
      ObjectNode n = JsonNodeFactory.instance.objectNode();
      ObjectNode a = n.putObject("grpc");
      a.put("port", p.getGrpc().getPort());
      if (p.getGrpc().getService() != null) {
        a.put("service", p.getGrpc().getService());
      }
      described = Optional.of(n);
    } else {
      described = Optional.empty();
    }
    if (p.getTimeoutSeconds() != null) {
      described.ifPresent(n -> n.put("timeoutSeconds", p.getTimeoutSeconds()));
    }
    return described;
  }

  private static Optional<ObjectNode> describeHttpGet(Container c, HTTPGetAction h) {
    OptionalInt port = resolve(c, h.getPort());
    if (port.isEmpty()) {
      return Optional.empty();
    }
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    ObjectNode a = n.putObject("httpGet");
    if (h.getPath() != null) {
      a.put("path", h.getPath());
    }
    a.put("port", port.getAsInt());
    if (h.getHost() != null && !h.getHost().isEmpty()) {
      a.put("host", h.getHost());
    }
    if (h.getScheme() != null && !h.getScheme().isEmpty()) {
      a.put("scheme", h.getScheme());
    }
    if (h.getHttpHeaders() != null && !h.getHttpHeaders().isEmpty()) {
      ArrayNode headers = a.putArray("httpHeaders");
      for (HTTPHeader header : h.getHttpHeaders()) {
        headers.addObject().put("name", header.getName()).put("value", header.getValue());
      }
    }
    return Optional.of(n);
  }

  private static Optional<ObjectNode> describeTcpSocket(Container c, TCPSocketAction t) {
    OptionalInt port = resolve(c, t.getPort());
    if (port.isEmpty()) {
      return Optional.empty();
    }
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    ObjectNode a = n.putObject("tcpSocket");
    if (t.getHost() != null && !t.getHost().isEmpty()) {
      a.put("host", t.getHost());
    }
    a.put("port", port.getAsInt());
    return Optional.of(n);
  }

  /** A named port means the container's port of that name; unknown names cannot be rewritten. */
  private static OptionalInt resolve(Container c, IntOrString port) {
    if (port == null) {
      return OptionalInt.empty();
    }
    if (port.getIntVal() != null) {
      return OptionalInt.of(port.getIntVal());
    }
    String name = port.getStrVal();
    if (name != null && name.chars().allMatch(Character::isDigit) && !name.isEmpty()) {
      return OptionalInt.of(Integer.parseInt(name));
    }
    if (c.getPorts() != null) {
      for (ContainerPort cp : c.getPorts()) {
        if (name != null && name.equals(cp.getName()) && cp.getContainerPort() != null) {
          return OptionalInt.of(cp.getContainerPort());
        }
      }
    }
    return OptionalInt.empty();
  }

  private static HTTPGetAction httpGet(JsonNode h) {
    HTTPGetActionBuilder b = new HTTPGetActionBuilder()
        .withPath(text(h, "path"))
        .withPort(new IntOrString(h.path("port").asInt()))
        .withHost(text(h, "host"))
        .withScheme(text(h, "scheme"));
    if (h.has("httpHeaders")) {
      h.get("httpHeaders").forEach(x -> b.addNewHttpHeader(text(x, "name"), text(x, "value")));
    }
    return b.build();
  }

  private static TCPSocketAction tcpSocket(JsonNode t) {
    return new TCPSocketAction(text(t, "host"), new IntOrString(t.path("port").asInt()));
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }
}
