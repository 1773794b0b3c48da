package dev.meshoperator.cli;

import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.inject.Decision;
import dev.meshoperator.inject.InjectionPolicy;
import dev.meshoperator.inject.InjectionSettings;
import dev.meshoperator.inject.InjectionStatus;
import dev.meshoperator.inject.IstioKeys;
import dev.meshoperator.profile.Profiles;
import dev.meshoperator.wiring.InjectionSettingsFactory;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code meshctl analyze}: running pods of injection-labelled namespaces that the webhook would
 * inject today but that have no sidecar, or whose sidecar is of another revision or image than
 * the namespace's revision now installs: the pods a restart would fix. The decision is the
 * webhook's own ({@link InjectionPolicy}), so opted-out pods are not reported.
 */
@Command(name = "analyze", mixinStandardHelpOptions = true,
    description = {"Find running pods in injection-labelled namespaces that lack the sidecar or run an outdated one.",
        "Exit 0 when there is nothing to fix, 1 when problems are found."},
    footer = {"", "Examples:", "  meshctl analyze", "  meshctl analyze -n production -o json"})
final class AnalyzeCommand implements Callable<Integer> {
  @Spec
  CommandSpec command;

  @Option(names = {"-n", "--namespace"}, paramLabel = "NS", description = "Only this namespace. Default: every labelled namespace.")
  String namespace;

  @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", description = "table (default), yaml or json.")
  OutputFormat output = OutputFormat.TABLE;

  /** One thing to fix; also the yaml/json shape. */
  record Finding(String namespace, String pod, String problem, String advice) {}

  @Override
  public Integer call() {
    List<Finding> findings = new ArrayList<>();
    Map<List<String>, Integer> sidecars = new java.util.TreeMap<>(java.util.Comparator.comparing((List<String> k) -> k.get(0))
        .thenComparing(k -> k.get(1)));
    try (ClusterConnection cluster = ClusterConnection.open(Meshctl.kubeOptions(command))) {
      boolean nativeSidecars = ClusterMeshInstalls.supportsNativeSidecars(cluster.requireReachable());
      // The server answers (and the connection is up): the namespaces and the pages of pods are
      // asked for now, and read meanwhile, while the MeshInstalls are read and resolved here. Their
      // failures surface below in the order of the steps, as when they ran one after another.
      CompletableFuture<List<Namespace>> namespaceList = CompletableFuture.supplyAsync(() -> namespaces(cluster));
      pods = LeanPods.fetch(cluster.client(), namespace, PAGE_SIZE);
      Map<String, InjectionSettings> revisions = revisions(cluster, nativeSidecars);
      // Findings by namespace, in the namespaces' order; the pods of the namespaces that select an
      // installed revision are looked at as the pages of one pod list go by (not one list per
      // namespace, nor every pod held at once).
      Map<String, List<Finding>> byNamespace = new LinkedHashMap<>();
      Map<String, Namespace> analyzed = new java.util.HashMap<>();
      Map<String, InjectionSettings> settingsOf = new java.util.HashMap<>();
      for (Namespace ns : joined(namespaceList)) {
        String name = ns.getMetadata().getName();
        List<Finding> here = new ArrayList<>();
        byNamespace.put(name, here);
        Optional<InjectionSettings> settings = settings(ns, revisions, here);
        if (settings.isPresent()) {
          analyzed.put(name, ns);
          settingsOf.put(name, settings.get());
        }
      }
      forEachPod(cluster, pod -> {
        count(pod, sidecars);
        Namespace ns = analyzed.get(pod.getMetadata().getNamespace());
        if (ns != null) {
          check(cluster, ns, pod, settingsOf.get(ns.getMetadata().getName())).ifPresent(byNamespace.get(ns.getMetadata().getName())::add);
        }
      });
      byNamespace.values().forEach(findings::addAll);
    } finally {
      if (pods != null) {
        pods.stop(); // not read: an earlier step failed
      }
    }
    PrintWriter out = command.commandLine().getOut();
    switch (output) {
      case JSON -> out.println(Yaml.json(findings));
      case YAML -> out.print(Yaml.yaml(findings));
      default -> {
        if (findings.isEmpty()) {
          out.println("no problems found");
        } else {
          Table table = new Table("NAMESPACE", "POD", "PROBLEM", "ADVICE");
          findings.forEach(f -> table.row(f.namespace(), f.pod(), f.problem(), f.advice()));
          table.print(out);
        }
        if (!sidecars.isEmpty()) {
          out.println();
          out.println("sidecars by revision and version:");
          Table table = new Table("REVISION", "VERSION", "PODS");
          sidecars.forEach((k, n) -> table.row(k.get(0), k.get(1), Integer.toString(n)));
          table.print(out);
        }
      }
    }
    if (!findings.isEmpty()) {
      throw CliException.failure(findings.size() + (findings.size() == 1 ? " problem" : " problems") + " found",
          "follow the ADVICE column; restarted pods get the current sidecar");
    }
    return ExitCodes.OK;
  }

  /** The injector settings of each installed revision, by revision label ("default", "canary"). */
  private static Map<String, InjectionSettings> revisions(ClusterConnection cluster, boolean nativeSidecars) {
    Map<String, InjectionSettings> byRevision = new LinkedHashMap<>();
    boolean crd = cluster.call("read the MeshInstall CRD", () -> cluster.client().apiextensions().v1()
        .customResourceDefinitions().withName(MeshInstall.CRD_NAME).get()) != null;
    if (!crd) {
      return byRevision;
    }
    for (MeshInstall mi : cluster.call("list MeshInstalls", () -> cluster.client().resources(MeshInstall.class).list().getItems())) {
      if (mi.getMetadata().getDeletionTimestamp() != null || !Profiles.validate(mi).isEmpty()) {
        continue;
      }
      var config = Profiles.resolve(mi);
      if (config.injector().enabled()) {
        InjectionSettings s = InjectionSettingsFactory.from(config, nativeSidecars);
        byRevision.put(s.revisionName(), s);
        // A namespace labelled with a revision tag (or istio-injection=enabled, the default tag of a
        // RevisionBased install) is served by the active revision the tag points at.
        s.tags().forEach(tag -> byRevision.putIfAbsent(tag, s));
      }
    }
    return byRevision;
  }

  /**
   * Counts a pod with an injected sidecar by the revision that injected it and the proxy's version
   * (its image tag): what an upgrade still has to move.
   */
  private static void count(Pod pod, Map<List<String>, Integer> sidecars) {
    Optional<Container> proxy = proxy(pod);
    if (proxy.isEmpty() || pod.getMetadata().getDeletionTimestamp() != null) {
      return;
    }
    String image = proxy.get().getImage() == null ? "" : proxy.get().getImage();
    int colon = image.lastIndexOf(':');
    String version = colon > image.lastIndexOf('/') ? image.substring(colon + 1) : "?";
    String revision = injectedRevision(pod);
    if (revision == null) {
      return; // a gateway runs proxyv2 as its own container: no injected sidecar
    }
    sidecars.merge(List.of(revision, version), 1, Integer::sum);
  }

  private List<Namespace> namespaces(ClusterConnection cluster) {
    if (namespace != null) {
      Namespace ns = cluster.call("read namespace " + namespace, () -> cluster.client().namespaces().withName(namespace).get());
      if (ns == null) {
        throw CliException.failure("namespace " + namespace + " not found in " + cluster.server(), "list them with: kubectl get namespaces");
      }
      return List.of(ns);
    }
    return cluster.call("list namespaces", () -> cluster.client().namespaces().list().getItems());
  }

  /** The revision a namespace's labels ask for, as the webhook selectors read them; empty if none. */
  static Optional<String> selectedRevision(Map<String, String> labels) {
    if (labels == null) {
      return Optional.empty();
    }
    String injection = labels.get(IstioKeys.INJECTION_LABEL);
    if (injection != null) {
      return "enabled".equals(injection) ? Optional.of(InjectionSettings.DEFAULT_REVISION) : Optional.empty();
    }
    return Optional.ofNullable(labels.get(IstioKeys.REV_LABEL)).map(InjectionSettings::normalizeRevision);
  }

  /**
   * The injector settings the namespace's labels select, or empty when it selects none (not analyzed)
   * or one that no MeshInstall installs (then a finding says so).
   */
  private static Optional<InjectionSettings> settings(Namespace ns, Map<String, InjectionSettings> revisions, List<Finding> findings) {
    String name = ns.getMetadata().getName();
    Optional<String> revision = selectedRevision(ns.getMetadata().getLabels());
    if (revision.isEmpty()) {
      return Optional.empty();
    }
    InjectionSettings settings = revisions.get(revision.get());
    if (settings == null) {
      findings.add(new Finding(name, "-", "namespace selects revision " + revision.get() + ", which no MeshInstall installs",
          revisions.isEmpty() ? "install one: meshctl install --set revision=" + revision.get()
              : "relabel: kubectl label namespace " + name + " istio.io/rev=" + revisions.keySet().iterator().next()
                  + " --overwrite, or install revision " + revision.get()));
      return Optional.empty();
    }
    return Optional.of(settings);
  }

  /** Pods per page of the pod list. */
  static final long PAGE_SIZE = 500;

  /**
   * Every pod in --namespace, or in the cluster, a page at a time, holding only the fields analyze
   * reads ({@link LeanPods}).
   */
  private void forEachPod(ClusterConnection cluster, java.util.function.Consumer<Pod> action) {
    LeanPods.Pages fetched = pods;
    pods = null;
    cluster.run(namespace != null ? "list pods in " + namespace : "list pods",
        () -> LeanPods.forEach(cluster.client(), fetched, action));
  }

  /** The pages of the pod list, fetched ahead; null once {@link #forEachPod} has taken them. */
  private LeanPods.Pages pods;

  /** The value of a step that ran on another thread, or its failure as it would have come here. */
  private static <T> T joined(CompletableFuture<T> step) {
    try {
      return step.join();
    } catch (java.util.concurrent.CompletionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw e;
    }
  }

  /** What to fix about a pod of an analyzed namespace, if anything. */
  private static Optional<Finding> check(ClusterConnection cluster, Namespace ns, Pod pod, InjectionSettings settings) {
    String name = ns.getMetadata().getName();
    Map<String, String> labels = ns.getMetadata().getLabels();
    if (pod.getStatus() == null || !"Running".equals(pod.getStatus().getPhase())
        || pod.getMetadata().getDeletionTimestamp() != null) {
      return Optional.empty();
    }
    Decision decision = InjectionPolicy.decide(pod, labels, name, settings);
    Optional<Container> proxy = proxy(pod);
    String problem = null;
    if (proxy.isEmpty()) {
      if (decision.inject()) {
        problem = "no sidecar (created before injection was enabled, or while the webhook was down)";
      }
    } else {
      String podRevision = injectedRevision(pod);
      String wantImage = Optional.ofNullable(pod.getMetadata().getAnnotations())
          .map(a -> a.get(IstioKeys.PROXY_IMAGE)).orElse(settings.proxyImage());
      if (podRevision != null && !podRevision.equals(settings.revisionName())) {
        problem = "sidecar of revision " + podRevision + ", namespace selects " + settings.revisionName();
      } else if (!wantImage.equals(proxy.get().getImage())) {
        problem = "sidecar image " + proxy.get().getImage() + ", revision " + settings.revisionName() + " injects " + wantImage;
      }
    }
    return problem == null ? Optional.empty()
        : Optional.of(new Finding(name, pod.getMetadata().getName(), problem, restartAdvice(cluster, pod)));
  }

  static Optional<Container> proxy(Pod pod) {
    return Stream.concat(
            pod.getSpec().getContainers() == null ? Stream.empty() : pod.getSpec().getContainers().stream(),
            pod.getSpec().getInitContainers() == null ? Stream.empty() : pod.getSpec().getInitContainers().stream())
        .filter(c -> IstioKeys.PROXY_CONTAINER.equals(c.getName())).findFirst();
  }

  /** From the injector's status annotation; null when it is missing or unreadable. */
  private static String injectedRevision(Pod pod) {
    String status = pod.getMetadata().getAnnotations() == null ? null : pod.getMetadata().getAnnotations().get(IstioKeys.STATUS);
    if (status == null) {
      return null;
    }
    try {
      String rev = InjectionStatus.parse(status).revision();
      return rev.isEmpty() ? null : InjectionSettings.normalizeRevision(rev);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** Restart the workload that owns the pod (its Deployment behind a ReplicaSet), or recreate a bare pod. */
  private static String restartAdvice(ClusterConnection cluster, Pod pod) {
    String ns = pod.getMetadata().getNamespace();
    Optional<OwnerReference> owner = controller(pod.getMetadata().getOwnerReferences());
    if (owner.isEmpty()) {
      return "recreate it: kubectl delete pod " + pod.getMetadata().getName() + " -n " + ns + " (then create it again)";
    }
    String kind = owner.get().getKind();
    String name = owner.get().getName();
    if ("ReplicaSet".equals(kind)) {
      ReplicaSet rs = cluster.call("read ReplicaSet " + ns + "/" + name,
          () -> cluster.client().apps().replicaSets().inNamespace(ns).withName(name).get());
      Optional<OwnerReference> deployment = rs == null ? Optional.empty() : controller(rs.getMetadata().getOwnerReferences());
      if (deployment.isPresent() && "Deployment".equals(deployment.get().getKind())) {
        return "kubectl rollout restart deployment/" + deployment.get().getName() + " -n " + ns;
      }
      return "kubectl delete pod " + pod.getMetadata().getName() + " -n " + ns + " (its ReplicaSet recreates it)";
    }
    if ("StatefulSet".equals(kind) || "DaemonSet".equals(kind)) {
      return "kubectl rollout restart " + kind.toLowerCase(java.util.Locale.ROOT) + "/" + name + " -n " + ns;
    }
    return "kubectl delete pod " + pod.getMetadata().getName() + " -n " + ns + " (its " + kind + " " + name + " recreates it)";
  }

  private static Optional<OwnerReference> controller(List<OwnerReference> refs) {
    return refs == null ? Optional.empty() : refs.stream().filter(r -> Boolean.TRUE.equals(r.getController())).findFirst();
  }
}
