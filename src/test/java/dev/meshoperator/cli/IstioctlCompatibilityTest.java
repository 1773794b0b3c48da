package dev.meshoperator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshoperator.testenv.Ports;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** istioctl's command lines from its getting-started guide, as meshctl takes them. */
class IstioctlCompatibilityTest {
  private static final KubernetesSerialization KUBE = new KubernetesSerialization();

  @TempDir
  Path dir;

  @SuppressWarnings("unchecked")
  private static List<HasMetadata> parse(String yaml) {
    Object parsed = KUBE.unmarshal(yaml);
    return parsed instanceof List<?> list ? (List<HasMetadata>) list : List.of((HasMetadata) parsed);
  }

  private static <T extends HasMetadata> Optional<T> find(List<HasMetadata> objects, Class<T> type, String name) {
    return objects.stream().filter(type::isInstance).map(type::cast)
        .filter(o -> o.getMetadata().getName().equals(name)).findFirst();
  }

  @Test
  void setProfileIsTheProfileOption() {
    MeshctlRun set = MeshctlRun.of("manifest", "generate", "--set", "profile=demo");
    MeshctlRun option = MeshctlRun.of("manifest", "generate", "--profile", "demo");

    assertThat(set.exitCode()).as(set.toString()).isZero();
    assertThat(set.err()).isEmpty();
    assertThat(set.out()).isEqualTo(option.out()).contains("name: \"istio-egressgateway\"");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "values.global.hub=registry.example.com/istio | hub",
      "hub=registry.example.com/istio               | hub",
      "values.global.tag=1.31.2                     | version",
      "components.pilot.k8s.replicaCount=3          | components.pilot.replicas",
      "values.pilot.replicaCount=3                  | components.pilot.replicas",
      "meshConfig.outboundTrafficPolicy.mode=REGISTRY_ONLY | meshConfig.outboundTrafficPolicy",
      "values.pilot.traceSampling=12.5              | meshConfig.traceSampling",
      "values.global.proxy.holdApplicationUntilProxyStarts=true | meshConfig.defaultConfig.holdApplicationUntilProxyStarts",
      "components.ingressGateways[0].k8s.service.type=NodePort | components.ingressGateways[0].service.type",
      "values.global.istioNamespace=mesh-system     | namespace",
      "values.global.multiCluster.clusterName=cluster-b | cluster.name",
      "values.global.network=network-1              | cluster.network",
      "values.global.meshID=mesh1                   | meshId",
  })
  void istioctlPathsAreTranslatedWithANoteNamingTheField(String assignment, String field) {
    MeshctlRun run = MeshctlRun.of("manifest", "generate", "--set", "profile=demo", "--set", assignment);

    assertThat(run.exitCode()).as(run.toString()).isZero();
    String path = assignment.substring(0, assignment.indexOf('='));
    assertThat(run.err().lines()).containsExactly(
        "meshctl: note: --set " + path + ": istioctl's path, applied as spec." + field + " of the MeshInstall");
  }

  @Test
  void translatedValuesReachTheObjects() {
    MeshctlRun run = MeshctlRun.of("manifest", "generate", "--set", "profile=demo",
        "--set", "values.global.hub=registry.example.com/istio", "--set", "values.global.tag=1.31.2",
        "--set", "components.pilot.k8s.replicaCount=3",
        "--set", "meshConfig.outboundTrafficPolicy.mode=REGISTRY_ONLY",
        "--set", "meshConfig.accessLogFile=/dev/null",
        "--set", "components.egressGateways[0].enabled=false");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    // paths spelled the same in both (meshConfig.accessLogFile, components.*.enabled) need no note
    assertThat(run.err().lines()).hasSize(4);
    List<HasMetadata> objects = parse(run.out());
    Deployment istiod = find(objects, Deployment.class, "istiod").orElseThrow();
    assertThat(istiod.getSpec().getReplicas()).isEqualTo(3);
    assertThat(istiod.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo("registry.example.com/istio/pilot:1.31.2");
    String mesh = find(objects, ConfigMap.class, "istio").orElseThrow().getData().get("mesh");
    assertThat(mesh).contains("mode: REGISTRY_ONLY").contains("accessLogFile: /dev/null");
    assertThat(find(objects, Deployment.class, "istio-egressgateway")).isEmpty();
    assertThat(find(objects, Deployment.class, "istio-ingressgateway")).isPresent();
  }

  @Test
  void istioctlsCniSettingsInstallIstioCni() throws IOException {
    MeshctlRun run = MeshctlRun.of("manifest", "generate", "--set", "components.cni.enabled=true",
        "--set", "components.cni.namespace=kube-system", "--set", "values.cni.excludeNamespaces=[kube-system, istio-system]",
        "--set", "values.cni.cniBinDir=/home/kubernetes/bin", "--set", "values.cni.resources.requests.cpu=50m");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    List<HasMetadata> objects = parse(run.out());
    var ds = find(objects, io.fabric8.kubernetes.api.model.apps.DaemonSet.class, "istio-cni-node").orElseThrow();
    assertThat(ds.getMetadata().getNamespace()).isEqualTo("kube-system");
    var container = ds.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(container.getResources().getRequests().get("cpu").toString()).isEqualTo("50m");
    assertThat(ds.getSpec().getTemplate().getSpec().getVolumes()).anySatisfy(v -> assertThat(v.getHostPath().getPath()).isEqualTo("/home/kubernetes/bin"));
    assertThat(find(objects, ConfigMap.class, "istio-cni-config").orElseThrow().getData())
        .containsEntry("EXCLUDE_NAMESPACES", "kube-system,istio-system");
  }

  @ParameterizedTest
  @ValueSource(strings = {"values.global.proxy.privileged=true", "components.cni.k8s.nodeSelector.disk=ssd",
      "values.pilot.env.PILOT_ENABLE_STATUS=true", "components.pilot.k8s.strategy.rollingUpdate.maxSurge=1",
      "values.global.meshNetworks.n1.gateways=x", "components.ztunnel.enabled=true", "spec.values.global.logging.level=debug"})
  void istioctlPathsWithoutEquivalentAreRefusedByName(String assignment) {
    MeshctlRun run = MeshctlRun.of("manifest", "generate", "--set", assignment);

    String path = assignment.substring(0, assignment.indexOf('='));
    assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.out()).isEmpty();
    assertThat(run.err().lines()).hasSize(2);
    assertThat(run.err().lines().findFirst().orElseThrow())
        .isEqualTo("meshctl: error: --set " + path + ": istioctl's path has no MeshInstall equivalent");
  }

  @Test
  void experimentalPrecheckIsPrecheck() throws IOException {
    Path kubeconfig = MeshctlRun.unreachableKubeconfig(dir, Ports.free());

    MeshctlRun x = MeshctlRun.of("--kubeconfig", kubeconfig.toString(), "x", "precheck");
    MeshctlRun plain = MeshctlRun.of("--kubeconfig", kubeconfig.toString(), "precheck");

    // no cluster here: both reach the cluster check, so both parsed and ran the same command
    assertThat(x.exitCode()).as(x.toString()).isEqualTo(ExitCodes.FAILURE);
    assertThat(x.err()).isEqualTo(plain.err()).startsWith("meshctl: error: cannot reach the cluster");
    assertThat(MeshctlRun.of("x", "precheck", "--help").out()).contains("Usage: meshctl x precheck");
  }

  @Test
  void experimentalAloneOrUnknownIsAUsageError() {
    MeshctlRun bare = MeshctlRun.of("x");
    MeshctlRun unknown = MeshctlRun.of("x", "authz");

    assertThat(bare.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(bare.err()).startsWith("meshctl: error: missing a subcommand (precheck)\n");
    assertThat(unknown.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(unknown.err()).startsWith("meshctl: error: unknown command 'authz'\n");
  }

  @ParameterizedTest
  @ValueSource(strings = {"manifest apply --set profile=demo", "install --set profile=demo -y",
      "manifest apply --set profile=demo --skip-confirmation --no-wait"})
  void installSpellingsParseAndGoToTheCluster(String command) throws IOException {
    Path kubeconfig = MeshctlRun.unreachableKubeconfig(dir, Ports.free());
    String[] args = ("--kubeconfig " + kubeconfig + " " + command).split(" ");

    MeshctlRun run = MeshctlRun.of(args);

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.FAILURE);
    assertThat(run.err().lines()).as(run.toString()).hasSize(2);
    assertThat(run.err()).startsWith("meshctl: error: cannot reach the cluster");
  }

  @Test
  void manifestApplyRefusesAnUnknownPathBeforeTouchingTheCluster() throws IOException {
    Path kubeconfig = MeshctlRun.unreachableKubeconfig(dir, Ports.free());

    MeshctlRun run = MeshctlRun.of("--kubeconfig", kubeconfig.toString(), "manifest", "apply",
        "--set", "values.global.proxy.privileged=true");

    assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.err()).startsWith("meshctl: error: --set values.global.proxy.privileged: istioctl's path");
  }

  @Test
  void generatedStreamEndsWithTheMeshInstallThenTheCrds() {
    MeshctlRun run = MeshctlRun.of("manifest", "generate", "--set", "profile=demo");

    List<HasMetadata> objects = parse(run.out());
    List<String> kinds = objects.stream().map(HasMetadata::getKind).toList();
    int meshInstall = kinds.indexOf("MeshInstall");
    assertThat(meshInstall).isPositive();
    assertThat(objects.get(meshInstall).getMetadata().getName()).isEqualTo("meshinstall");
    assertThat(kinds.subList(0, meshInstall)).doesNotContain("CustomResourceDefinition").contains("Deployment");
    assertThat(kinds.subList(meshInstall + 1, kinds.size())).isNotEmpty().containsOnly("CustomResourceDefinition");
  }

  @Test
  void withRemoveOnUninstallTheCrdsComeBeforeTheMeshInstall() {
    MeshctlRun run = MeshctlRun.of("manifest", "generate", "--set", "components.base.removeOnUninstall=true");

    List<String> kinds = parse(run.out()).stream().map(HasMetadata::getKind).toList();
    assertThat(kinds.get(kinds.size() - 1)).isEqualTo("MeshInstall");
    assertThat(kinds).contains("CustomResourceDefinition");
  }
}
