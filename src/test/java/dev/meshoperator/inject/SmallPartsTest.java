package dev.meshoperator.inject;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** InjectionSettings, WorkloadIdentity and LabelSelectors. */
class SmallPartsTest {

  @Test
  void defaultsAreIstios() {
    InjectionSettings s = InjectionSettings.defaults();
    assertThat(s.revisionName()).isEqualTo("default");
    assertThat(s.caAddress()).isEqualTo("istiod.istio-system.svc:15012");
    assertThat(s.proxyImage()).isEqualTo("docker.io/istio/proxyv2:" + InjectionSettings.DEFAULT_VERSION);
    assertThat(s.proxyResources().getRequests()).containsEntry("cpu", new Quantity("100m"));
    assertThat(s.nativeSidecar()).isEqualTo(NativeSidecarMode.AUTO);
    assertThat(s.nativeSidecarsByDefault()).isFalse();
  }

  @ParameterizedTest
  @CsvSource({"'',istio-system,istiod.istio-system.svc:15012", "default,mesh,istiod.mesh.svc:15012",
      "canary,istio-system,istiod-canary.istio-system.svc:15012"})
  void caAddressFollowsRevisionAndNamespace(String rev, String ns, String expected) {
    assertThat(InjectionSettings.caAddressFor(rev, ns)).isEqualTo(expected);
    assertThat(InjectionSettings.defaults().toBuilder().revision(rev).controlPlaneNamespace(ns).build().caAddress())
        .isEqualTo(expected);
  }

  @Test
  void settingsCannotBeChangedThroughWhatTheyReturn() {
    InjectionSettings s = InjectionSettings.defaults();
    ResourceRequirements r = s.proxyResources();
    r.getRequests().put("cpu", new Quantity("9"));
    assertThat(s.proxyResources().getRequests()).containsEntry("cpu", new Quantity("100m"));
  }

  @ParameterizedTest
  @CsvSource({
      "ReplicaSet,reviews-v1-7d4b9c8f6d,7d4b9c8f6d,apps/v1,Deployment,reviews-v1",
      "ReplicaSet,standalone-rs,,apps/v1,ReplicaSet,standalone-rs",
      "Job,nightly-28934520,,batch/v1,CronJob,nightly",
      "Job,migrate-1,,batch/v1,Job,migrate-1",
      "StatefulSet,db,,apps/v1,StatefulSet,db"})
  void workloadFromController(String kind, String owner, String hash, String apiVersion, String expectedKind,
      String expectedName) {
    ObjectMetaBuilder b = new ObjectMetaBuilder().withGenerateName(owner + "-")
        .addNewOwnerReference().withApiVersion(kind.equals("Job") ? "batch/v1" : "apps/v1").withKind(kind)
        .withName(owner).withController(true).endOwnerReference();
    if (hash != null) {
      b.addToLabels("pod-template-hash", hash);
    }
    WorkloadIdentity w = WorkloadIdentity.of(b.build());
    assertThat(w).isEqualTo(new WorkloadIdentity(apiVersion, expectedKind, expectedName));
  }

  @Test
  void podWithoutControllerIsItsOwnWorkload() {
    ObjectMeta named = new ObjectMetaBuilder().withName("debug").build();
    ObjectMeta generated = new ObjectMetaBuilder().withGenerateName("debug-")
        .addNewOwnerReference().withKind("Thing").withName("t").withController(false).endOwnerReference().build();
    assertThat(WorkloadIdentity.of(named).ownerUri("ns")).isEqualTo("kubernetes://apis/v1/namespaces/ns/pods/debug");
    assertThat(WorkloadIdentity.of(generated).name()).isEqualTo("debug");
  }

  @Test
  void labelSelectorOperators() {
    Map<String, String> labels = Map.of("app", "db", "tier", "back");
    assertThat(LabelSelectors.matches(sel("app", "In", "db", "web"), labels)).isTrue();
    assertThat(LabelSelectors.matches(sel("app", "NotIn", "db"), labels)).isFalse();
    assertThat(LabelSelectors.matches(sel("zone", "NotIn", "a"), labels)).isTrue();
    assertThat(LabelSelectors.matches(sel("tier", "Exists"), labels)).isTrue();
    assertThat(LabelSelectors.matches(sel("tier", "DoesNotExist"), labels)).isFalse();
    assertThat(LabelSelectors.matches(sel("tier", "Gt", "1"), labels)).isFalse();
    assertThat(LabelSelectors.matches(new LabelSelectorBuilder().addToMatchLabels("app", "web").build(), labels))
        .isFalse();
    assertThat(LabelSelectors.matches(new LabelSelector(), labels)).isTrue();
    assertThat(LabelSelectors.describe(new LabelSelectorBuilder().addToMatchLabels("app", "db").build()))
        .isEqualTo("app=db");
    assertThat(LabelSelectors.describe(sel("tier", "DoesNotExist"))).isEqualTo("!tier");
  }

  private static LabelSelector sel(String key, String op, String... values) {
    return new LabelSelectorBuilder().addNewMatchExpression().withKey(key).withOperator(op).withValues(values)
        .endMatchExpression().build();
  }
}
