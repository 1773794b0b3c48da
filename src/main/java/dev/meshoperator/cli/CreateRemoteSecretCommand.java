package dev.meshoperator.cli;

import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.profile.EffectiveConfig;
import dev.meshoperator.profile.Profiles;
import dev.meshoperator.render.Renderer;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code meshctl create-remote-secret}: prints the Secret that lets a primary cluster's istiod reach
 * this cluster as its reader ServiceAccount, as {@code istioctl create-remote-secret} does. The
 * token is the one of a long-lived {@code kubernetes.io/service-account-token} Secret for the reader
 * (istioctl's way on Kubernetes 1.24+: an existing one is reused, else
 * {@code <account>-istio-remote-secret-token} is created), with that Secret's {@code ca.crt}.
 *
 * <p>Unlike istioctl, the reader account is not created here: the MeshInstall that owns the
 * namespace creates it (every profile with a base component), and its {@code spec.cluster.name} is
 * the default cluster name, so that the name the primary uses is the one this cluster's proxies carry.
 */
@Command(name = "create-remote-secret", mixinStandardHelpOptions = true,
    description = {
        "Print the Secret a primary cluster applies to reach this cluster (the current kubeconfig's, or",
        "--kubeconfig/--context): a kubeconfig authenticating as this cluster's reader ServiceAccount",
        "(istio-reader-service-account), labelled istio/multiCluster=true, as istioctl create-remote-secret prints it."},
    footer = {"", "Examples:",
        "  # cluster B's secret, applied in the primary cluster A",
        "  meshctl --context cluster-b create-remote-secret --name cluster-b | kubectl --context cluster-a apply -f -",
        "  # the API server address the primary should use, when the kubeconfig's is only local",
        "  meshctl create-remote-secret --server https://10.0.0.12:6443"})
final class CreateRemoteSecretCommand implements Callable<Integer> {
  static final String READER_LABEL_VALUE = "istio-reader";
  private static final Duration TOKEN_WAIT = Duration.ofSeconds(15);

  @Spec
  CommandSpec command;

  @Option(names = "--name", paramLabel = "CLUSTER",
      description = "This cluster's name in the mesh (a DNS-1123 label). Default: spec.cluster.name of the MeshInstall in --namespace.")
  String name;

  @Option(names = {"-n", "--namespace"}, paramLabel = "NS", defaultValue = "istio-system",
      description = "The control plane namespace, where the reader account lives and the Secret goes. Default: ${DEFAULT-VALUE}.")
  String namespace;

  @Option(names = "--server", paramLabel = "URL",
      description = "The API server address the primary should dial. Default: the kubeconfig's.")
  String server;

  @Option(names = "--service-account", paramLabel = "NAME",
      description = "Use this ServiceAccount's credentials. Default: the reader account of the MeshInstall in --namespace.")
  String serviceAccount;

  /** A reader account a MeshInstall renders into the namespace, and the cluster name it gives. */
  record Reader(String meshInstall, String serviceAccount, String clusterName) {}

  @Override
  public Integer call() {
    if (name != null && !RemoteSecret.isValidClusterName(name)) {
      throw CliException.usage("--name '" + name + "' is not a DNS-1123 label (lower-case letters, digits and '-', at most 63)",
          "the name also names the Secret istio-remote-secret-<name>; e.g. --name cluster-b");
    }
    PrintWriter err = command.commandLine().getErr();
    try (ClusterConnection cluster = ClusterConnection.open(Meshctl.kubeOptions(command))) {
      cluster.requireReachable();
      List<Reader> readers = readers(cluster);
      Reader reader = chooseReader(cluster, readers);
      String clusterName = clusterName(reader, err);
      ServiceAccount account = cluster.call("read ServiceAccount " + namespace + "/" + reader.serviceAccount(),
          () -> cluster.client().serviceAccounts().inNamespace(namespace).withName(reader.serviceAccount()).get());
      if (account == null) {
        throw noAccount(reader, readers);
      }
      Secret token = tokenSecret(cluster, account);
      String address = server != null ? server : cluster.server();
      if (server == null && (address.contains("127.0.0.1") || address.contains("localhost"))) {
        // istioctl's warning: the primary's istiod dials this from its own pod
        err.println("meshctl: warning: the server in the kubeconfig is " + address
            + "; this is likely not reachable from the primary cluster's istiod, pass --server with an address it can reach");
      }
      Secret secret = RemoteSecret.of(clusterName, namespace, address,
          Base64.getDecoder().decode(token.getData().get("ca.crt")),
          new String(Base64.getDecoder().decode(token.getData().get("token")), StandardCharsets.UTF_8));
      PrintWriter out = command.commandLine().getOut();
      out.print(RemoteSecret.print(secret));
      out.flush();
    }
    return ExitCodes.OK;
  }

  /** Reader accounts the MeshInstalls of this cluster render into --namespace (by the renderer: one truth). */
  private List<Reader> readers(ClusterConnection cluster) {
    KubernetesClient client = cluster.client();
    boolean crd = cluster.call("read the MeshInstall CRD", () -> client.apiextensions().v1()
        .customResourceDefinitions().withName(MeshInstall.CRD_NAME).get()) != null;
    if (!crd) {
      return List.of();
    }
    List<Reader> readers = new ArrayList<>();
    Renderer renderer = new Renderer();
    for (MeshInstall install : cluster.call("list MeshInstalls", () -> client.resources(MeshInstall.class).list().getItems())) {
      if (!Profiles.validate(install).isEmpty()) {
        continue;
      }
      EffectiveConfig config = Profiles.resolve(install);
      if (!config.namespace().equals(namespace)) {
        continue;
      }
      for (HasMetadata object : renderer.render(config)) {
        Map<String, String> labels = object.getMetadata().getLabels();
        if (object instanceof ServiceAccount && labels != null && READER_LABEL_VALUE.equals(labels.get("app"))) {
          readers.add(new Reader(install.getMetadata().getName(), object.getMetadata().getName(), config.cluster().clusterName()));
        }
      }
    }
    return readers;
  }

  private Reader chooseReader(ClusterConnection cluster, List<Reader> readers) {
    if (serviceAccount != null) {
      return readers.stream().filter(r -> r.serviceAccount().equals(serviceAccount)).findFirst()
          .orElse(new Reader(null, serviceAccount, null));
    }
    if (readers.isEmpty()) {
      throw CliException.failure("no MeshInstall installs a reader account in namespace " + namespace
              + describeInstalls(cluster),
          "a MeshInstall with a base component in " + namespace + " creates istio-reader-service-account "
              + "(profiles default, demo, minimal and remote; e.g. meshctl install --profile remote --set remote.address=ISTIOD_ADDRESS); "
              + "or name an existing account with --service-account");
    }
    Optional<Reader> unsuffixed = readers.stream().filter(r -> r.serviceAccount().equals("istio-reader-service-account")).findFirst();
    if (unsuffixed.isPresent()) {
      return unsuffixed.get();
    }
    if (readers.size() == 1) {
      return readers.get(0);
    }
    throw CliException.usage("several reader accounts in " + namespace + ": "
            + String.join(", ", readers.stream().map(r -> r.serviceAccount() + " (MeshInstall " + r.meshInstall() + ")").toList()),
        "choose one with --service-account");
  }

  /** What exists instead, so the user sees why nothing matched. */
  private String describeInstalls(ClusterConnection cluster) {
    KubernetesClient client = cluster.client();
    boolean crd = cluster.call("read the MeshInstall CRD", () -> client.apiextensions().v1()
        .customResourceDefinitions().withName(MeshInstall.CRD_NAME).get()) != null;
    if (!crd) {
      return " (the MeshInstall CRD is not installed)";
    }
    List<String> others = new ArrayList<>();
    for (MeshInstall install : client.resources(MeshInstall.class).list().getItems()) {
      EffectiveConfig config = Profiles.resolve(install);
      others.add(install.getMetadata().getName() + " (profile " + config.profile().wireName() + ", namespace " + config.namespace()
          + (Profiles.validate(install).isEmpty() ? "" : ", invalid spec") + ")");
    }
    return others.isEmpty() ? " (there is no MeshInstall)" : " (MeshInstalls: " + String.join(", ", others) + ")";
  }

  private String clusterName(Reader reader, PrintWriter err) {
    if (name != null) {
      if (reader.clusterName() != null && !reader.clusterName().equals(name)) {
        err.println("meshctl: warning: MeshInstall " + reader.meshInstall() + " names this cluster '" + reader.clusterName()
            + "' (spec.cluster.name), which its istiod, gateways and proxies carry as their cluster ID; a primary that knows it as '"
            + name + "' will not match them");
      }
      return name;
    }
    if (reader.clusterName() == null) {
      throw CliException.usage("no cluster name: --service-account " + reader.serviceAccount() + " belongs to no MeshInstall in " + namespace,
          "pass --name with this cluster's name in the mesh");
    }
    if (!RemoteSecret.isValidClusterName(reader.clusterName())) {
      throw CliException.failure("this cluster's name '" + reader.clusterName() + "' (spec.cluster.name of MeshInstall "
              + reader.meshInstall() + (reader.clusterName().equals(dev.meshoperator.api.ClusterSpec.DEFAULT_NAME) ? ", unset: Istio's default" : "")
              + ") is not a DNS-1123 label, so it cannot name the Secret",
          "give each cluster of the mesh its own lower-case name: set spec.cluster.name (e.g. cluster-b) in MeshInstall "
              + reader.meshInstall() + ", or pass --name");
    }
    return reader.clusterName();
  }

  private CliException noAccount(Reader reader, List<Reader> readers) {
    if (reader.meshInstall() != null) {
      return CliException.failure("ServiceAccount " + namespace + "/" + reader.serviceAccount() + " does not exist yet; MeshInstall "
              + reader.meshInstall() + " creates it",
          "is the operator running? see: kubectl get meshinstall " + reader.meshInstall());
    }
    return CliException.failure("ServiceAccount " + namespace + "/" + reader.serviceAccount() + " does not exist",
        readers.isEmpty()
            ? "a MeshInstall with a base component in " + namespace + " creates istio-reader-service-account"
            : "reader accounts of MeshInstalls here: " + String.join(", ", readers.stream().map(Reader::serviceAccount).toList()));
  }

  /**
   * A long-lived token Secret of the account: an existing one, else a new one the API server's
   * token controller fills (istioctl's getOrCreateServiceAccountSecret and waitForTokenData).
   */
  private Secret tokenSecret(ClusterConnection cluster, ServiceAccount account) {
    KubernetesClient client = cluster.client();
    String accountName = account.getMetadata().getName();
    Secret secret = cluster.call("list Secrets in " + namespace, () -> client.secrets().inNamespace(namespace).list().getItems())
        .stream()
        .filter(s -> "kubernetes.io/service-account-token".equals(s.getType()))
        .filter(s -> s.getMetadata().getAnnotations() != null
            && accountName.equals(s.getMetadata().getAnnotations().get("kubernetes.io/service-account.name")))
        .findFirst()
        .orElse(null);
    if (secret == null) {
      Secret wanted = new SecretBuilder()
          .withNewMetadata()
            .withName(accountName + "-istio-remote-secret-token")
            .withNamespace(namespace)
            .withAnnotations(Map.of("kubernetes.io/service-account.name", accountName))
          .endMetadata()
          .withType("kubernetes.io/service-account-token")
          .build();
      secret = cluster.call("create the token Secret " + wanted.getMetadata().getName() + " in " + namespace,
          () -> client.secrets().inNamespace(namespace).resource(wanted).create());
    }
    String secretName = secret.getMetadata().getName();
    long deadline = System.nanoTime() + TOKEN_WAIT.toNanos();
    while (!hasTokenData(secret)) {
      if (System.nanoTime() > deadline) {
        throw CliException.failure("Secret " + namespace + "/" + secretName + " got no token within " + TOKEN_WAIT.toSeconds()
                + " s; the controller-manager's token controller fills it",
            "check that kube-controller-manager runs with --service-account-private-key-file and --root-ca-file");
      }
      sleep();
      secret = cluster.call("read Secret " + namespace + "/" + secretName,
          () -> client.secrets().inNamespace(namespace).withName(secretName).get());
      if (secret == null) {
        throw CliException.failure("Secret " + namespace + "/" + secretName + " disappeared while waiting for its token",
            "the token controller deletes token Secrets of accounts that do not exist; run the command again");
      }
    }
    return secret;
  }

  private static boolean hasTokenData(Secret secret) {
    Map<String, String> data = secret.getData();
    return data != null && data.get("token") != null && !data.get("token").isEmpty() && data.get("ca.crt") != null;
  }

  private static void sleep() {
    try {
      Thread.sleep(250);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw CliException.failure("interrupted while waiting for the token", "run the command again");
    }
  }
}
