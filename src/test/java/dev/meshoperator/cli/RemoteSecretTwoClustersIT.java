package dev.meshoperator.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.reconcile.OperatorHarness;
import dev.meshoperator.testenv.KubeTest;
import dev.meshoperator.testenv.KubeTestExtension;
import dev.meshoperator.testenv.LocalTestCluster;
import dev.meshoperator.testenv.TestCluster;
import dev.meshoperator.testenv.TestEnvLayout;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.authentication.SelfSubjectReview;
import io.fabric8.kubernetes.api.model.authentication.UserInfo;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two clusters: the run's shared cluster A (the primary) and a second local cluster B started here,
 * beside it, with its own work directory, ports and pid file. B gets the remote profile from the
 * operator running as its ServiceAccount; {@code meshctl create-remote-secret} against B prints the
 * Secret, kubectl applies it in A, and the kubeconfig A now holds is used as a primary istiod would:
 * it authenticates to B as B's reader account and may do what istiod does in a remote cluster, and
 * no more.
 */
@KubeTest
class RemoteSecretTwoClustersIT {
  private static final String CONTROL_PLANE = "istio-system";
  private static final String READER = "istio-reader-service-account";
  private static LocalTestCluster clusterB;

  @TempDir
  Path dir;

  @BeforeAll
  static void startClusterB() {
    Assumptions.assumeTrue("local".equals(KubeTestExtension.backend()),
        "the second cluster is a local one; the local run tests it");
    Path project = Path.of(System.getProperty("mesh.basedir", "."));
    clusterB = LocalTestCluster.start(TestEnvLayout.fromEnvironment(project), project.resolve("target/kube-testenv-b"));
  }

  @AfterAll
  static void stopClusterB() {
    if (clusterB != null) {
      clusterB.close();
    }
  }

  @Test
  void theSecretFromBAppliedInAAuthenticatesAsBsReaderAndMayDoWhatAPrimaryIstiodNeeds(TestCluster clusterA) throws Exception {
    KubernetesClient adminA = clusterA.client();
    KubernetesClient adminB = clusterB.client();
    assertThat(adminB.getMasterUrl()).as("two clusters").isNotEqualTo(adminA.getMasterUrl());
    String secretName = "istio-remote-secret-cluster-b";
    boolean createdIstioSystemInA = false;
    try (OperatorHarness operatorB = OperatorHarness.start(adminB)) {
      var installs = adminB.resources(MeshInstall.class);
      installs.resource(new KubernetesSerialization().unmarshal("""
          apiVersion: meshoperator.dev/v1alpha1
          kind: MeshInstall
          metadata: {name: remote-b}
          spec:
            profile: remote
            remote: {address: 192.0.2.10}
            cluster: {name: cluster-b, network: network-b}
          """, MeshInstall.class)).create();
      try {
        await().atMost(Duration.ofSeconds(120)).until(() ->
            adminB.serviceAccounts().inNamespace(CONTROL_PLANE).withName(READER).get() != null);
        ServiceAccount readerInB = adminB.serviceAccounts().inNamespace(CONTROL_PLANE).withName(READER).get();

        // meshctl against B, as a user would: the cluster name comes from B's MeshInstall
        MeshctlRun run = MeshctlRun.of("--kubeconfig", clusterB.kubeconfig().toString(), "create-remote-secret");
        System.out.println("[remote-secret-it] meshctl create-remote-secret printed:\n" + run.out() + run.err());
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out()).startsWith("# This file is autogenerated, do not edit.\n");
        assertThat(run.err()).contains("meshctl: warning: the server in the kubeconfig is https://127.0.0.1:");

        // kubectl applies it in A
        if (adminA.namespaces().withName(CONTROL_PLANE).get() == null) {
          adminA.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(CONTROL_PLANE).endMetadata().build()).create();
          createdIstioSystemInA = true;
        }
        Path file = Files.writeString(dir.resolve("remote-secret.yaml"), run.out());
        String applied = clusterA.kubectl(List.of("apply", "-f", file.toString()));
        assertThat(applied).contains("secret/" + secretName);

        Secret inA = adminA.secrets().inNamespace(CONTROL_PLANE).withName(secretName).get();
        assertThat(inA.getMetadata().getLabels()).containsEntry("istio/multiCluster", "true");
        assertThat(inA.getMetadata().getAnnotations()).containsEntry("networking.istio.io/cluster", "cluster-b");
        assertThat(inA.getData()).containsOnlyKeys("cluster-b");
        String kubeconfig = new String(Base64.getDecoder().decode(inA.getData().get("cluster-b")), StandardCharsets.UTF_8);
        Config fromSecret = Config.fromKubeconfig(kubeconfig);
        assertThat(fromSecret.getMasterUrl()).isEqualTo(adminB.getMasterUrl().toString());
        assertThat(fromSecret.getClientCertData()).as("a token, no client certificate").isNull();

        try (KubernetesClient primary = new KubernetesClientBuilder().withConfig(fromSecret)
            .withHttpClientFactory(new JdkHttpClientFactory()).build()) {
          UserInfo who = primary.authentication().v1().selfSubjectReviews().create(new SelfSubjectReview())
              .getStatus().getUserInfo();
          assertThat(who.getUsername()).isEqualTo("system:serviceaccount:" + CONTROL_PLANE + ":" + READER);
          assertThat(who.getUid()).as("B's account, not a namesake").isEqualTo(readerInB.getMetadata().getUid());

          actAsPrimary(primary, adminB);
        }
      } finally {
        installs.withName("remote-b").delete();
        await().atMost(Duration.ofSeconds(120)).until(() -> installs.withName("remote-b").get() == null);
      }
    } finally {
      adminA.secrets().inNamespace(CONTROL_PLANE).withName(secretName).delete();
      if (createdIstioSystemInA) {
        adminA.namespaces().withName(CONTROL_PLANE).delete();
      }
    }
  }

  /** What istiod does in a remote cluster (Istio's reader ClusterRole with istiodRemote), then what it may not. */
  private static void actAsPrimary(KubernetesClient primary, KubernetesClient adminB) throws InterruptedException {
    // discovery: list and watch pods, services, endpointslices, namespaces, nodes
    assertThat(primary.nodes().list().getItems()).as("B's kwok nodes").isNotEmpty();
    primary.pods().inAnyNamespace().list();
    primary.services().inAnyNamespace().list();
    primary.discovery().v1().endpointSlices().inAnyNamespace().list();
    assertThat(primary.namespaces().list().getItems()).extracting(n -> n.getMetadata().getName()).contains(CONTROL_PLANE);
    for (String[] r : List.of(new String[] {"", "pods"}, new String[] {"", "services"},
        new String[] {"discovery.k8s.io", "endpointslices"}, new String[] {"", "namespaces"}, new String[] {"", "nodes"})) {
      assertThat(allowed(primary, "watch", r[0], r[1], null)).as("watch " + r[1]).isTrue();
    }
    CountDownLatch seen = new CountDownLatch(1);
    String app = "app-" + Long.toString(System.nanoTime() % 100000, 36);
    try (Watch watch = primary.namespaces().watch(new Watcher<>() {
      @Override
      public void eventReceived(Action action, Namespace ns) {
        if (ns.getMetadata().getName().equals(app)) {
          seen.countDown();
        }
      }

      @Override
      public void onClose(WatcherException cause) {}
    })) {
      adminB.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(app)
          .addToLabels("istio-injection", "enabled").endMetadata().build()).create();
      assertThat(seen.await(30, TimeUnit.SECONDS)).as("the watch sees B's new namespace").isTrue();
    }
    try {
      // leader election with a ConfigMap in istio-system
      ConfigMap lock = primary.configMaps().inNamespace(CONTROL_PLANE).resource(new ConfigMapBuilder()
          .withNewMetadata().withName("istio-namespace-controller-election").endMetadata().build()).create();
      lock.getMetadata().setAnnotations(Map.of("control-plane.alpha.kubernetes.io/leader", "{\"holderIdentity\":\"istiod-a\"}"));
      primary.configMaps().inNamespace(CONTROL_PLANE).resource(lock).update();
      // the root certificate every injected pod mounts
      ConfigMap root = primary.configMaps().inNamespace(app).resource(new ConfigMapBuilder()
          .withNewMetadata().withName("istio-ca-root-cert").endMetadata().addToData("root-cert.pem", "first").build()).create();
      root.setData(Map.of("root-cert.pem", "rotated"));
      primary.configMaps().inNamespace(app).resource(root).update();
      assertThat(adminB.configMaps().inNamespace(app).withName("istio-ca-root-cert").get().getData())
          .containsEntry("root-cert.pem", "rotated");
      // webhook configurations: read (and, remote profile, update: istiod patches caBundles)
      primary.admissionRegistration().v1().mutatingWebhookConfigurations().list();
      primary.admissionRegistration().v1().validatingWebhookConfigurations().list();
      assertThat(allowed(primary, "patch", "admissionregistration.k8s.io", "mutatingwebhookconfigurations", null)).isTrue();

      // and no more: no deleting workloads, no writing Secrets, no deleting ConfigMaps
      Deployment deployment = adminB.apps().deployments().inNamespace(app).resource(new DeploymentBuilder()
          .withNewMetadata().withName("web").endMetadata()
          .withNewSpec().withReplicas(0).withNewSelector().addToMatchLabels("app", "web").endSelector()
            .withNewTemplate().withNewMetadata().addToLabels("app", "web").endMetadata()
              .withNewSpec().addNewContainer().withName("web").withImage("nginx").endContainer().endSpec()
            .endTemplate().endSpec()
          .build()).create();
      List<Integer> refused = new ArrayList<>();
      refused.add(code(() -> primary.apps().deployments().inNamespace(app).withName("web").delete()));
      refused.add(code(() -> primary.secrets().inNamespace(app).resource(new SecretBuilder()
          .withNewMetadata().withName("stolen").endMetadata().addToStringData("k", "v").build()).create()));
      refused.add(code(() -> primary.configMaps().inNamespace(app).withName("istio-ca-root-cert").delete()));
      refused.add(code(() -> primary.rbac().clusterRoles().list()));
      assertThat(refused).as("delete deployment, create secret, delete configmap, list clusterroles").containsOnly(403);
      // positive control: the objects are there, so the refusals were authorization, not absence
      assertThat(adminB.apps().deployments().inNamespace(app).withName("web").get().getMetadata().getUid())
          .isEqualTo(deployment.getMetadata().getUid());
      assertThat(adminB.configMaps().inNamespace(app).withName("istio-ca-root-cert").get()).isNotNull();
      assertThat(adminB.secrets().inNamespace(app).withName("stolen").get()).isNull();
    } finally {
      adminB.namespaces().withName(app).delete();
      adminB.configMaps().inNamespace(CONTROL_PLANE).withName("istio-namespace-controller-election").delete();
    }
  }

  private static boolean allowed(KubernetesClient client, String verb, String group, String resource, String namespace) {
    SelfSubjectAccessReview review = client.authorization().v1().selfSubjectAccessReview().create(new SelfSubjectAccessReviewBuilder()
        .withNewSpec().withNewResourceAttributes().withVerb(verb).withGroup(group).withResource(resource)
        .withNamespace(namespace).endResourceAttributes().endSpec().build());
    return Boolean.TRUE.equals(review.getStatus().getAllowed());
  }

  /** The HTTP status the request failed with; fails the test when it succeeded. */
  private static int code(Runnable request) {
    try {
      request.run();
    } catch (KubernetesClientException e) {
      return e.getCode();
    }
    throw new AssertionError("the request succeeded but should have been refused");
  }
}
