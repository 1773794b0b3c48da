package dev.meshoperator.cli;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.LocalPortForward;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code meshctl dashboard prometheus|grafana|envoy POD}: istioctl's dashboard command. A port of
 * this machine is forwarded to the addon's pod (or to a proxy's admin port) through the API
 * server, the URL is printed, and the forward runs until Ctrl-C. Nothing opens a browser.
 */
@Command(name = "dashboard", aliases = "dash", mixinStandardHelpOptions = true,
    description = {"Forward a local port to the Prometheus or Grafana addon, or to a sidecar's Envoy admin page, and print the URL.",
        "Runs until Ctrl-C. The addons are installed with --set addons.prometheus.enabled=true / addons.grafana.enabled=true."},
    footer = {"", "Examples:",
        "  meshctl dashboard prometheus",
        "  meshctl dashboard grafana --port 3001",
        "  meshctl dashboard envoy productpage-7d4b9c-x2x8q -n production",
        "  meshctl dashboard envoy productpage-7d4b9c-x2x8q.production"})
final class DashboardCommand implements Callable<Integer> {
  static final int ENVOY_ADMIN_PORT = 15000;

  enum Target {
    prometheus(9090, "/"), grafana(3000, "/"), envoy(ENVOY_ADMIN_PORT, "/");

    final int port;
    final String path;

    Target(int port, String path) {
      this.port = port;
      this.path = path;
    }
  }

  @Spec
  CommandSpec command;

  @Parameters(index = "0", paramLabel = "TARGET", description = "prometheus, grafana or envoy.")
  Target target;

  @Parameters(index = "1", arity = "0..1", paramLabel = "POD",
      description = "For envoy: the pod whose sidecar to open, NAME or NAME.NAMESPACE.")
  String pod;

  @Option(names = {"-n", "--namespace"}, paramLabel = "NS",
      description = "Where to look: the addon's namespace (default istio-system), or the pod's (default 'default').")
  String namespace;

  @Option(names = "--revision", paramLabel = "REV", description = "The control plane revision whose addon to open.")
  String revision;

  @Option(names = "--port", paramLabel = "PORT", defaultValue = "-1",
      description = "Local port (default: the remote one, 9090, 3000 or 15000; 0 picks a free one).")
  int localPort;

  @Option(names = "--address", paramLabel = "ADDRESS", defaultValue = "localhost",
      description = "Local address to listen on (default ${DEFAULT-VALUE}).")
  String address;

  @Override
  public Integer call() throws Exception {
    if (target == Target.envoy && pod == null) {
      throw CliException.usage("dashboard envoy needs a POD", "meshctl dashboard envoy POD -n NAMESPACE");
    }
    if (target != Target.envoy && pod != null) {
      throw CliException.usage("dashboard " + target + " takes no POD ('" + pod + "')", "meshctl dashboard " + target);
    }
    if (localPort < -1 || localPort > 65535) {
      throw CliException.usage("--port " + localPort + " is not a port", "give 1-65535, or 0 for a free one");
    }
    InetAddress listen;
    try {
      listen = InetAddress.getByName(address);
    } catch (UnknownHostException e) {
      throw CliException.usage("--address " + address + " is not a local address", "use localhost or 127.0.0.1");
    }
    int local = localPort == -1 ? target.port : localPort == 0 ? freePort(listen) : localPort;
    requireFree(listen, local);

    try (ClusterConnection cluster = ClusterConnection.open(Meshctl.kubeOptions(command))) {
      cluster.requireReachable();
      Pod destination = target == Target.envoy ? sidecarPod(cluster) : addonPod(cluster);
      String where = destination.getMetadata().getNamespace() + "/" + destination.getMetadata().getName();
      LocalPortForward forward = cluster.call("forward a port to pod " + where, () -> cluster.client().pods()
          .inNamespace(destination.getMetadata().getNamespace()).withName(destination.getMetadata().getName())
          .portForward(target.port, listen, local));
      PrintWriter out = command.commandLine().getOut();
      out.println("http://" + address + ":" + forward.getLocalPort() + target.path);
      out.println("forwarding to pod/" + destination.getMetadata().getName() + " port " + target.port
          + " in namespace " + destination.getMetadata().getNamespace() + "; Ctrl-C stops");
      out.flush();
      CountDownLatch stopped = new CountDownLatch(1);
      Thread hook = new Thread(() -> {
        closeQuietly(forward);
        stopped.countDown();
      }, "meshctl-dashboard-stop");
      Runtime.getRuntime().addShutdownHook(hook);
      stopped.await();
    }
    return ExitCodes.OK;
  }

  private Pod addonPod(ClusterConnection cluster) {
    String ns = namespace != null ? namespace : "istio-system";
    String name = revision == null || revision.isEmpty() || revision.equals("default") ? target.name() : target.name() + "-" + revision;
    Service service = cluster.call("read service " + ns + "/" + name,
        () -> cluster.client().services().inNamespace(ns).withName(name).get());
    String enable = "addons." + target.name() + ".enabled=true";
    if (service == null) {
      throw CliException.failure("no " + target + " in namespace " + ns + " (service " + name + " not found)",
          "install the addon: meshctl install --set " + enable + " (spec." + enable.replace("=true", ": true") + " of the MeshInstall)");
    }
    Map<String, String> selector = service.getSpec().getSelector();
    List<Pod> pods = selector == null || selector.isEmpty() ? List.of() : cluster.call("list pods of service " + ns + "/" + name,
        () -> cluster.client().pods().inNamespace(ns).withLabels(selector).list().getItems());
    return pods.stream().filter(p -> p.getStatus() != null && "Running".equals(p.getStatus().getPhase())).findFirst()
        .orElseThrow(() -> CliException.failure("no running " + target + " pod behind service " + ns + "/" + name,
            "see kubectl -n " + ns + " get pods -l app=" + name));
  }

  private Pod sidecarPod(ClusterConnection cluster) {
    String name = pod;
    String ns = namespace != null ? namespace : "default";
    int dot = pod.indexOf('.');
    if (dot > 0 && namespace == null) {
      name = pod.substring(0, dot);
      ns = pod.substring(dot + 1);
    }
    String podName = name;
    String podNs = ns;
    Pod found = cluster.call("read pod " + ns + "/" + name, () -> cluster.client().pods().inNamespace(podNs).withName(podName).get());
    if (found == null) {
      throw CliException.failure("pod " + name + " not found in namespace " + ns, "kubectl -n " + ns + " get pods");
    }
    if (AnalyzeCommand.proxy(found).isEmpty()) {
      throw CliException.failure("pod " + ns + "/" + name + " has no istio-proxy sidecar, so no Envoy admin page",
          "meshctl check-inject pod " + name + " -n " + ns + " says why");
    }
    return found;
  }

  private static void requireFree(InetAddress listen, int port) {
    try (var socket = new ServerSocket(port, 1, listen)) {
      socket.setReuseAddress(true);
    } catch (IOException e) {
      throw CliException.failure("local port " + port + " on " + listen.getHostAddress() + " is in use",
          "choose another with --port, or --port 0 for a free one");
    }
  }

  private static int freePort(InetAddress listen) {
    try (var socket = new ServerSocket(0, 1, listen)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw CliException.failure("no free local port on " + listen.getHostAddress() + ": " + e.getMessage(), "use --port");
    }
  }

  private static void closeQuietly(LocalPortForward forward) {
    try {
      forward.close();
    } catch (IOException e) {
      // exiting anyway
    }
  }
}
