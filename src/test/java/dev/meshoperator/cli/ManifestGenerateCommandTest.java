package dev.meshoperator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshoperator.MeshInstalls;
import dev.meshoperator.api.FailurePolicy;
import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.Profile;
import dev.meshoperator.profile.Profiles;
import dev.meshoperator.render.GoldenYaml;
import dev.meshoperator.render.Renderer;
import dev.meshoperator.webhook.InjectorWebhookRenderer;
import dev.meshoperator.webhook.WebhookEndpoint;
import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ManifestGenerateCommandTest {
  private static final KubernetesSerialization KUBE = new KubernetesSerialization();

  /**
   * What the operator applies for a MeshInstall, straight from the pure packages: the renderer plus
   * the injector's webhook configuration as OperatorProcess adds it, for the default deployment's
   * Service and with no caBundle (only the running operator has its CA).
   */
  private static List<HasMetadata> rendered(MeshInstall install) {
    var webhook = new InjectorWebhookRenderer(WebhookEndpoint.service("mesh-operator", "mesh-operator", 443),
        Optional::empty, FailurePolicy.Fail, Optional.of("mesh-operator"));
    return new Renderer(List.of(webhook)).render(Profiles.resolve(install));
  }

  /**
   * What manifest generate prints: the rendered objects but Istio's CRDs, the MeshInstall, then the
   * CRDs (so that {@code kubectl delete -f -} meets every object still present; see WalkthroughIT).
   */
  private static List<HasMetadata> generated(MeshInstall install) {
    List<HasMetadata> objects = rendered(install);
    List<HasMetadata> expected = new ArrayList<>(objects.stream().filter(o -> !(o instanceof CustomResourceDefinition)).toList());
    expected.add(install);
    expected.addAll(objects.stream().filter(CustomResourceDefinition.class::isInstance).toList());
    return expected;
  }

  /**
   * Objects as JSON trees: model classes compare unequal after a round trip over trivia (an empty
   * list read back as null), while what is sent to the API server is exactly this tree.
   */
  private static List<JsonNode> trees(List<? extends HasMetadata> objects) {
    return objects.stream().map(o -> KUBE.unmarshal(KUBE.asJson(o), JsonNode.class)).toList();
  }

  @SuppressWarnings("unchecked")
  private static List<HasMetadata> parse(String yaml) {
    if (yaml.isBlank()) {
      return List.of(); // the empty profile installs nothing
    }
    Object parsed = KUBE.unmarshal(yaml);
    return parsed instanceof List<?> list ? (List<HasMetadata>) list : List.of((HasMetadata) parsed);
  }

  private static String[] args(String... args) {
    return args;
  }

  private static <T extends HasMetadata> T find(List<HasMetadata> objects, Class<T> type, String name) {
    return objects.stream().filter(type::isInstance).map(type::cast)
        .filter(o -> o.getMetadata().getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError(type.getSimpleName() + " " + name + " not in output"));
  }

  @ParameterizedTest
  @EnumSource(Profile.class)
  void eachProfileEqualsTheRenderersObjectsInApplyOrder(Profile profile) {
    MeshInstall install = MeshInstalls.example(profile);
    List<String> argv = new ArrayList<>(List.of("manifest", "generate", "--profile", profile.wireName(), "--name", profile.wireName()));
    if (profile == Profile.REMOTE) {
      argv.addAll(List.of("--set", "remote.address=" + MeshInstalls.REMOTE_ADDRESS));
    }

    MeshctlRun run = MeshctlRun.of(argv.toArray(String[]::new));

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.err()).isEmpty();
    assertThat(trees(parse(run.out()))).isEqualTo(trees(generated(install)));
  }

  /**
   * The renderer's golden (GoldenRenderTest, Istio's CRD schemas as digests) with its CRDs moved
   * after the MeshInstall, the webhook configuration (which only the operator process adds;
   * golden/manifest-generate-webhook.yaml) and the MeshInstall (golden/manifest-generate-meshinstall.yaml).
   * {@code -Dgolden.update=true} rewrites the two manifest-generate goldens.
   */
  @Test
  void defaultProfileIsTheRenderersGoldenPlusWebhookConfigurationAndMeshInstallByteForByte() throws IOException {
    MeshctlRun run = MeshctlRun.of("manifest", "generate", "--name", "default");

    Path dir = Path.of(System.getProperty("mesh.basedir", ".")).resolve("src/test/resources/golden");
    List<String> printed = documents(run.out());
    String webhook = printed.stream().filter(d -> d.startsWith("---\n# caBundle is left out")).findFirst().orElseThrow();
    String meshInstall = printed.stream().filter(d -> d.contains("\nkind: \"MeshInstall\"\n") || d.contains("\nkind: MeshInstall\n"))
        .findFirst().orElseThrow();
    int meshInstallAt = printed.indexOf(meshInstall);
    List<String> rest = printed.stream().filter(d -> d != webhook && d != meshInstall).toList();
    // The renderer's objects, as the golden shows them (schemas as digests), in any order ...
    List<String> golden = documents(Files.readString(dir.resolve("default.yaml")));
    assertThat(documents(GoldenYaml.of(parse(String.join("", rest))))).containsExactlyInAnyOrderElementsOf(golden);
    // ... with Istio's CRDs after the MeshInstall (so `generate | kubectl delete -f -` removes what
    // apply created) and the webhook configuration before it.
    List<Integer> crdPositions = new ArrayList<>();
    for (int i = 0; i < printed.size(); i++) {
      if (printed.get(i).contains("\nkind: \"CustomResourceDefinition\"\n") || printed.get(i).contains("\nkind: CustomResourceDefinition\n")) {
        crdPositions.add(i);
      }
    }
    assertThat(crdPositions).hasSizeGreaterThan(5).allMatch(i -> i > meshInstallAt);
    assertThat(printed.indexOf(webhook)).isLessThan(meshInstallAt);
    Path webhookGolden = dir.resolve("manifest-generate-webhook.yaml");
    Path meshInstallGolden = dir.resolve("manifest-generate-meshinstall.yaml");
    if (Boolean.getBoolean("golden.update")) {
      Files.writeString(webhookGolden, webhook);
      Files.writeString(meshInstallGolden, meshInstall);
    }
    assertThat(webhook).isEqualTo(Files.readString(webhookGolden));
    assertThat(webhook).startsWith("---\n# caBundle is left out").doesNotContain("caBundle:");
    assertThat(meshInstall).isEqualTo(Files.readString(meshInstallGolden));
    assertThat(meshInstall).contains("kind: \"MeshInstall\"").contains("name: \"default\"");
  }

  /** YAML documents as printed, each starting with its "---" line. */
  private static List<String> documents(String yaml) {
    List<String> documents = new ArrayList<>();
    for (String part : yaml.split("(?m)^(?=---$)")) {
      if (!part.isEmpty()) {
        documents.add(part);
      }
    }
    return documents;
  }

  @Test
  void webhookConfigurationFollowsTheServiceAndFailurePolicyOptions() {
    MeshctlRun run = MeshctlRun.of("manifest", "generate", "--set", "revision=canary",
        "--operator-namespace", "ops", "--webhook-service", "injector", "--default-failure-policy", "Ignore");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    var mwc = find(parse(run.out()), MutatingWebhookConfiguration.class, "mesh-operator-sidecar-injector-canary");
    assertThat(mwc.getWebhooks()).isNotEmpty().allSatisfy(w -> {
      assertThat(w.getFailurePolicy()).isEqualTo("Ignore");
      assertThat(w.getClientConfig().getCaBundle()).isNull();
      assertThat(w.getClientConfig().getService().getNamespace()).isEqualTo("ops");
      assertThat(w.getClientConfig().getService().getName()).isEqualTo("injector");
      assertThat(w.getClientConfig().getService().getPort()).isEqualTo(443);
      assertThat(w.getClientConfig().getService().getPath()).isEqualTo("/inject/canary");
    });
  }

  @Test
  void aFailurePolicyInTheSpecBeatsTheDefaultOption() {
    MeshctlRun run = MeshctlRun.of("manifest", "generate", "--set", "sidecarInjector.failurePolicy=Ignore");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    var mwc = find(parse(run.out()), MutatingWebhookConfiguration.class, "mesh-operator-sidecar-injector");
    assertThat(mwc.getWebhooks()).allSatisfy(w -> assertThat(w.getFailurePolicy()).isEqualTo("Ignore"));
  }

  @Test
  void fileIsReadAndItsProblemsReported(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("mi.yaml");
    Files.writeString(file, """
        apiVersion: meshoperator.dev/v1alpha1
        kind: MeshInstall
        metadata:
          name: edge
        spec:
          profile: minimal
          revision: blue
        """);

    MeshctlRun run = MeshctlRun.of("manifest", "generate", "-f", file.toString());

    MeshInstall expected = MeshInstalls.named("edge", Profile.MINIMAL);
    expected.getSpec().setRevision("blue");
    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(trees(parse(run.out()))).isEqualTo(trees(generated(expected)));
    assertThat(run.out()).contains("name: \"istiod-blue\"");
  }

  @Test
  void profileOptionOverridesTheFile(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("mi.yaml");
    Files.writeString(file, "apiVersion: meshoperator.dev/v1alpha1\nkind: MeshInstall\nmetadata: {name: demo}\nspec: {profile: minimal}\n");

    MeshctlRun run = MeshctlRun.of("manifest", "generate", "-f", file.toString(), "--profile", "demo");

    assertThat(trees(parse(run.out()))).isEqualTo(trees(generated(MeshInstalls.example(Profile.DEMO))));
  }

  @Test
  void setsGatewayReplicasByListIndex() {
    MeshctlRun run = MeshctlRun.of("manifest", "generate", "--profile", "demo",
        "--set", "components.ingressGateways[0].replicas=3");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    // [0] is the profile's first ingress gateway, as with istioctl
    assertThat(find(parse(run.out()), Deployment.class, "istio-ingressgateway").getSpec().getReplicas()).isEqualTo(3);
  }

  @Test
  void setsMeshConfigRevisionAndKeepsStringsStrings() {
    MeshctlRun run = MeshctlRun.of("manifest", "generate",
        "--set", "meshConfig.accessLogFile=/dev/stdout",
        "--set", "revision=canary",
        "--set", "hub=1.30",
        "--set", "components.pilot.replicas=2",
        "--set", "components.pilot.autoscaling.enabled=false");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    List<HasMetadata> objects = parse(run.out());
    Deployment istiod = find(objects, Deployment.class, "istiod-canary");
    assertThat(istiod.getSpec().getReplicas()).isEqualTo(2);
    // "1.30" stays the string it was, not the number 1.3
    assertThat(istiod.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo("1.30/pilot:" + dev.meshoperator.profile.IstioVersions.defaultVersion());
    assertThat(find(objects, ConfigMap.class, "istio-canary").getData().get("mesh")).contains("accessLogFile: /dev/stdout");
  }

  @Test
  void setAcceptsStructuredValues() {
    MeshctlRun run = MeshctlRun.of("manifest", "generate",
        "--set", "components.pilot.resources={requests: {cpu: 750m}}",
        "--set", "spec.components.pilot.nodeSelector.disk\\.type/kind=ssd");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    var pod = find(parse(run.out()), Deployment.class, "istiod").getSpec().getTemplate().getSpec();
    assertThat(pod.getContainers().get(0).getResources().getRequests().get("cpu").toString()).isEqualTo("750m");
    assertThat(pod.getNodeSelector()).containsEntry("disk.type/kind", "ssd");
  }

  @Test
  void unknownFieldIsAOneLineUsageErrorListingTheKnownOnes() {
    MeshctlRun run = MeshctlRun.of("manifest", "generate", "--set", "components.ingressGatways[0].replicas=3");

    assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.out()).isEmpty();
    assertThat(run.err().lines()).containsExactly(
        "meshctl: error: --set components.ingressGatways[0].replicas=3: spec.components has no field 'ingressGatways'",
        "hint: fields of spec.components: base, cni, egressGateways, ingressGateways, pilot");
  }

  @Test
  void badPathSyntaxAndBadValuesAreUsageErrors() {
    for (String[] argv : List.of(
        args("--set", "components.pilot.replicas"),
        args("--set", "components..pilot=1"),
        args("--set", "components.ingressGateways[x].replicas=1"),
        args("--set", "components.ingressGateways[5].replicas=1"),
        args("--set", "components.pilot.replicas=lots"),
        args("--set", "components.pilot[0]=1"),
        args("--set", "revision.name=x"),
        args("--profile", "tiny"))) {
      List<String> full = new ArrayList<>(List.of("manifest", "generate"));
      full.addAll(List.of(argv));

      MeshctlRun run = MeshctlRun.of(full.toArray(String[]::new));

      assertThat(run.exitCode()).as(String.join(" ", argv) + "\n" + run).isEqualTo(ExitCodes.USAGE);
      assertThat(run.err().lines()).as(run.toString()).hasSize(2);
      assertThat(run.err()).startsWith("meshctl: error: ").contains("\nhint: ");
    }
  }

  @Test
  void validationProblemsArePrintedAsFieldReasonLinesAndExitOne() {
    MeshctlRun run = MeshctlRun.of("manifest", "generate", "--profile", "remote");

    assertThat(run.exitCode()).isEqualTo(ExitCodes.FAILURE);
    assertThat(run.out()).isEmpty();
    List<String> lines = run.err().lines().toList();
    assertThat(lines.get(0)).startsWith("spec.remote.address: ");
    assertThat(lines).contains("meshctl: error: MeshInstall meshinstall is invalid (1 problem)");
    assertThat(lines.get(lines.size() - 1)).startsWith("hint: ");
  }

  @Test
  void jsonIsAListOfTheSameObjects() {
    MeshctlRun run = MeshctlRun.of("manifest", "generate", "--profile", "minimal", "-o", "json");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.err()).isEqualTo("meshctl: note: " + ManifestGenerateCommand.CA_BUNDLE_NOTE + "\n");
    KubernetesList list = KUBE.unmarshal(run.out(), KubernetesList.class);
    MeshInstall install = MeshInstalls.named(Profiles.UNNAMED, Profile.MINIMAL);
    assertThat(trees(list.getItems())).isEqualTo(trees(generated(install)));
  }

  @Test
  void readsStdin() {
    MeshctlRun run = MeshctlRun.withStdin(
        "apiVersion: meshoperator.dev/v1alpha1\nkind: MeshInstall\nmetadata: {name: minimal}\nspec: {profile: minimal}\n",
        "manifest", "generate", "-f", "-");

    assertThat(trees(parse(run.out()))).isEqualTo(trees(generated(MeshInstalls.example(Profile.MINIMAL))));
  }

  @Test
  void fileWithoutMeshInstallIsAFailure(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("cm.yaml");
    Files.writeString(file, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n");

    MeshctlRun run = MeshctlRun.of("manifest", "generate", "-f", file.toString());

    assertThat(run.exitCode()).isEqualTo(ExitCodes.FAILURE);
    assertThat(run.err()).startsWith("meshctl: error: " + file + " holds no MeshInstall");
  }
}
