package dev.meshoperator.reconcile;

import static dev.meshoperator.reconcile.MeshInstallTestSupport.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.meshoperator.api.Components;
import dev.meshoperator.api.GatewaySpec;
import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.PilotSpec;
import dev.meshoperator.api.Profile;
import dev.meshoperator.api.ServiceSpec;
import dev.meshoperator.testenv.KubeTest;
import dev.meshoperator.testenv.LocalTestCluster;
import dev.meshoperator.testenv.TestCluster;
import dev.meshoperator.testenv.TestNamespace;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * What the user takes out of the spec is taken out of the cluster, on the next reconcile and with
 * no other change: server-side apply drops the fields our manager owned and no longer sends, so
 * the no-op check must not skip that apply. What others own stays.
 */
@KubeTest
class MeshInstallFieldRemovalIT {
  private static final String EXTRA_PORT = "tcp-extra";

  @Test
  void fieldsRemovedFromTheSpecLeaveTheLiveObjectsWhileOthersFieldsStay(TestCluster cluster,
      KubernetesClient client, TestNamespace ns) throws Exception {
    MeshInstall install = MeshInstallTestSupport.install(ns, "", Profile.DEFAULT);
    String name = install.getMetadata().getName();
    String cp = install.getSpec().getNamespace();
    String rev = install.getSpec().getRevision();
    String istiod = "istiod-" + rev;
    String gateway = "istio-ingressgateway-" + rev;
    try (OperatorHarness operator = OperatorHarness.start(client)) {
      try {
        client.resources(MeshInstall.class).resource(install).create();
        MeshInstallTestSupport.awaitReady(client, name);
        var deployment = client.apps().deployments().inNamespace(cp).withName(istiod);
        var pilotService = client.services().inNamespace(cp).withName(istiod);
        var gatewayService = client.services().inNamespace(cp).withName(gateway);
        var gatewayDeployment = client.apps().deployments().inNamespace(cp).withName(gateway);
        assertThat(gatewayService.get()).as("the default profile has an ingress gateway").isNotNull();

        // Others' fields: a hand-added label (kubectl's manager) and the replicas an HPA sets.
        assertThat(client.autoscaling().v2().horizontalPodAutoscalers().inNamespace(cp).withName(istiod).get()).isNotNull();
        deployment.patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"labels\":{\"example.com/hand\":\"kept\"}}}");
        deployment.scale(2);

        // Add: pod annotation, nodeSelector, toleration, a limit, an env var, a Service annotation, a gateway port.
        List<ServicePort> gatewayPorts = new ArrayList<>(gatewayService.get().getSpec().getPorts().stream()
            .map(p -> new ServicePortBuilder().withName(p.getName()).withPort(p.getPort()).withTargetPort(p.getTargetPort())
                .withProtocol(p.getProtocol()).build())
            .toList());
        gatewayPorts.add(new ServicePortBuilder().withName(EXTRA_PORT).withPort(31999).withProtocol("TCP").build());
        MeshInstallTestSupport.edit(client, name, mi -> {
          PilotSpec pilot = new PilotSpec();
          pilot.setPodAnnotations(Map.of("team", "mesh"));
          pilot.setNodeSelector(Map.of("disktype", "ssd"));
          pilot.setTolerations(List.of(new TolerationBuilder().withKey("dedicated").withOperator("Exists").withEffect("NoSchedule").build()));
          pilot.setResources(new ResourceRequirementsBuilder().addToLimits("ephemeral-storage", new Quantity("2Gi")).build());
          pilot.setEnv(List.of(new EnvVar("MESH_TEST_FLAG", "on", null)));
          ServiceSpec service = new ServiceSpec();
          service.setAnnotations(Map.of("example.com/lb", "internal"));
          pilot.setService(service);
          GatewaySpec ingress = new GatewaySpec();
          ingress.setName("istio-ingressgateway");
          ServiceSpec ingressService = new ServiceSpec();
          ingressService.setPorts(gatewayPorts);
          ingress.setService(ingressService);
          Components components = new Components();
          components.setPilot(pilot);
          components.setIngressGateways(List.of(ingress));
          mi.getSpec().setComponents(components);
        });
        await().atMost(TIMEOUT).untilAsserted(() -> {
          DeploymentSpec spec = deployment.get().getSpec();
          assertThat(spec.getTemplate().getMetadata().getAnnotations()).containsEntry("team", "mesh");
          assertThat(spec.getTemplate().getSpec().getNodeSelector()).containsEntry("disktype", "ssd");
          assertThat(spec.getTemplate().getSpec().getTolerations()).anyMatch(t -> "dedicated".equals(t.getKey()));
          assertThat(discovery(deployment.get()).getResources().getLimits()).containsKey("ephemeral-storage");
          assertThat(discovery(deployment.get()).getEnv()).anyMatch(e -> "MESH_TEST_FLAG".equals(e.getName()));
          assertThat(pilotService.get().getMetadata().getAnnotations()).containsEntry("example.com/lb", "internal");
          assertThat(portNames(gatewayService.get())).contains(EXTRA_PORT);
          assertThat(gatewayDeployment.get().getSpec().getTemplate().getSpec().getContainers().get(0).getPorts())
              .anyMatch(p -> p.getContainerPort() == 31999);
        });
        Thread.sleep(2000); // let the add settle, so the writes counted below are the removal's
        LocalTestCluster local = (LocalTestCluster) cluster;
        int writesBefore = AuditLog.writesBy(local.auditLog(), operator.userAgent()).size();

        // Remove them all, in one edit, with nothing else changed.
        MeshInstallTestSupport.edit(client, name, mi -> mi.getSpec().setComponents(null));
        await().atMost(TIMEOUT).untilAsserted(() -> {
          DeploymentSpec spec = deployment.get().getSpec();
          assertThat(Optional.ofNullable(spec.getTemplate().getMetadata().getAnnotations()).orElse(Map.of())).doesNotContainKey("team");
          assertThat(Optional.ofNullable(spec.getTemplate().getSpec().getNodeSelector()).orElse(Map.of())).doesNotContainKey("disktype");
          assertThat(spec.getTemplate().getSpec().getTolerations()).noneMatch(t -> "dedicated".equals(t.getKey()));
          assertThat(Optional.ofNullable(discovery(deployment.get()).getResources().getLimits()).orElse(Map.of()))
              .doesNotContainKey("ephemeral-storage");
          assertThat(discovery(deployment.get()).getEnv()).noneMatch(e -> "MESH_TEST_FLAG".equals(e.getName()));
          assertThat(Optional.ofNullable(pilotService.get().getMetadata().getAnnotations()).orElse(Map.of()))
              .doesNotContainKey("example.com/lb");
          assertThat(portNames(gatewayService.get())).doesNotContain(EXTRA_PORT);
          assertThat(gatewayDeployment.get().getSpec().getTemplate().getSpec().getContainers().get(0).getPorts())
              .noneMatch(p -> p.getContainerPort() == 31999);
        });
        MeshInstallTestSupport.awaitReady(client, name);

        // One apply per changed object did it (no retries, no second pass needed).
        List<String> removal = AuditLog.writesBy(local.auditLog(), operator.userAgent());
        removal = removal.subList(writesBefore, removal.size());
        System.out.printf("[reconcile-it] removal: %d operator writes: %s%n", removal.size(), removal);
        assertThat(removal.stream().filter(w -> w.contains("/deployments/" + istiod + "?"))).hasSize(1);
        assertThat(removal.stream().filter(w -> w.contains("/services/" + istiod + "?"))).hasSize(1);
        assertThat(removal.stream().filter(w -> w.contains("/services/" + gateway + "?"))).hasSize(1);

        // What others own stayed.
        assertThat(deployment.get().getMetadata().getLabels()).containsEntry("example.com/hand", "kept");
        assertThat(deployment.get().getSpec().getReplicas()).isEqualTo(2);
        assertThat(pilotService.get().getSpec().getClusterIP()).isNotBlank();
        assertThat(MeshInstallProfilesIT.steadyStateWrites(cluster, operator)).isZero();
      } finally {
        MeshInstallTestSupport.cleanup(client, name);
      }
    }
  }

  private static Container discovery(Deployment deployment) {
    return deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
  }

  private static List<String> portNames(Service service) {
    return service.getSpec().getPorts().stream().map(ServicePort::getName).toList();
  }
}
