package dev.meshoperator.render;

import static dev.meshoperator.render.Rbac.READ;
import static dev.meshoperator.render.Rbac.rule;

import dev.meshoperator.profile.CniConfig;
import dev.meshoperator.profile.EffectiveConfig;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Istio CNI (Istio 1.30.3, manifests/charts/istio-cni/templates/): the istio-cni-node DaemonSet,
 * whose install-cni container puts the istio-cni plugin and its chained network configuration on
 * every node and then sets up the traffic redirect of each injected pod as the pod's sandbox is
 * created; its ServiceAccount, its ConfigMap (istio-cni-config: the agent's settings as
 * environment, from which install-cni writes the CNI network configuration) and its ClusterRoles.
 * Sidecar mode with Istio's repair controller in its default mode (repairPods: fix the pod's
 * network when the plugin missed it), no ambient. The node agent is one per cluster, so its names
 * are Istio's fixed names whatever the revision.
 */
final class Cni implements ComponentRenderer {
  static final String NAME = "istio-cni";
  static final String DAEMONSET = "istio-cni-node";
  static final String CONFIG_MAP = "istio-cni-config";
  static final String REPAIR_ROLE = "istio-cni-repair-role";
  static final String REPAIR_BINDING = "istio-cni-repair-rolebinding";
  static final String CONTAINER = "install-cni";
  /** The init container name the repair controller looks for; the injector writes it. */
  static final String VALIDATION_CONTAINER = "istio-validation";
  private static final int METRICS_PORT = 15014;
  private static final int READINESS_PORT = 8000;

  @Override
  public List<HasMetadata> render(EffectiveConfig config) {
    CniConfig cni = config.cni();
    // One istio-cni per cluster, the active revision's: an older revision still draining under
    // RevisionBased renders its istiod and injector only.
    if (!cni.enabled() || !config.role().active()) {
      return List.of();
    }
    Map<String, String> labels = Labels.with(Labels.revisioned(config, Labels.COMPONENT_CNI),
        Map.of("app", NAME, "app.kubernetes.io/name", NAME));
    Map<String, String> dsLabels = Labels.with(labels, Map.of("k8s-app", DAEMONSET));
    List<HasMetadata> objects = new ArrayList<>();
    objects.add(new ServiceAccountBuilder().withMetadata(namespaced(cni, NAME, labels)).build());
    objects.addAll(clusterRole(cni, NAME, NAME, labels,
        List.of(rule("", List.of("pods", "nodes", "namespaces"), READ))));
    // repairPods needs no more than reading pods (it repairs from the node); events report it.
    objects.addAll(clusterRole(cni, REPAIR_ROLE, REPAIR_BINDING, labels, List.of(
        rule("", List.of("events"), List.of("create", "patch")),
        rule("", List.of("pods"), READ))));
    objects.add(new ConfigMapBuilder().withMetadata(namespaced(cni, CONFIG_MAP, labels)).withData(settings(cni)).build());
    objects.add(daemonSet(cni, dsLabels));
    return objects;
  }

  /** install-cni's settings (read with envFrom), the values of Istio's chart in sidecar mode. */
  static Map<String, String> settings(CniConfig cni) {
    Map<String, String> data = new TreeMap<>();
    data.put("CURRENT_AGENT_VERSION", cni.agentVersion());
    data.put("AMBIENT_ENABLED", "false");
    // Istio's default selectors, unused while ambient is off but parsed at start-up.
    data.put("AMBIENT_ENABLEMENT_SELECTOR", "- podSelector:\n    matchLabels:\n      istio.io/dataplane-mode: ambient\n"
        + "- namespaceSelector:\n    matchLabels:\n      istio.io/dataplane-mode: ambient\n"
        + "  podSelector:\n    matchExpressions:\n    - key: istio.io/dataplane-mode\n      operator: NotIn\n      values:\n      - none\n");
    data.put("AMBIENT_DNS_CAPTURE", "true");
    data.put("AMBIENT_IPV6", "true");
    data.put("AMBIENT_RECONCILE_POD_RULES_ON_STARTUP", "true");
    data.put("ENABLE_AMBIENT_DETECTION_RETRY", "false");
    data.put("ISTIO_OWNED_CNI_CONFIG", "false");
    data.put("CHAINED_CNI_PLUGIN", "true");
    data.put("EXCLUDE_NAMESPACES", String.join(",", cni.excludeNamespaces()));
    data.put("REPAIR_ENABLED", "true");
    data.put("REPAIR_LABEL_PODS", "false");
    data.put("REPAIR_DELETE_PODS", "false");
    data.put("REPAIR_REPAIR_PODS", "true");
    data.put("REPAIR_INIT_CONTAINER_NAME", VALIDATION_CONTAINER);
    data.put("REPAIR_BROKEN_POD_LABEL_KEY", "cni.istio.io/uninitialized");
    data.put("REPAIR_BROKEN_POD_LABEL_VALUE", "true");
    data.put("NATIVE_NFTABLES", "false");
    return data;
  }

  private static HasMetadata daemonSet(CniConfig cni, Map<String, String> labels) {
    Map<String, String> podLabels = new TreeMap<>();
    podLabels.put("k8s-app", DAEMONSET);
    podLabels.put("app.kubernetes.io/name", NAME);
    podLabels.put(Labels.SIDECAR_INJECT, "false");
    podLabels.put("istio.io/dataplane-mode", "none");
    Map<String, String> podAnnotations = new TreeMap<>();
    podAnnotations.put(Labels.SIDECAR_INJECT, "false");
    podAnnotations.put("prometheus.io/scrape", "true");
    podAnnotations.put("prometheus.io/port", String.valueOf(METRICS_PORT));
    podAnnotations.put("prometheus.io/path", "/metrics");
    return new DaemonSetBuilder()
        .withMetadata(namespaced(cni, DAEMONSET, labels))
        .withNewSpec()
          .withNewSelector().addToMatchLabels("k8s-app", DAEMONSET).endSelector()
          .withNewUpdateStrategy().withType("RollingUpdate")
            .withNewRollingUpdate().withMaxUnavailable(new IntOrString(1)).endRollingUpdate()
          .endUpdateStrategy()
          .withNewTemplate()
            .withNewMetadata().withLabels(podLabels).withAnnotations(podAnnotations).endMetadata()
            .withNewSpec()
              .withNodeSelector(Map.of("kubernetes.io/os", "linux"))
              .withTolerations(tolerations())
              .withPriorityClassName("system-node-critical")
              .withServiceAccountName(NAME)
              .withTerminationGracePeriodSeconds(30L)
              .withContainers(container(cni))
              .withVolumes(volumes(cni))
            .endSpec()
          .endTemplate()
        .endSpec()
        .build();
  }

  /** Every node, tainted or not: a node without the agent starts injected pods without redirect. */
  private static List<Toleration> tolerations() {
    return List.of(
        new TolerationBuilder().withEffect("NoSchedule").withOperator("Exists").build(),
        new TolerationBuilder().withKey("CriticalAddonsOnly").withOperator("Exists").build(),
        new TolerationBuilder().withEffect("NoExecute").withOperator("Exists").build());
  }

  private static Container container(CniConfig cni) {
    return new ContainerBuilder()
        .withName(CONTAINER)
        .withImage(cni.image())
        .withCommand("install-cni")
        .withArgs("--log_output_level=info")
        .addNewPort().withName("metrics").withContainerPort(METRICS_PORT).withProtocol("TCP").endPort()
        .withNewReadinessProbe().withNewHttpGet().withPath("/readyz").withPort(new IntOrString(READINESS_PORT)).endHttpGet().endReadinessProbe()
        // Root without privileged: only the capabilities the agent uses. NET_ADMIN/NET_RAW for
        // iptables in pod network namespaces, SYS_ADMIN/SYS_PTRACE to enter them through /proc
        // (repair), DAC_OVERRIDE to write the host's CNI directories whoever owns them.
        .withNewSecurityContext()
          .withNewAppArmorProfile().withType("Unconfined").endAppArmorProfile()
          .withPrivileged(false)
          .withRunAsGroup(0L)
          .withRunAsUser(0L)
          .withRunAsNonRoot(false)
          .withNewCapabilities()
            .addToDrop("ALL")
            .addToAdd("NET_ADMIN", "NET_RAW", "SYS_PTRACE", "SYS_ADMIN", "DAC_OVERRIDE")
          .endCapabilities()
        .endSecurityContext()
        .addNewEnvFrom().withNewConfigMapRef().withName(CONFIG_MAP).endConfigMapRef().endEnvFrom()
        .withEnv(
            Env.field("REPAIR_NODE_NAME", "spec.nodeName"),
            Env.value("REPAIR_RUN_AS_DAEMON", "true"),
            Env.value("REPAIR_SIDECAR_ANNOTATION", "sidecar.istio.io/status"),
            Env.value("ALLOW_SWITCH_TO_HOST_NS", "true"),
            Env.field("NODE_NAME", "spec.nodeName"),
            Env.resource("GOMEMLIMIT", "limits.memory"),
            Env.resource("GOMAXPROCS", "limits.cpu"),
            Env.field("POD_NAME", "metadata.name"),
            Env.field("POD_NAMESPACE", "metadata.namespace"))
        .addNewVolumeMount().withName("cni-bin-dir").withMountPath("/host/opt/cni/bin").endVolumeMount()
        .addNewVolumeMount().withName("cni-host-procfs").withMountPath("/host/proc").withReadOnly(true).endVolumeMount()
        .addNewVolumeMount().withName("cni-net-dir").withMountPath("/host/etc/cni/net.d").endVolumeMount()
        .addNewVolumeMount().withName("cni-socket-dir").withMountPath("/var/run/istio-cni").endVolumeMount()
        .withResources(cni.resources())
        .build();
  }

  private static List<Volume> volumes(CniConfig cni) {
    return List.of(
        hostPath("cni-bin-dir", cni.binDir(), null),
        hostPath("cni-host-procfs", "/proc", "Directory"),
        hostPath("cni-net-dir", cni.confDir(), null),
        hostPath("cni-socket-dir", "/var/run/istio-cni", null),
        // Istio declares it in sidecar mode too; DirectoryOrCreate so the agent never waits for it.
        hostPath("cni-netns-dir", "/var/run/netns", "DirectoryOrCreate"));
  }

  private static Volume hostPath(String name, String path, String type) {
    return new VolumeBuilder().withName(name).withNewHostPath().withPath(path).withType(type).endHostPath().build();
  }

  private static List<HasMetadata> clusterRole(CniConfig cni, String role, String binding, Map<String, String> labels, List<PolicyRule> rules) {
    return List.of(
        new ClusterRoleBuilder().withMetadata(Meta.cluster(role, labels)).withRules(rules).build(),
        new ClusterRoleBindingBuilder()
            .withMetadata(Meta.cluster(binding, labels))
            .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole").withName(role).endRoleRef()
            .addNewSubject().withKind("ServiceAccount").withName(NAME).withNamespace(cni.namespace()).endSubject()
            .build());
  }

  private static ObjectMeta namespaced(CniConfig cni, String name, Map<String, String> labels) {
    return new ObjectMetaBuilder().withName(name).withNamespace(cni.namespace()).withLabels(labels).build();
  }
}
