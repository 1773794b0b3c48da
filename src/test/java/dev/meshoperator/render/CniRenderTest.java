package dev.meshoperator.render;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshoperator.MeshInstalls;
import dev.meshoperator.api.CniSpec;
import dev.meshoperator.api.Components;
import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.Profile;
import dev.meshoperator.profile.Profiles;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Istio CNI's objects as Istio 1.30.3's istio-cni chart has them (sidecar mode, repair on). */
class CniRenderTest {

  private static List<HasMetadata> render(MeshInstall install) {
    return new Renderer().render(Profiles.resolve(install));
  }

  private static MeshInstall withCni(Profile profile, CniSpec cni) {
    MeshInstall install = MeshInstalls.example(profile);
    Components components = new Components();
    components.setCni(cni);
    install.getSpec().setComponents(components);
    return install;
  }

  private static CniSpec on() {
    CniSpec cni = new CniSpec();
    cni.setEnabled(true);
    return cni;
  }

  private static <T extends HasMetadata> T find(List<HasMetadata> objects, Class<T> type, String name) {
    return objects.stream().filter(type::isInstance).map(type::cast)
        .filter(o -> o.getMetadata().getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError(type.getSimpleName() + " " + name + " not rendered"));
  }

  private static List<HasMetadata> cniObjects(List<HasMetadata> objects) {
    return objects.stream().filter(o -> Labels.COMPONENT_CNI.equals(o.getMetadata().getLabels().get(Labels.COMPONENT))).toList();
  }

  @ParameterizedTest
  @EnumSource(Profile.class)
  void nothingOfCniWhenOff(Profile profile) {
    List<HasMetadata> objects = render(MeshInstalls.example(profile));
    assertThat(cniObjects(objects)).isEmpty();
    assertThat(objects).noneMatch(DaemonSet.class::isInstance);
  }

  @Test
  void theChartsObjectsWithIstiosNamesLabelledAsOurs() {
    List<HasMetadata> cni = cniObjects(render(withCni(Profile.DEFAULT, on())));

    assertThat(cni).extracting(o -> o.getKind() + " " + o.getMetadata().getName()).containsExactly(
        "ServiceAccount istio-cni",
        "ClusterRole istio-cni",
        "ClusterRole istio-cni-repair-role",
        "ClusterRoleBinding istio-cni",
        "ClusterRoleBinding istio-cni-repair-rolebinding",
        "ConfigMap istio-cni-config",
        "DaemonSet istio-cni-node");
    assertThat(cni).allSatisfy(o -> assertThat(o.getMetadata().getLabels())
        .containsEntry(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE)
        .containsEntry(Labels.INSTALL, "default")
        .containsEntry(Labels.ISTIO_REV, "default"));
    assertThat(cni).filteredOn(o -> !(o instanceof ClusterRole || o instanceof ClusterRoleBinding))
        .allSatisfy(o -> assertThat(o.getMetadata().getNamespace()).isEqualTo("istio-system"));
  }

  @Test
  void aRevisionKeepsTheSingletonNamesAndAnotherNamespaceMovesTheNamespacedOnes() {
    MeshInstall install = withCni(Profile.MINIMAL, on());
    install.getSpec().setRevision("canary");
    install.getSpec().getComponents().getCni().setNamespace("kube-system");
    List<HasMetadata> objects = render(install);

    DaemonSet ds = find(objects, DaemonSet.class, "istio-cni-node");
    assertThat(ds.getMetadata().getNamespace()).isEqualTo("kube-system");
    assertThat(find(objects, ServiceAccount.class, "istio-cni").getMetadata().getNamespace()).isEqualTo("kube-system");
    assertThat(find(objects, ConfigMap.class, "istio-cni-config").getMetadata().getNamespace()).isEqualTo("kube-system");
    for (String binding : List.of("istio-cni", "istio-cni-repair-rolebinding")) {
      assertThat(find(objects, ClusterRoleBinding.class, binding).getSubjects()).singleElement().satisfies(s -> {
        assertThat(s.getName()).isEqualTo("istio-cni");
        assertThat(s.getNamespace()).isEqualTo("kube-system");
      });
    }
    // istiod itself stays in the control plane namespace.
    assertThat(objects).filteredOn(o -> o.getMetadata().getName().equals("istiod-canary"))
        .allSatisfy(o -> assertThat(o.getMetadata().getNamespace()).isEqualTo("istio-system"));
  }

  @Test
  void clusterRolesAreTheChartsSidecarModeRules() {
    List<HasMetadata> objects = render(withCni(Profile.DEFAULT, on()));
    assertThat(rules(find(objects, ClusterRole.class, "istio-cni")))
        .isEqualTo(Map.of("/pods", "get,list,watch", "/nodes", "get,list,watch", "/namespaces", "get,list,watch"));
    // repairPods (the default repair mode) needs neither pods/status nor delete.
    assertThat(rules(find(objects, ClusterRole.class, "istio-cni-repair-role")))
        .isEqualTo(Map.of("/events", "create,patch", "/pods", "get,list,watch"));
    assertThat(find(objects, ClusterRoleBinding.class, "istio-cni-repair-rolebinding").getRoleRef().getName())
        .isEqualTo("istio-cni-repair-role");
  }

  private static Map<String, String> rules(ClusterRole role) {
    return role.getRules().stream().flatMap(r -> r.getResources().stream()
            .flatMap(res -> r.getApiGroups().stream().map(g -> Map.entry(g + "/" + res, String.join(",", r.getVerbs())))))
        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
  }

  @Test
  void daemonSetRunsInstallCniOnEveryNodeWithOnlyTheCapabilitiesItUses() {
    CniSpec spec = on();
    spec.setCniBinDir("/home/kubernetes/bin");
    DaemonSet ds = find(render(withCni(Profile.DEFAULT, spec)), DaemonSet.class, "istio-cni-node");
    var pod = ds.getSpec().getTemplate().getSpec();
    Container c = pod.getContainers().get(0);

    assertThat(ds.getSpec().getSelector().getMatchLabels()).isEqualTo(Map.of("k8s-app", "istio-cni-node"));
    assertThat(ds.getSpec().getTemplate().getMetadata().getLabels())
        .containsEntry("k8s-app", "istio-cni-node")
        .containsEntry("sidecar.istio.io/inject", "false")
        .doesNotContainKeys(Labels.MANAGED_BY, Labels.INSTALL, Labels.ISTIO_REV);
    assertThat(pod.getServiceAccountName()).isEqualTo("istio-cni");
    assertThat(pod.getPriorityClassName()).isEqualTo("system-node-critical");
    assertThat(pod.getTolerations()).anySatisfy(t -> {
      assertThat(t.getOperator()).isEqualTo("Exists");
      assertThat(t.getEffect()).isEqualTo("NoSchedule");
      assertThat(t.getKey()).isNull();
    });
    assertThat(c.getName()).isEqualTo("install-cni");
    assertThat(c.getImage()).isEqualTo("docker.io/istio/install-cni:" + dev.meshoperator.profile.IstioVersions.defaultVersion());
    assertThat(c.getCommand()).containsExactly("install-cni");
    assertThat(c.getEnvFrom()).singleElement().satisfies(e -> assertThat(e.getConfigMapRef().getName()).isEqualTo("istio-cni-config"));
    assertThat(c.getEnv()).extracting(e -> e.getName()).contains("REPAIR_NODE_NAME", "NODE_NAME", "POD_NAME", "POD_NAMESPACE");

    var sc = c.getSecurityContext();
    assertThat(sc.getPrivileged()).isFalse();
    assertThat(sc.getRunAsUser()).isZero();
    assertThat(sc.getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(sc.getCapabilities().getAdd()).containsExactlyInAnyOrder("NET_ADMIN", "NET_RAW", "SYS_PTRACE", "SYS_ADMIN", "DAC_OVERRIDE");

    Map<String, String> mounts = c.getVolumeMounts().stream().collect(Collectors.toMap(m -> m.getMountPath(), m -> m.getName()));
    assertThat(mounts).isEqualTo(Map.of("/host/opt/cni/bin", "cni-bin-dir", "/host/proc", "cni-host-procfs",
        "/host/etc/cni/net.d", "cni-net-dir", "/var/run/istio-cni", "cni-socket-dir"));
    Map<String, String> hostPaths = pod.getVolumes().stream().collect(Collectors.toMap(Volume::getName, v -> v.getHostPath().getPath()));
    assertThat(hostPaths).containsEntry("cni-bin-dir", "/home/kubernetes/bin")
        .containsEntry("cni-net-dir", "/etc/cni/net.d")
        .containsEntry("cni-host-procfs", "/proc")
        .containsEntry("cni-socket-dir", "/var/run/istio-cni");
  }

  @Test
  void configMapCarriesTheAgentSettingsForSidecarModeWithRepair() {
    CniSpec spec = on();
    spec.setExcludeNamespaces(List.of("kube-system", "istio-system"));
    ConfigMap cm = find(render(withCni(Profile.DEFAULT, spec)), ConfigMap.class, "istio-cni-config");
    assertThat(cm.getData())
        .containsEntry("CURRENT_AGENT_VERSION", dev.meshoperator.profile.IstioVersions.defaultVersion())
        .containsEntry("AMBIENT_ENABLED", "false")
        .containsEntry("CHAINED_CNI_PLUGIN", "true")
        .containsEntry("EXCLUDE_NAMESPACES", "kube-system,istio-system")
        .containsEntry("REPAIR_ENABLED", "true")
        .containsEntry("REPAIR_REPAIR_PODS", "true")
        .containsEntry("REPAIR_DELETE_PODS", "false")
        .containsEntry("REPAIR_INIT_CONTAINER_NAME", "istio-validation");
  }

  @Test
  void daemonSetComesAfterWhatItUses() {
    List<HasMetadata> objects = render(withCni(Profile.DEFAULT, on()));
    int ds = objects.indexOf(find(objects, DaemonSet.class, "istio-cni-node"));
    int cm = objects.indexOf(find(objects, ConfigMap.class, "istio-cni-config"));
    int sa = objects.indexOf(find(objects, ServiceAccount.class, "istio-cni"));
    assertThat(ds).isGreaterThan(cm).isGreaterThan(sa);
  }
}
