package dev.meshoperator.cli;

import dev.meshoperator.api.ComponentStatus;
import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.MeshInstallStatus;
import dev.meshoperator.api.WebhookStatus;
import dev.meshoperator.profile.EffectiveConfig;
import dev.meshoperator.profile.Profiles;
import dev.meshoperator.render.Renderer;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code meshctl verify-install}: what status says of each component and the webhook, checked
 * against the cluster itself: every object the renderer makes for the MeshInstall must exist.
 */
@Command(name = "verify-install", mixinStandardHelpOptions = true,
    description = {
        "Check installed MeshInstalls: each component's readiness, the webhook, and that every object the",
        "operator renders for them exists. Exit 1 when anything is missing or not Ready."},
    footer = {"", "Examples:", "  meshctl verify-install", "  meshctl verify-install --name demo -o yaml"})
final class VerifyInstallCommand implements Callable<Integer> {
  @Spec
  CommandSpec command;

  @Option(names = "--name", paramLabel = "NAME", description = "Verify this MeshInstall only. Default: every MeshInstall.")
  String name;

  @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", description = "table (default), yaml or json.")
  OutputFormat output = OutputFormat.TABLE;

  record Component(String kind, String name, String namespace, int desired, int ready, String state) {}

  record Webhook(String configurationName, String state, String message, boolean exists) {}

  /** One MeshInstall's verdict; also the yaml/json shape. */
  record Verification(String meshInstall, String profile, String revision, String namespace, String state,
      List<Component> components, Webhook webhook, int renderedObjects, List<String> missingObjects,
      List<String> problems) {
    boolean ok() {
      return problems.isEmpty();
    }
  }

  @Override
  public Integer call() {
    List<Verification> results = new ArrayList<>();
    try (ClusterConnection cluster = ClusterConnection.open(Meshctl.kubeOptions(command))) {
      cluster.requireReachable();
      for (MeshInstall mi : installs(cluster)) {
        results.add(verify(cluster, mi));
      }
    }
    PrintWriter out = command.commandLine().getOut();
    switch (output) {
      case JSON -> out.println(Yaml.json(results));
      case YAML -> out.print(Yaml.yaml(results));
      default -> results.forEach(r -> print(out, r));
    }
    List<String> failed = results.stream().filter(r -> !r.ok())
        .map(r -> "meshinstall/" + r.meshInstall() + ": " + String.join("; ", r.problems())).toList();
    if (!failed.isEmpty()) {
      throw CliException.failure(String.join(" | ", failed),
          "details: kubectl describe meshinstall " + results.stream().filter(r -> !r.ok()).findFirst().orElseThrow().meshInstall()
              + "; the operator puts back deleted objects on its next reconcile (is it running?)");
    }
    return ExitCodes.OK;
  }

  private List<MeshInstall> installs(ClusterConnection cluster) {
    boolean crd = cluster.call("read the MeshInstall CRD", () -> cluster.client().apiextensions().v1()
        .customResourceDefinitions().withName(MeshInstall.CRD_NAME).get()) != null;
    if (!crd) {
      throw CliException.failure("nothing installed: the MeshInstall CRD is not in " + cluster.server(),
          "install with: meshctl install --profile default");
    }
    if (name != null) {
      MeshInstall mi = cluster.call("read MeshInstall " + name,
          () -> cluster.client().resources(MeshInstall.class).withName(name).get());
      if (mi == null) {
        throw CliException.failure("MeshInstall " + name + " not found in " + cluster.server(),
            "list them with: kubectl get meshinstalls");
      }
      return List.of(mi);
    }
    List<MeshInstall> all = cluster.call("list MeshInstalls", () -> cluster.client().resources(MeshInstall.class).list().getItems());
    if (all.isEmpty()) {
      throw CliException.failure("no MeshInstalls in " + cluster.server(), "install one with: meshctl install --profile default");
    }
    return all;
  }

  static Verification verify(ClusterConnection cluster, MeshInstall mi) {
    String n = mi.getMetadata().getName();
    EffectiveConfig config = Profiles.resolve(mi);
    MeshInstallStatus status = mi.getStatus();
    List<String> problems = new ArrayList<>();
    List<Component> components = new ArrayList<>();
    Webhook webhook = null;
    if (status == null) {
      problems.add("no status: the operator has not reconciled it");
    } else {
      if (!MeshInstallWatcher.isReady(mi)) {
        problems.add("not Ready (" + MeshInstallWatcher.whyNotReady(mi) + ")");
      }
      for (ComponentStatus c : status.getComponents()) {
        int desired = MeshInstallWatcher.orZero(c.getDesiredReplicas());
        int ready = MeshInstallWatcher.orZero(c.getReadyReplicas());
        String state = ready >= desired ? "Ready" : "NotReady";
        // The one DaemonSet is Istio CNI's, which may live in its own namespace.
        String namespace = "DaemonSet".equals(c.getKind()) ? config.cni().namespace() : config.namespace();
        components.add(new Component(c.getKind(), c.getName(), namespace, desired, ready, state));
        if (ready < desired) {
          problems.add(c.getKind() + "/" + c.getName() + " has " + ready + "/" + desired + " ready");
        }
      }
      WebhookStatus w = status.getWebhook();
      if (w != null) {
        boolean exists = w.getConfigurationName() != null && cluster.call("read MutatingWebhookConfiguration " + w.getConfigurationName(),
            () -> cluster.client().admissionRegistration().v1().mutatingWebhookConfigurations()
                .withName(w.getConfigurationName()).get()) != null;
        webhook = new Webhook(w.getConfigurationName(), w.getState(), w.getMessage(), exists);
        if (!"Disabled".equals(w.getState()) && !exists) {
          problems.add("MutatingWebhookConfiguration " + w.getConfigurationName() + " is missing");
        } else if (!"Ready".equals(w.getState()) && !"Disabled".equals(w.getState())) {
          problems.add("webhook " + w.getState() + ": " + w.getMessage());
        }
      }
    }
    List<HasMetadata> rendered = new Renderer().render(config);
    List<String> missing = new ArrayList<>();
    for (HasMetadata o : rendered) {
      HasMetadata live = cluster.call("read " + Refs.qualified(o), () -> cluster.client().resource(o).get());
      if (live == null) {
        missing.add(Refs.qualified(o));
      }
    }
    if (!missing.isEmpty()) {
      problems.add(missing.size() + " of " + rendered.size() + " objects missing (" + String.join(", ", missing) + ")");
    }
    return new Verification(n, config.profile().wireName(), config.revision().label(), config.namespace(),
        status == null || status.getState() == null ? "-" : status.getState().name(),
        components, webhook, rendered.size(), missing, problems);
  }

  static void printComponents(PrintWriter out, List<Component> components) {
    Table table = new Table("COMPONENT", "NAMESPACE", "DESIRED", "READY", "STATE");
    components.forEach(c -> table.row(c.kind() + "/" + c.name(), c.namespace(), String.valueOf(c.desired()),
        String.valueOf(c.ready()), c.state()));
    table.print(out);
  }

  private static void print(PrintWriter out, Verification r) {
    out.println("MeshInstall " + r.meshInstall() + " (profile " + r.profile() + ", revision " + r.revision()
        + ", namespace " + r.namespace() + "): " + r.state());
    if (!r.components().isEmpty()) {
      printComponents(out, r.components());
    }
    if (r.webhook() != null) {
      out.println("webhook: MutatingWebhookConfiguration " + Objects.toString(r.webhook().configurationName(), "-")
          + " " + r.webhook().state() + (r.webhook().exists() ? "" : " (not in the cluster)")
          + (r.webhook().message() == null || "Ready".equals(r.webhook().state()) ? "" : ": " + r.webhook().message()));
    }
    out.println("objects: " + (r.renderedObjects() - r.missingObjects().size()) + " of " + r.renderedObjects()
        + " rendered objects exist");
    r.missingObjects().forEach(m -> out.println("  missing: " + m));
    out.println(r.ok() ? "meshinstall/" + r.meshInstall() + " verified" : "meshinstall/" + r.meshInstall() + " has problems");
    out.println();
  }
}
