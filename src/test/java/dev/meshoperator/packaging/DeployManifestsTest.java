package dev.meshoperator.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** deploy/ as plain YAML: the CRD copies are current, and the objects are the ones documented. */
class DeployManifestsTest {
  private static final String NS = "mesh-operator";
  private final List<HasMetadata> objects = Manifests.parseDir(Manifests.DEPLOY);

  @Test
  void crdCopiesInDeployAndInTheChartAreIdenticalToCrdsDir() throws IOException {
    byte[] generated = Files.readAllBytes(Manifests.CRD);
    for (Path copy : List.of(Manifests.DEPLOY.resolve("01-crd.yaml"),
        Manifests.CHART.resolve("files/meshinstalls.meshoperator.dev-v1.yml"))) {
      assertThat(Files.readAllBytes(copy))
          .as("%s is stale; copy crds/%s over it", Manifests.BASEDIR.relativize(copy), Manifests.CRD.getFileName())
          .isEqualTo(generated);
    }
  }

  @Test
  void filesAreNumberedSoThatNamespaceAndCrdComeFirst() {
    List<String> names = Manifests.yamlFiles(Manifests.DEPLOY).stream()
        .map(p -> p.getFileName().toString()).toList();
    assertThat(names).containsExactly("00-namespace.yaml", "01-crd.yaml", "02-rbac.yaml",
        "03-deployment.yaml", "04-service.yaml", "05-pdb.yaml", "06-user-roles.yaml");
    assertThat(Manifests.parse(Manifests.DEPLOY.resolve("00-namespace.yaml")))
        .singleElement().isInstanceOf(Namespace.class);
    assertThat(Manifests.parse(Manifests.DEPLOY.resolve("01-crd.yaml")))
        .singleElement().isInstanceOf(CustomResourceDefinition.class);
  }

  @Test
  void everyNamespacedObjectIsInTheOperatorNamespace() {
    Namespace ns = Manifests.single(objects, Namespace.class);
    assertThat(ns.getMetadata().getName()).isEqualTo(NS);
    assertThat(ns.getMetadata().getLabels())
        .containsEntry("pod-security.kubernetes.io/enforce", "restricted")
        .containsEntry("istio-injection", "disabled");
    assertThat(objects).filteredOn(o -> !(o instanceof Namespace || o instanceof CustomResourceDefinition
            || o instanceof ClusterRole || o instanceof ClusterRoleBinding))
        .isNotEmpty()
        .allSatisfy(o -> assertThat(o.getMetadata().getNamespace()).as(o.getKind()).isEqualTo(NS));
  }

  @Test
  void rbacIsExactlyWhatTheOperatorManagesBoundToItsServiceAccount() {
    ServiceAccount sa = Manifests.single(objects, ServiceAccount.class);
    OperatorPermissions.assertClusterRules(Manifests.operatorClusterRole(objects).getRules());
    OperatorPermissions.assertNamespaceRules(Manifests.single(objects, Role.class).getRules(), true);

    ClusterRoleBinding crb = Manifests.single(objects, ClusterRoleBinding.class);
    assertThat(crb.getRoleRef().getName()).isEqualTo(Manifests.operatorClusterRole(objects).getMetadata().getName());
    assertThat(crb.getSubjects()).singleElement().satisfies(s -> {
      assertThat(s.getKind()).isEqualTo("ServiceAccount");
      assertThat(s.getName()).isEqualTo(sa.getMetadata().getName());
      assertThat(s.getNamespace()).isEqualTo(NS);
    });
    RoleBinding rb = Manifests.single(objects, RoleBinding.class);
    assertThat(rb.getRoleRef().getKind()).isEqualTo("Role");
    assertThat(rb.getSubjects()).singleElement()
        .satisfies(s -> assertThat(s.getName()).isEqualTo(sa.getMetadata().getName()));
    assertThat(Manifests.single(objects, Deployment.class).getSpec().getTemplate().getSpec()
        .getServiceAccountName()).isEqualTo(sa.getMetadata().getName());
  }

  @Test
  void userRolesLetViewersReadAndOnlyExplicitlyBoundEditorsWrite() {
    UserRoles.assertShape(Manifests.userRoles(objects), "mesh-operator");
  }

  @Test
  void operatorArgumentsAreOnesMeshctlOperatorAccepts() {
    Deployment d = Manifests.single(objects, Deployment.class);
    var args = OperatorPodAssertions.operatorContainer(d).getArgs();
    var parsed = dev.meshoperator.cli.Meshctl.commandLine().parseArgs(args.toArray(String[]::new));
    var operator = parsed.subcommand();
    assertThat(operator.commandSpec().name()).isEqualTo("operator");
    assertThat(operator.matchedOptionValue("--webhook-port", 0)).isEqualTo(9443);
    assertThat(operator.matchedOptionValue("--health-port", 0)).isEqualTo(8080);
    assertThat(operator.matchedOptionValue("--webhook-service", "")).isEqualTo(
        Manifests.single(objects, io.fabric8.kubernetes.api.model.Service.class).getMetadata().getName());
    assertThat(operator.hasMatchedOption("--leader-election")).isTrue();
  }

  @Test
  void deploymentRunsTwoRestrictedReplicasWithLeaderElection() {
    Deployment d = Manifests.single(objects, Deployment.class);
    assertThat(d.getSpec().getReplicas()).isEqualTo(2);
    OperatorPodAssertions.assertRestricted(d);
    OperatorPodAssertions.assertPortsAndProbes(d, 9443, 8080);
    assertThat(OperatorPodAssertions.operatorContainer(d).getArgs())
        .contains("--leader-election", "--default-failure-policy=Fail");
    assertThat(d.getSpec().getTemplate().getMetadata().getLabels())
        .containsAllEntriesOf(d.getSpec().getSelector().getMatchLabels())
        .containsEntry("sidecar.istio.io/inject", "false");
  }

  @Test
  void serviceExposesWebhookOn443AndMetricsAndPdbKeepsOneReplica() {
    Deployment d = Manifests.single(objects, Deployment.class);
    Service svc = Manifests.single(objects, Service.class);
    assertThat(svc.getSpec().getSelector()).isEqualTo(d.getSpec().getSelector().getMatchLabels());
    Map<String, ServicePort> ports = svc.getSpec().getPorts().stream()
        .collect(Collectors.toMap(ServicePort::getName, p -> p));
    assertThat(ports).containsOnlyKeys("https-webhook", "http-metrics");
    assertThat(ports.get("https-webhook").getPort()).isEqualTo(443);
    assertThat(ports.get("https-webhook").getTargetPort()).isEqualTo(new IntOrString("https-webhook"));
    assertThat(ports.get("http-metrics").getPort()).isEqualTo(8080);

    PodDisruptionBudget pdb = Manifests.single(objects, PodDisruptionBudget.class);
    assertThat(pdb.getSpec().getMinAvailable()).isEqualTo(new IntOrString(1));
    assertThat(pdb.getSpec().getSelector().getMatchLabels()).isEqualTo(d.getSpec().getSelector().getMatchLabels());
  }
}
