package dev.meshoperator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.inject.InjectionSettings;
import dev.meshoperator.inject.SidecarInjector;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** check-inject's cluster answers from objects as the cluster would return them; no cluster. */
class ClusterInjectionCheckTest {
  private static final KubernetesSerialization KUBE = new KubernetesSerialization();
  private static final String EARLY = "2025-01-01T00:00:00Z";
  private static final String LATE = "2025-06-01T00:00:00Z";

  private static MeshInstall install(String name, String spec, String created) {
    MeshInstall mi = KUBE.unmarshal("""
        apiVersion: meshoperator.dev/v1alpha1
        kind: MeshInstall
        metadata: {name: %s}
        spec: %s
        """.formatted(name, spec), MeshInstall.class);
    mi.getMetadata().setCreationTimestamp(created);
    return mi;
  }

  private static Pod pod(String name, Map<String, String> labels, String created) {
    return new PodBuilder().withNewMetadata().withName(name).withNamespace("shop").withLabels(labels)
        .withCreationTimestamp(created).endMetadata()
        .withNewSpec().addNewContainer().withName("app").withImage("app:1").endContainer().endSpec().build();
  }

  private static Pod injected(Pod p, String revision) {
    return SidecarInjector.inject(p, InjectionSettings.defaults().toBuilder().revision(revision).build()).pod();
  }

  private static CheckInjectCommand.Verdict check(Map<String, String> nsLabels, List<MeshInstall> installs, HasMetadata o) {
    return new ClusterInjectionCheck("shop", nsLabels, new RevisionInjectors(installs, true, true)).check(o);
  }

  private static final List<MeshInstall> DEFAULT_MESH = List.of(install("mesh", "{profile: minimal}", EARLY));

  @Test
  void injectedPodInALabelledNamespaceAgrees() {
    var v = check(Map.of("istio-injection", "enabled"), DEFAULT_MESH, injected(pod("web", Map.of(), LATE), "default"));

    assertThat(v.inject()).isEqualTo("yes");
    assertThat(v.rule()).isEqualTo("NAMESPACE_ENABLED");
    assertThat(v.sidecar()).isEqualTo("yes (default)");
    assertThat(v.advice()).isNull();
  }

  @Test
  void podStartedBeforeTheLabelHasNoSidecarAndShouldBeRestarted() {
    Pod p = new PodBuilder(pod("web", Map.of(), LATE)).editMetadata()
        .addNewOwnerReference().withKind("ReplicaSet").withName("web-1").withController(true).endOwnerReference()
        .endMetadata().build();

    var v = check(Map.of("istio-injection", "enabled"), DEFAULT_MESH, p);

    assertThat(v.inject()).isEqualTo("yes");
    assertThat(v.sidecar()).isEqualTo("no");
    assertThat(v.advice()).startsWith("the pod has no sidecar: it was labelled after the pod started")
        .endsWith("restart it (delete the pod and its controller makes a new one)");
  }

  @Test
  void podStartedBeforeItsMeshInstallSaysSo() {
    var v = check(Map.of("istio-injection", "enabled"), List.of(install("mesh", "{profile: minimal}", LATE)),
        pod("web", Map.of(), EARLY));

    assertThat(v.advice()).isEqualTo("the pod has no sidecar: it started before MeshInstall mesh existed; recreate it");
  }

  @Test
  void namespaceAskingForARevisionNoMeshInstallHasIsExplained() {
    var v = check(Map.of("istio.io/rev", "canary"), DEFAULT_MESH, pod("web", Map.of(), LATE));

    assertThat(v.inject()).isEqualTo("no");
    assertThat(v.rule()).isEqualTo(ClusterInjectionCheck.NO_MESHINSTALL);
    assertThat(v.revision()).isEqualTo("canary");
    assertThat(v.reason()).isEqualTo("namespace label istio.io/rev=canary selects revision canary, "
        + "but no MeshInstall has revision canary (MeshInstalls: mesh has default)");
    assertThat(v.advice()).isNull();
  }

  @Test
  void withoutTheCrdTheOperatorIsNotInstalled() {
    var v = new ClusterInjectionCheck("shop", Map.of("istio-injection", "enabled"),
        new RevisionInjectors(List.of(), true, false)).check(pod("web", Map.of(), LATE));

    assertThat(v.rule()).isEqualTo("NO_MESHINSTALL");
    assertThat(v.reason()).endsWith("no MeshInstall has revision default "
        + "(the cluster has no MeshInstall resource: the operator is not installed)");
  }

  @Test
  void theRevisionsOwnMeshInstallDecides() {
    List<MeshInstall> installs = List.of(DEFAULT_MESH.get(0),
        install("mesh-canary", "{profile: minimal, revision: canary, namespace: canary-system}", EARLY));

    var v = check(Map.of("istio.io/rev", "canary"), installs, injected(pod("web", Map.of(), LATE), "canary"));

    assertThat(v.inject()).isEqualTo("yes");
    assertThat(v.revision()).isEqualTo("canary");
    assertThat(v.sidecar()).isEqualTo("yes (canary)");
    assertThat(v.advice()).isNull();
  }

  @Test
  void sidecarOfAnotherRevisionNeedsARestartToMove() {
    List<MeshInstall> installs = List.of(install("mesh-canary", "{profile: minimal, revision: canary}", EARLY));

    var v = check(Map.of("istio.io/rev", "canary"), installs, injected(pod("web", Map.of(), LATE), "default"));

    assertThat(v.advice()).isEqualTo("the pod runs revision default's sidecar; recreate it to move it to revision canary");
  }

  @Test
  void optedOutPodWithASidecarStillHasIt() {
    Pod p = injected(pod("web", Map.of(), LATE), "default");
    p.getMetadata().getLabels().put("sidecar.istio.io/inject", "false");

    var v = check(Map.of("istio-injection", "enabled"), DEFAULT_MESH, p);

    assertThat(v.inject()).isEqualTo("no");
    assertThat(v.rule()).isEqualTo("POD_LABEL_FALSE");
    assertThat(v.advice()).startsWith("the pod still has the sidecar it was given when it started");
  }

  @Test
  void hostNetworkSkipsEvenWithoutAMeshInstall() {
    Pod p = new PodBuilder(pod("node-agent", Map.of(), LATE)).editSpec().withHostNetwork(true).endSpec().build();

    var v = check(Map.of("istio.io/rev", "canary"), List.of(), p);

    assertThat(v.rule()).isEqualTo("HOST_NETWORK");
  }

  @Test
  void invalidOrDisabledOrDeletingMeshInstallsAreNamed() {
    MeshInstall off = install("off", "{profile: minimal, revision: off, sidecarInjector: {enabled: false}}", EARLY);
    MeshInstall bad = install("bad", "{profile: remote, revision: bad}", EARLY);
    MeshInstall gone = install("gone", "{profile: minimal, revision: gone}", EARLY);
    gone.getMetadata().setDeletionTimestamp(LATE);
    RevisionInjectors injectors = new RevisionInjectors(List.of(off, bad, gone), true, true);

    assertThat(injectors.whyNone("off")).isEqualTo("MeshInstall off of revision off has its sidecar injector turned off");
    assertThat(injectors.whyNone("bad")).startsWith("MeshInstall bad of revision bad is invalid (spec.remote.address")
        .endsWith("with its last valid settings (ConfigMap mesh-operator-last-valid-spec in its namespace) and a warning, or fails the call when it has none");
    assertThat(injectors.whyNone("gone")).isEqualTo("MeshInstall gone of revision gone is being deleted");
  }

  @Test
  void workloadTemplateIsDecidedWithoutASidecarColumn() {
    var deployment = new DeploymentBuilder().withNewMetadata().withName("web").withNamespace("shop").endMetadata()
        .withNewSpec().withNewTemplate().withNewMetadata().addToLabels("sidecar.istio.io/inject", "true").endMetadata()
        .withNewSpec().addNewContainer().withName("app").withImage("app:1").endContainer().endSpec()
        .endTemplate().endSpec().build();

    var v = check(Map.of(), DEFAULT_MESH, deployment);

    assertThat(v.kind()).isEqualTo("Deployment");
    assertThat(v.inject()).isEqualTo("yes");
    assertThat(v.rule()).isEqualTo("POD_LABEL_TRUE");
    assertThat(v.sidecar()).isNull();
  }

  @Test
  void invalidAnnotationOnAnExistingPodIsRefused() {
    Pod p = pod("greedy", Map.of(), LATE);
    p.getMetadata().setAnnotations(Map.of("sidecar.istio.io/proxyCPU", "lots"));

    var v = check(Map.of("istio-injection", "enabled"), DEFAULT_MESH, p);

    assertThat(v.inject()).isEqualTo("refused");
    assertThat(v.reason()).contains("sidecar.istio.io/proxyCPU").contains("lots");
    assertThat(v.advice()).isNull();
  }

  @Test
  void sidecarPresenceReadsTheStatusAnnotationElseTheContainer() {
    assertThat(SidecarPresence.of(injected(pod("a", Map.of(), LATE), "blue"))).isEqualTo(new SidecarPresence(true, "blue"));
    Pod handMade = new PodBuilder(pod("b", Map.of(), LATE)).editSpec()
        .addNewContainer().withName("istio-proxy").withImage("proxyv2").endContainer().endSpec().build();
    assertThat(SidecarPresence.of(handMade).describe()).isEqualTo("yes");
    assertThat(SidecarPresence.of(pod("c", Map.of(), LATE)).describe()).isEqualTo("no");
  }
}
