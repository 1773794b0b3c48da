package dev.meshoperator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.FieldsV1;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * FieldsV1 as the API server writes it for an apply of the object under test (shapes taken from
 * live objects of the test cluster), against desired objects with something removed.
 */
class OwnedFieldsTest {
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  // --- Deployment: what istiod's apply owns (abridged, same shapes) -----------------------------
  private static final String DEPLOYMENT_FIELDS = """
      {"f:metadata":{"f:labels":{".":{},"f:app":{}},"f:ownerReferences":{".":{},"k:{\\"uid\\":\\"u-1\\"}":{}}},
       "f:spec":{"f:selector":{},
        "f:template":{"f:metadata":{"f:annotations":{".":{},"f:team":{}},"f:labels":{".":{},"f:app":{}}},
         "f:spec":{"f:containers":{"k:{\\"name\\":\\"discovery\\"}":{".":{},"f:name":{},"f:image":{},
             "f:env":{".":{},"k:{\\"name\\":\\"PILOT_TRACE\\"}":{".":{},"f:name":{},"f:value":{}},
                      "k:{\\"name\\":\\"EMPTY\\"}":{".":{},"f:name":{},"f:value":{}}},
             "f:ports":{".":{},"k:{\\"containerPort\\":15010,\\"protocol\\":\\"TCP\\"}":{".":{},"f:containerPort":{},"f:protocol":{}}},
             "f:resources":{".":{},"f:limits":{".":{},"f:cpu":{}},"f:requests":{".":{},"f:cpu":{}}}}},
          "f:nodeSelector":{".":{},"f:disktype":{}},
          "f:tolerations":{}}}}}
      """;

  private static Deployment istiod(UnaryOperator<DeploymentBuilder> change) {
    DeploymentBuilder builder = new DeploymentBuilder()
        .withNewMetadata().withName("istiod").withNamespace("istio-system").addToLabels("app", "istiod")
          .addNewOwnerReference().withUid("u-1").withName("demo").withKind("MeshInstall").withApiVersion("meshoperator.dev/v1alpha1").endOwnerReference()
        .endMetadata()
        .withNewSpec()
          .withNewSelector().addToMatchLabels("app", "istiod").endSelector()
          .withNewTemplate()
            .withNewMetadata().addToLabels("app", "istiod").addToAnnotations("team", "mesh").endMetadata()
            .withNewSpec()
              .addToNodeSelector("disktype", "ssd")
              .addToTolerations(new TolerationBuilder().withKey("dedicated").withOperator("Exists").build())
              .addToContainers(new ContainerBuilder().withName("discovery").withImage("istio/pilot:1.30.3")
                  .addNewEnv().withName("PILOT_TRACE").withValue("1").endEnv()
                  .addNewEnv().withName("EMPTY").withValue("").endEnv()
                  // no protocol: the server defaults it into the key
                  .addNewPort().withContainerPort(15010).endPort()
                  .withNewResources().addToLimits("cpu", new Quantity("2000m")).addToRequests("cpu", new Quantity("500m")).endResources()
                  .build())
            .endSpec()
          .endTemplate()
        .endSpec();
    return change.apply(builder).build();
  }

  private static List<String> absent(String fieldsV1, HasMetadata desired) {
    return OwnedFields.fromFieldsV1(json(fieldsV1)).absentFrom(asMap(desired));
  }

  @Test
  void desiredThatStillSendsEverythingWeOwnRemovesNothing() {
    assertThat(absent(DEPLOYMENT_FIELDS, istiod(b -> b))).isEmpty();
  }

  @Test
  void aRemovedMapEntryIsAbsent() {
    var desired = istiod(b -> b.editSpec().editTemplate()
        .editMetadata().withAnnotations(Map.of()).endMetadata()
        .editSpec().withNodeSelector(Map.of()).endSpec().endTemplate().endSpec());
    assertThat(absent(DEPLOYMENT_FIELDS, desired)).containsExactlyInAnyOrder(
        "spec.template.metadata.annotations",
        "spec.template.spec.nodeSelector");

    var oneOfTwoGone = istiod(b -> b.editSpec().editTemplate().editSpec()
        .withNodeSelector(Map.of("zone", "a")).endSpec().endTemplate().endSpec());
    assertThat(absent(DEPLOYMENT_FIELDS, oneOfTwoGone)).containsExactly("spec.template.spec.nodeSelector.disktype");
  }

  @Test
  void aRemovedItemOfAListKeyedByNameIsAbsent() {
    var desired = istiod(b -> b.editSpec().editTemplate().editSpec().editFirstContainer()
        .removeMatchingFromEnv(e -> e.getName().equals("PILOT_TRACE")).endContainer().endSpec().endTemplate().endSpec());
    assertThat(absent(DEPLOYMENT_FIELDS, desired))
        .containsExactly("spec.template.spec.containers[{\"name\":\"discovery\"}].env[{\"name\":\"PILOT_TRACE\"}]");
  }

  @Test
  void aRemovedPortIsAbsentAndAPortWithoutProtocolMatchesTheDefaultedKey() {
    var renumbered = istiod(b -> b.editSpec().editTemplate().editSpec().editFirstContainer()
        .withPorts(List.of()).addNewPort().withContainerPort(15012).endPort().endContainer().endSpec().endTemplate().endSpec());
    assertThat(absent(DEPLOYMENT_FIELDS, renumbered))
        .containsExactly("spec.template.spec.containers[{\"name\":\"discovery\"}].ports[{\"containerPort\":15010,\"protocol\":\"TCP\"}]");
    var udp = istiod(b -> b.editSpec().editTemplate().editSpec().editFirstContainer()
        .withPorts(List.of()).addNewPort().withContainerPort(15010).withProtocol("UDP").endPort().endContainer().endSpec().endTemplate().endSpec());
    assertThat(absent(DEPLOYMENT_FIELDS, udp)).hasSize(1);
  }

  @Test
  void aRemovedScalarAndAWholeSubObjectAreAbsent() {
    var noCpuLimit = istiod(b -> b.editSpec().editTemplate().editSpec().editFirstContainer()
        .editResources().withLimits(Map.of("memory", new Quantity("1Gi"))).endResources().endContainer().endSpec().endTemplate().endSpec());
    assertThat(absent(DEPLOYMENT_FIELDS, noCpuLimit))
        .containsExactly("spec.template.spec.containers[{\"name\":\"discovery\"}].resources.limits.cpu");
    var noLimits = istiod(b -> b.editSpec().editTemplate().editSpec().editFirstContainer()
        .editResources().withLimits(Map.of()).endResources().endContainer().endSpec().endTemplate().endSpec());
    assertThat(absent(DEPLOYMENT_FIELDS, noLimits))
        .containsExactly("spec.template.spec.containers[{\"name\":\"discovery\"}].resources.limits");
  }

  @Test
  void anAtomicListOwnedAsAWholeIsAbsentWhenNoLongerSent() {
    var noTolerations = istiod(b -> b.editSpec().editTemplate().editSpec().withTolerations(List.of()).endSpec().endTemplate().endSpec());
    assertThat(absent(DEPLOYMENT_FIELDS, noTolerations)).containsExactly("spec.template.spec.tolerations");
  }

  @Test
  void anEmptyValueTheServerDropsIsStillSentSoNotAbsent() {
    // env EMPTY is sent with value "" (the server stores no value); we own f:value and send it
    assertThat(absent(DEPLOYMENT_FIELDS, istiod(b -> b))).noneMatch(p -> p.contains("EMPTY"));
  }

  @Test
  void onlyOurManagersApplyEntryCountsNotTheHpasNorOurOwnUpdates() {
    Deployment live = istiod(b -> b);
    live.getMetadata().setManagedFields(List.of(
        entry("kube-controller-manager", "Update", "{\"f:spec\":{\"f:replicas\":{}}}"),
        entry("mesh-operator", "Update", "{\"f:metadata\":{\"f:annotations\":{\"f:old\":{}}}}"),
        entry("kubectl-edit", "Update", "{\"f:metadata\":{\"f:labels\":{\"f:hand\":{}}}}"),
        entry("mesh-operator", "Apply", DEPLOYMENT_FIELDS)));
    OwnedFields ours = OwnedFields.of(live, "mesh-operator").orElseThrow();
    // desired never has replicas (the HPA's) nor the hand-added label: neither is ours
    assertThat(ours.absentFrom(asMap(istiod(b -> b)))).isEmpty();
    assertThat(OwnedFields.of(live, "someone-else")).isEmpty();
    assertThat(ours.owns("spec", "template", "spec", "nodeSelector", "disktype")).isTrue();
    assertThat(ours.owns("spec", "replicas")).as("the HPA's, not ours").isFalse();
    assertThat(OwnedFields.of(live, "kube-controller-manager")).isEmpty(); // an Update, not an apply
  }

  // --- Service -----------------------------------------------------------------------------------
  @Test
  void serviceAnnotationAndPortRemovedAreAbsentClusterIpIsNotOurs() {
    String fields = """
        {"f:metadata":{"f:annotations":{".":{},"f:example.com/lb":{}},"f:labels":{".":{},"f:app":{}}},
         "f:spec":{"f:ports":{".":{},"k:{\\"port\\":80,\\"protocol\\":\\"TCP\\"}":{".":{},"f:name":{},"f:port":{},"f:protocol":{},"f:targetPort":{}},
                              "k:{\\"port\\":31400,\\"protocol\\":\\"TCP\\"}":{".":{},"f:name":{},"f:port":{},"f:targetPort":{}}},
                   "f:selector":{},"f:type":{}}}
        """;
    UnaryOperator<ServiceBuilder> base = b -> b.withNewMetadata().withName("gw").addToLabels("app", "gw").endMetadata()
        .withNewSpec().withType("LoadBalancer").addToSelector("app", "gw")
        .addToPorts(new ServicePortBuilder().withName("http2").withPort(80).withProtocol("TCP").withTargetPort(new IntOrString(8080)).build())
        .endSpec();
    var all = base.apply(new ServiceBuilder()).editMetadata().addToAnnotations("example.com/lb", "internal").endMetadata()
        .editSpec().addToPorts(new ServicePortBuilder().withName("tcp").withPort(31400).withTargetPort(new IntOrString(31400)).build()).endSpec().build();
    assertThat(absent(fields, all)).as("clusterIP, not sent, is not ours").isEmpty();

    var without = base.apply(new ServiceBuilder()).build();
    assertThat(absent(fields, without)).containsExactlyInAnyOrder(
        "metadata.annotations",
        "spec.ports[{\"port\":31400,\"protocol\":\"TCP\"}]");
  }

  // --- HPA, PDB, ConfigMap ------------------------------------------------------------------------
  @Test
  void hpaPdbAndConfigMapFieldsRemovedAreAbsent() {
    String hpaFields = """
        {"f:spec":{"f:maxReplicas":{},"f:metrics":{},"f:minReplicas":{},"f:scaleTargetRef":{"f:apiVersion":{},"f:kind":{},"f:name":{}}}}
        """;
    var hpa = new HorizontalPodAutoscalerBuilder().withNewMetadata().withName("istiod").endMetadata()
        .withNewSpec().withMaxReplicas(5).withMinReplicas(1)
        .withNewScaleTargetRef().withApiVersion("apps/v1").withKind("Deployment").withName("istiod").endScaleTargetRef()
        .addNewMetric().withType("Resource").withNewResource().withName("cpu").withNewTarget().withType("Utilization").withAverageUtilization(80).endTarget().endResource().endMetric()
        .endSpec();
    assertThat(absent(hpaFields, hpa.build())).isEmpty();
    assertThat(absent(hpaFields, hpa.editSpec().withMinReplicas(null).withMetrics(List.of()).endSpec().build()))
        .containsExactlyInAnyOrder("spec.minReplicas", "spec.metrics");

    String pdbFields = "{\"f:spec\":{\"f:minAvailable\":{},\"f:selector\":{}}}";
    var pdb = new PodDisruptionBudgetBuilder().withNewMetadata().withName("istiod").endMetadata()
        .withNewSpec().withMinAvailable(new IntOrString(1)).withNewSelector().addToMatchLabels("app", "istiod").endSelector().endSpec();
    assertThat(absent(pdbFields, pdb.build())).isEmpty();
    assertThat(absent(pdbFields, pdb.editSpec().withMinAvailable(null).withMaxUnavailable(new IntOrString(1)).endSpec().build()))
        .containsExactly("spec.minAvailable");

    String cmFields = "{\"f:data\":{\".\":{},\"f:mesh\":{},\"f:meshNetworks\":{}}}";
    var cm = new ConfigMapBuilder().withNewMetadata().withName("istio").endMetadata().addToData("mesh", "x").addToData("meshNetworks", "y");
    assertThat(absent(cmFields, cm.build())).isEmpty();
    assertThat(absent(cmFields, cm.withData(Map.of("mesh", "x")).build())).containsExactly("data.meshNetworks");
  }

  // --- webhook configuration, roles ---------------------------------------------------------------
  @Test
  void webhookItemsAndTheirFieldsAndRoleRulesRemovedAreAbsent() {
    String webhookFields = """
        {"f:webhooks":{"k:{\\"name\\":\\"rev.sidecar-injector.meshoperator.dev\\"}":{".":{},"f:admissionReviewVersions":{},
           "f:clientConfig":{"f:caBundle":{},"f:url":{}},"f:failurePolicy":{},"f:name":{},"f:namespaceSelector":{},
           "f:reinvocationPolicy":{},"f:rules":{},"f:sideEffects":{}},
         "k:{\\"name\\":\\"ns.sidecar-injector.meshoperator.dev\\"}":{".":{},"f:name":{},"f:rules":{}}}}
        """;
    var webhook = new MutatingWebhookConfigurationBuilder().withNewMetadata().withName("inj").endMetadata()
        .addNewWebhook().withName("rev.sidecar-injector.meshoperator.dev").withAdmissionReviewVersions("v1")
          .withNewClientConfig().withUrl("https://127.0.0.1/inject").withCaBundle("Q0E=").endClientConfig()
          .withFailurePolicy("Fail").withNewNamespaceSelector().addToMatchLabels("istio.io/rev", "x").endNamespaceSelector()
          .withReinvocationPolicy("Never").withSideEffects("None")
          .addNewRule().withApiGroups("").withApiVersions("v1").withOperations("CREATE").withResources("pods").endRule()
        .endWebhook()
        .addNewWebhook().withName("ns.sidecar-injector.meshoperator.dev")
          .addNewRule().withApiGroups("").withApiVersions("v1").withOperations("CREATE").withResources("pods").endRule()
        .endWebhook();
    assertThat(absent(webhookFields, webhook.build())).isEmpty();
    var oneWebhookLess = webhook.withWebhooks(webhook.buildFirstWebhook()).build();
    oneWebhookLess.getWebhooks().get(0).setReinvocationPolicy(null);
    assertThat(absent(webhookFields, oneWebhookLess)).containsExactlyInAnyOrder(
        "webhooks[{\"name\":\"rev.sidecar-injector.meshoperator.dev\"}].reinvocationPolicy",
        "webhooks[{\"name\":\"ns.sidecar-injector.meshoperator.dev\"}]");

    String roleFields = "{\"f:metadata\":{\"f:labels\":{\"f:app\":{}}},\"f:rules\":{}}";
    var role = new ClusterRoleBuilder().withNewMetadata().withName("istiod").addToLabels("app", "istiod").endMetadata()
        .addToRules(new PolicyRuleBuilder().withApiGroups("").withResources("pods").withVerbs("get").build());
    assertThat(absent(roleFields, role.build())).isEmpty();
    assertThat(absent(roleFields, role.withRules(List.of()).build())).containsExactly("rules");

    String bindingFields = "{\"f:roleRef\":{},\"f:subjects\":{}}";
    var binding = new RoleBindingBuilder().withNewMetadata().withName("istiod").endMetadata()
        .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("Role").withName("istiod").endRoleRef()
        .addNewSubject().withKind("ServiceAccount").withName("istiod").withNamespace("istio-system").endSubject();
    assertThat(absent(bindingFields, binding.build())).isEmpty();
    assertThat(absent(bindingFields, binding.withSubjects(List.of()).build())).containsExactly("subjects");
  }

  // --- sets and indexes ----------------------------------------------------------------------------
  @Test
  void setItemsAndIndexedItemsAreMatchedByValueAndPosition() {
    String fields = "{\"f:metadata\":{\"f:finalizers\":{\".\":{},\"v:\\\"a/b\\\"\":{},\"v:\\\"c/d\\\"\":{}}},\"f:list\":{\"i:1\":{\"f:x\":{}}}}";
    Map<String, Object> both = Map.of("metadata", Map.of("finalizers", List.of("a/b", "c/d")),
        "list", List.of(Map.of(), Map.of("x", 1)));
    assertThat(OwnedFields.fromFieldsV1(json(fields)).absentFrom(both)).isEmpty();
    Map<String, Object> fewer = Map.of("metadata", Map.of("finalizers", List.of("a/b")), "list", List.of(Map.of()));
    assertThat(OwnedFields.fromFieldsV1(json(fields)).absentFrom(fewer))
        .containsExactlyInAnyOrder("metadata.finalizers[\"c/d\"]", "list[1]");
  }

  private static io.fabric8.kubernetes.api.model.ManagedFieldsEntry entry(String manager, String operation, String fields) {
    FieldsV1 v1 = new FieldsV1();
    json(fields).forEach(v1::setAdditionalProperty);
    return new ManagedFieldsEntryBuilder().withManager(manager).withOperation(operation).withFieldsType("FieldsV1")
        .withFieldsV1(v1).build();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> json(String text) {
    return SERIALIZATION.unmarshal(text, Map.class);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> asMap(HasMetadata object) {
    return SERIALIZATION.convertValue(object, Map.class);
  }
}
