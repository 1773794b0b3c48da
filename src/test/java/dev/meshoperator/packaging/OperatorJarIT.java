package dev.meshoperator.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.MeshState;
import dev.meshoperator.operator.OperatorMain;
import dev.meshoperator.reconcile.OperatorHarness;
import dev.meshoperator.testenv.KubeTest;
import dev.meshoperator.testenv.Ports;
import dev.meshoperator.testenv.ProcessRun;
import dev.meshoperator.testenv.TestCluster;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.spi.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * target/mesh-operator.jar, the image's jar, as built by {@code mvn package}: what is in it, that
 * nothing of ours in it needs a class it lacks, and that it runs the operator on the real cluster.
 */
@KubeTest
class OperatorJarIT {
  private static final Path TARGET = Manifests.BASEDIR.resolve("target");
  private static final Path JAR = TARGET.resolve("mesh-operator.jar");
  /** What only meshctl demo and the tests need: meshctl's commands, the local cluster, kube-api-test and its own dependencies. */
  private static final List<String> LEFT_OUT = List.of("dev/meshoperator/cli/", "dev/meshoperator/localcluster/",
      "io/fabric8/kubeapitest/", "org/apache/commons/compress/", "org/apache/commons/io/", "org/apache/commons/codec/");

  private static List<String> entries(Path jar) throws IOException {
    try (var file = new JarFile(jar.toFile())) {
      return file.stream().map(e -> e.getName()).toList();
    }
  }

  @Test
  void holdsTheOperatorAndDeployButNotTheLocalClusterOrKubeApiTest() throws Exception {
    assertThat(JAR).as("built by mvn package").exists();
    List<String> entries = entries(JAR);
    for (String prefix : LEFT_OUT) {
      assertThat(entries).as("nothing under %s", prefix).noneMatch(e -> e.startsWith(prefix));
    }
    // Positive control: meshctl.jar, built from the same classes, does carry them (demo needs them).
    List<String> meshctl = entries(TARGET.resolve("meshctl.jar"));
    for (String prefix : LEFT_OUT) {
      assertThat(meshctl).as("meshctl.jar has %s", prefix).anyMatch(e -> e.startsWith(prefix));
    }

    assertThat(entries).contains("dev/meshoperator/operator/OperatorMain.class",
        "dev/meshoperator/reconcile/MeshInstallReconciler.class", "dev/meshoperator/webhook/WebhookRuntime.class");
    // deploy/ as pom.xml copies it (the Dockerfile's build must COPY deploy for this).
    for (Path file : Manifests.yamlFiles(Manifests.DEPLOY)) {
      String entry = "meshctl/deploy/" + file.getFileName();
      try (var jar = new JarFile(JAR.toFile())) {
        assertThat(jar.getEntry(entry)).as(entry).isNotNull();
        assertThat(new String(jar.getInputStream(jar.getEntry(entry)).readAllBytes(), StandardCharsets.UTF_8))
            .isEqualTo(Files.readString(file));
      }
    }
    try (var jar = new JarFile(JAR.toFile())) {
      assertThat(jar.getManifest().getMainAttributes().getValue("Main-Class"))
          .isEqualTo("dev.meshoperator.operator.OperatorMain");
    }
  }

  @Test
  void noOperatorClassRefersToAClassTheJarLacks() {
    // jdeps, the JDK's own dependency analyser: "not found" names a referenced class that neither
    // the jar nor the JDK has, i.e. a NoClassDefFoundError waiting to happen.
    List<String> missing = notFound(JAR);
    assertThat(missing).as("classes of ours in mesh-operator.jar referring to classes it lacks").isEmpty();
    // Positive control: the project's own classes without their dependencies (the jar shade started
    // from) do show the local cluster's reference to kube-api-test as missing.
    assertThat(notFound(TARGET.resolve("original-meshctl.jar")))
        .anyMatch(l -> l.contains("dev.meshoperator.localcluster.LocalCluster") && l.contains("io.fabric8.kubeapitest."));
  }

  private static List<String> notFound(Path jar) {
    ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow(() -> new IllegalStateException("jdeps needs a JDK"));
    var out = new ByteArrayOutputStream();
    var err = new ByteArrayOutputStream();
    int code = jdeps.run(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
        "-verbose:class", "--multi-release", "17", "-include", "dev\\.meshoperator\\..*", jar.toString());
    assertThat(code).as("jdeps: %s", err.toString(StandardCharsets.UTF_8)).isZero();
    return out.toString(StandardCharsets.UTF_8).lines()
        .filter(l -> l.strip().startsWith("dev.meshoperator.") && l.contains("not found")).toList();
  }

  /** Runs {@code command} to its end (2 minutes at most) with the environment given; exit code and output. */
  private static ProcessRun run(List<String> command, Map<String, String> env) throws Exception {
    return ProcessRun.run(command, env, Duration.ofMinutes(2));
  }

  @Test
  void theImagesClassDataTrainingNeedsNoClusterAndItsArchiveIsMappedWithTheDeploymentsOptions() throws Exception {
    // As the Dockerfile does it: the jar at its path, the training run with no JVM options of the
    // Deployment's (docker build has none), then the operator's java with the Deployment's.
    Path app = Files.createTempDirectory("mesh-operator-cds");
    Path jar = Files.copy(JAR, app.resolve("mesh-operator.jar"));
    Path archive = app.resolve("mesh-operator.jsa");
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessRun training = run(List.of(javaBin, "-Djava.io.tmpdir=" + app, "-XX:ArchiveClassesAtExit=" + archive, "-cp",
        jar.toString(), dev.meshoperator.operator.ClassDataTraining.class.getName()), Map.of());
    assertThat(training.exitCode()).as(training.output()).isZero();
    assertThat(training.output()).containsPattern("class data training: 4 API objects read, \\d+ objects rendered, "
        + "webhook warm-up \\d+ requests over TLS");
    assertThat(archive).isRegularFile();

    String options = OperatorPodAssertions.operatorContainer(
            Manifests.single(Manifests.parseDir(Manifests.DEPLOY), io.fabric8.kubernetes.api.model.apps.Deployment.class))
        .getEnv().stream().filter(e -> e.getName().equals("JAVA_TOOL_OPTIONS")).findFirst().orElseThrow().getValue();
    // -Xshare:on: fail rather than start without the archive
    ProcessRun mapped = run(List.of(javaBin, "-XX:SharedArchiveFile=" + archive, "-Xshare:on", "-Xlog:class+load=info",
        "-jar", jar.toString(), "--version"), Map.of("JAVA_TOOL_OPTIONS", options));
    assertThat(mapped.exitCode()).as(mapped.output()).isZero();
    for (Class<?> c : List.of(OperatorMain.class, dev.meshoperator.webhook.WebhookWarmUp.class)) {
      assertThat(mapped.output()).as("%s from the archive", c.getName())
          .contains(c.getName() + " source: shared objects file");
    }
    // Control: the same archive with the jar elsewhere does not match it; the default -Xshare:auto
    // then starts without it, from the jar.
    Path moved = Files.copy(JAR, Files.createTempDirectory("mesh-operator-moved").resolve("mesh-operator.jar"));
    ProcessRun unmatched = run(List.of(javaBin, "-XX:SharedArchiveFile=" + archive, "-Xlog:class+load=info",
        "-jar", moved.toString(), "--version"), Map.of("JAVA_TOOL_OPTIONS", options));
    assertThat(unmatched.exitCode()).as(unmatched.output()).isZero();
    assertThat(unmatched.output()).contains("mesh-operator ")
        .contains(OperatorMain.class.getName() + " source: file:")
        .doesNotContain(OperatorMain.class.getName() + " source: shared objects file");
  }

  @Test
  void runsWithTheDeploymentsLeadingOperatorArgumentAndReconciles(TestCluster cluster, KubernetesClient client)
      throws Exception {
    Process help = new ProcessBuilder("java", "-jar", JAR.toString(), "operator", "--help").redirectErrorStream(true).start();
    String usage = new String(help.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(help.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(help.exitValue()).as(usage).isZero();
    assertThat(usage).contains("Usage: mesh-operator", "--webhook-port", "--leader-election", "--kubeconfig");

    OperatorHarness.installCrd(client);
    String suffix = Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20), 36);
    String operatorNs = "mesh-operator-jar-" + suffix;
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(operatorNs).endMetadata().build()).create();
    int port = Ports.free();
    int health = Ports.free();
    Path log = Files.createTempFile("mesh-operator-jar", ".log");
    // As the Deployment starts it (its args, leader election with POD_NAME/POD_NAMESPACE), outside
    // the cluster: --kubeconfig instead of the pod's ServiceAccount and a url webhook.
    // Authenticated as deploy/'s ServiceAccount with deploy/'s RBAC only, as the Deployment runs.
    Path kubeconfig = dev.meshoperator.testenv.OperatorIdentity.fromDeploy(client)
        .writeKubeconfig(Files.createTempFile("mesh-operator-jar", ".kubeconfig"));
    var command = new ArrayList<>(List.of("java", "-jar", JAR.toString(), "operator",
        "--kubeconfig=" + kubeconfig, "--webhook-port=" + port, "--health-port=" + health,
        "--leader-election", "--default-failure-policy=Ignore",
        "--webhook-url-host=" + cluster.hostReachableFromApiServer(port)));
    var builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().remove("KUBECONFIG");
    builder.environment().put("POD_NAMESPACE", operatorNs);
    builder.environment().put("POD_NAME", "mesh-operator-jar-0");
    Process process = builder.start();
    String name = "opjar-" + suffix;
    var installs = client.resources(MeshInstall.class);
    try {
      // Ready only after the webhook's warm-up, whose synthetic admissions are not in the admission
      // metrics (no MeshInstall yet, so no webhook configuration: the API server has sent nothing).
      var http = java.net.http.HttpClient.newHttpClient();
      // refused connections until the health port listens
      await().atMost(Duration.ofSeconds(120)).ignoreExceptionsInstanceOf(java.net.ConnectException.class).untilAsserted(() -> {
        assertThat(process.isAlive()).as("mesh-operator.jar is running; log: " + log).isTrue();
        assertThat(http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + health + "/readyz"))
            .build(), java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
      });
      assertThat(Files.readString(log)).containsPattern("admission webhook warm-up: \\d+ requests \\(0 unexpected answers\\)");
      assertThat(http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + health + "/metrics"))
          .build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body()).contains("sidecar_injection_requests_total 0.0");
      installs.resource(new KubernetesSerialization().unmarshal("""
          apiVersion: meshoperator.dev/v1alpha1
          kind: MeshInstall
          metadata: {name: %s}
          spec: {profile: minimal, revision: opjar%s, namespace: opjar%s-system}
          """.formatted(name, suffix, suffix), MeshInstall.class)).create();
      await().atMost(Duration.ofSeconds(120)).untilAsserted(() -> {
        assertThat(process.isAlive()).as("mesh-operator.jar is running; log: " + log).isTrue();
        MeshInstall current = installs.withName(name).get();
        assertThat(current.getStatus()).isNotNull();
        assertThat(current.getStatus().getState()).isEqualTo(MeshState.Ready);
        assertThat(current.getStatus().getWebhook().getState()).isEqualTo("Ready");
      });
      // Leader election ran in the namespace POD_NAMESPACE names, under POD_NAME.
      assertThat(client.resources(io.fabric8.kubernetes.api.model.coordination.v1.Lease.class).inNamespace(operatorNs).withName("mesh-operator-leader").get().getSpec()
          .getHolderIdentity()).isEqualTo("mesh-operator-jar-0");
      installs.withName(name).delete();
      await().atMost(Duration.ofSeconds(90)).until(() -> installs.withName(name).get() == null);
    } finally {
      process.destroy();
      boolean exited = process.waitFor(30, TimeUnit.SECONDS);
      if (!exited) {
        process.destroyForcibly();
      }
      installs.withName(name).delete();
      client.namespaces().withName(operatorNs).delete();
      assertThat(exited).as("mesh-operator.jar exits on SIGTERM; log: " + log).isTrue();
    }
    assertThat(Files.readString(log)).contains("mesh-operator started").doesNotContain("NoClassDefFoundError");
  }

}
