package dev.meshoperator.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.Role;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** The Helm chart, linted and rendered by Helm itself (helm-java runs Helm in-process). */
class HelmChartTest {
  private static final String RELEASE = "mesh-operator";
  private static final String NS = "mesh-operator";
  // helm-java's built-in default (v1.20.0, Helm's fallback when built without version ldflags) is
  // older than the chart's kubeVersion; render against the oldest release the chart supports.
  private static final String KUBE_VERSION = "v1.28.0";

  private static List<HasMetadata> render(UnaryOperator<TemplateCommand> values) {
    TemplateCommand template = new Helm(Manifests.CHART).template().withName(RELEASE).withNamespace(NS)
        .withKubeVersion(KUBE_VERSION);
    return Manifests.parse(values.apply(template).call());
  }

  @Test
  void lintReportsNoErrorsOrWarnings() {
    LintResult lint = new Helm(Manifests.CHART).lint().strict().call();
    assertThat(lint.isFailed()).as("%s", lint.getMessages()).isFalse();
    assertThat(lint.getMessages()).noneMatch(m -> m.contains("[ERROR]") || m.contains("[WARNING]"));
  }

  @Test
  void defaultsRenderTheSameObjectsAsDeployDir() {
    List<HasMetadata> chart = render(t -> t);
    List<HasMetadata> deploy = Manifests.parseDir(Manifests.DEPLOY);

    // The chart installs into the release namespace (helm --create-namespace) instead of creating one.
    assertThat(chart.stream().map(HelmChartTest::id).sorted().toList())
        .isEqualTo(deploy.stream().filter(o -> !(o instanceof Namespace)).map(HelmChartTest::id).sorted().toList());

    OperatorPermissions.assertClusterRules(Manifests.operatorClusterRole(chart).getRules());
    OperatorPermissions.assertNamespaceRules(Manifests.single(chart, Role.class).getRules(), true);
    assertThat(Manifests.operatorClusterRole(chart).getRules())
        .isEqualTo(Manifests.operatorClusterRole(deploy).getRules());

    Deployment d = Manifests.single(chart, Deployment.class);
    Deployment plain = Manifests.single(deploy, Deployment.class);
    assertThat(d.getSpec().getReplicas()).isEqualTo(2);
    OperatorPodAssertions.assertRestricted(d);
    OperatorPodAssertions.assertPortsAndProbes(d, 9443, 8080);
    // Same container as deploy/ (image, args, env, ports, probes, resources, security context).
    assertThat(OperatorPodAssertions.operatorContainer(d)).isEqualTo(OperatorPodAssertions.operatorContainer(plain));
    assertThat(d.getSpec().getTemplate().getSpec().getSecurityContext())
        .isEqualTo(plain.getSpec().getTemplate().getSpec().getSecurityContext());

    Service svc = Manifests.single(chart, Service.class);
    assertThat(svc.getSpec().getPorts()).extracting(ServicePort::getName, ServicePort::getPort)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("https-webhook", 443),
            org.assertj.core.groups.Tuple.tuple("http-metrics", 8080));
    assertThat(svc.getSpec().getSelector()).isEqualTo(d.getSpec().getSelector().getMatchLabels());
    assertThat(Manifests.single(chart, PodDisruptionBudget.class).getSpec().getMinAvailable().getIntVal())
        .isEqualTo(1);
    assertThat(Manifests.ofType(chart, GenericKubernetesResource.class)).as("no ServiceMonitor by default").isEmpty();
  }

  @Test
  void crdIsTheGeneratedOneKeptOnUninstall() {
    CustomResourceDefinition rendered = Manifests.single(render(t -> t), CustomResourceDefinition.class);
    CustomResourceDefinition generated = Manifests.single(Manifests.parse(Manifests.CRD), CustomResourceDefinition.class);
    assertThat(rendered.getMetadata().getAnnotations()).containsEntry("helm.sh/resource-policy", "keep");
    assertThat(rendered.getMetadata().getName()).isEqualTo(generated.getMetadata().getName());
    assertThat(rendered.getSpec()).isEqualTo(generated.getSpec());
  }

  @Test
  void overridesReachTheObjects() {
    List<HasMetadata> objects = render(t -> t
        .set("replicas", 3)
        .set("crds.install", false)
        .set("webhook.failurePolicy", "Ignore")
        .set("image.repository", "registry.example.com/mesh/operator")
        .set("image.tag", "1.2.3")
        .set("image.pullPolicy", "Always")
        .set("resources.limits.memory", "1Gi")
        .set("nodeSelector.kubernetes\\.io/os", "linux")
        .set("priorityClassName", "system-cluster-critical")
        .set("podAnnotations.example\\.com/team", "mesh")
        .set("watchNamespace", "team-a")
        .set("logLevel", "debug"));

    assertThat(Manifests.ofType(objects, CustomResourceDefinition.class)).isEmpty();
    Deployment d = Manifests.single(objects, Deployment.class);
    var pod = d.getSpec().getTemplate().getSpec();
    var c = OperatorPodAssertions.operatorContainer(d);
    assertThat(d.getSpec().getReplicas()).isEqualTo(3);
    assertThat(c.getArgs()).contains("--default-failure-policy=Ignore").doesNotContain("--default-failure-policy=Fail");
    assertThat(c.getArgs()).contains("--log-level=debug").doesNotContain("--log-level=info");
    assertThat(c.getImage()).isEqualTo("registry.example.com/mesh/operator:1.2.3");
    assertThat(c.getImagePullPolicy()).isEqualTo("Always");
    assertThat(c.getResources().getLimits().get("memory").toString()).isEqualTo("1Gi");
    assertThat(c.getEnv()).anySatisfy(e -> assertThat(e.getName() + "=" + e.getValue()).isEqualTo("WATCH_NAMESPACE=team-a"));
    assertThat(pod.getNodeSelector()).isEqualTo(Map.of("kubernetes.io/os", "linux"));
    assertThat(pod.getPriorityClassName()).isEqualTo("system-cluster-critical");
    assertThat(d.getSpec().getTemplate().getMetadata().getAnnotations()).containsEntry("example.com/team", "mesh");
    OperatorPodAssertions.assertRestricted(d);
  }

  @Test
  void userRolesAreDeployDirsAggregatingOnlyReadsAndCanBeLeftOut() {
    List<HasMetadata> chart = render(t -> t);
    List<ClusterRole> rendered = Manifests.userRoles(chart);
    List<ClusterRole> plain = Manifests.userRoles(Manifests.parseDir(Manifests.DEPLOY));
    UserRoles.assertShape(rendered, RELEASE);
    assertThat(rendered).extracting(r -> r.getMetadata().getName())
        .containsExactlyElementsOf(plain.stream().map(r -> r.getMetadata().getName()).toList());
    for (int i = 0; i < rendered.size(); i++) {
      assertThat(rendered.get(i).getRules()).isEqualTo(plain.get(i).getRules());
      assertThat(UserRoles.aggregation(rendered.get(i))).isEqualTo(UserRoles.aggregation(plain.get(i)));
    }

    // Another release name: its own role names, no clash with a second install.
    assertThat(Manifests.userRoles(render(t -> t.withName("mesh"))))
        .extracting(r -> r.getMetadata().getName())
        .containsExactly("mesh-mesh-operator-meshinstall-viewer", "mesh-mesh-operator-meshinstall-editor");
    assertThat(Manifests.userRoles(render(t -> t.set("userRoles.aggregateToView", false))))
        .allSatisfy(r -> assertThat(UserRoles.aggregation(r)).isEmpty());
    assertThat(Manifests.userRoles(render(t -> t.set("userRoles.create", false)))).isEmpty();
  }

  @Test
  void singleReplicaWithoutLeaderElectionDropsLeaseRuleAndPdb() {
    List<HasMetadata> objects = render(t -> t.set("replicas", 1).set("leaderElection.enabled", false));
    assertThat(OperatorPodAssertions.operatorContainer(Manifests.single(objects, Deployment.class)).getArgs())
        .doesNotContain("--leader-election");
    OperatorPermissions.assertNamespaceRules(Manifests.single(objects, Role.class).getRules(), false);
    assertThat(Manifests.ofType(objects, PodDisruptionBudget.class)).isEmpty();
  }

  @Test
  void serviceMonitorOnlyWhenAskedFor() {
    List<HasMetadata> objects = render(t -> t.set("metrics.serviceMonitor.enabled", true)
        .set("metrics.serviceMonitor.labels.release", "prometheus"));
    GenericKubernetesResource sm = Manifests.single(objects, GenericKubernetesResource.class);
    assertThat(sm.getKind()).isEqualTo("ServiceMonitor");
    assertThat(sm.getMetadata().getLabels()).containsEntry("release", "prometheus");

    List<HasMetadata> noMetrics = render(t -> t.set("metrics.enabled", false));
    assertThat(Manifests.single(noMetrics, Service.class).getSpec().getPorts())
        .extracting(ServicePort::getName).containsExactly("https-webhook");
  }

  @Test
  void schemaRejectsWrongTypesAndUnknownValuesWithAMessage() {
    assertThatThrownBy(() -> render(t -> t.set("replicas", "many")))
        .hasMessageContaining("replicas");
    assertThatThrownBy(() -> render(t -> t.set("webhook.failurePolicy", "Sometimes")))
        .hasMessageContaining("failurePolicy");
    assertThatThrownBy(() -> render(t -> t.set("logLevel", "verbose")))
        .hasMessageContaining("logLevel");
    assertThatThrownBy(() -> render(t -> t.set("replica", 3)))
        .hasMessageContaining("replica");
  }

  @Test
  void replicasWithoutLeaderElectionFailWithAReason() {
    assertThatThrownBy(() -> render(t -> t.set("leaderElection.enabled", false)))
        .hasMessageContaining("leaderElection.enabled=true");
  }

  @Test
  void olderKubernetesIsRefused() {
    assertThatThrownBy(() -> render(t -> t.withKubeVersion("v1.27.9")))
        .hasMessageContaining("kubeVersion");
  }

  private static String id(HasMetadata o) {
    return o.getKind() + " " + (o.getMetadata().getNamespace() == null ? "" : o.getMetadata().getNamespace() + "/")
        + o.getMetadata().getName();
  }
}
