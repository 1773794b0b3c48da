package dev.meshoperator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshoperator.localcluster.KubeBinaries;
import dev.meshoperator.testenv.KubeTestExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@code meshctl demo} end to end: it starts a local cluster of its own (its own work directory
 * and free ports, beside the test cluster other ITs share), runs the operator in-process,
 * installs the demo profile and an injected app, prints them, and stops everything.
 */
class DemoCommandIT {

  @Test
  void demoInstallsTheDemoProfileAndShowsAnInjectedPodThenStopsEverything() {
    Assumptions.assumeFalse("k3s".equals(KubeTestExtension.backend()),
        "the demo runs its own local cluster whatever the tests' backend; the local run tests it");
    Path work = Path.of(System.getProperty("mesh.basedir", "."), "target", "demo-it").toAbsolutePath();

    MeshctlRun run = MeshctlRun.of("demo", "--exit-after-ready", "--work-dir", work.toString(), "--timeout", "3m");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out()).as(run.toString())
        .containsPattern("\\[ *[0-9.]+s\\] starting a local Kubernetes v" + KubeBinaries.pinnedVersion().replace(".", "\\.")
            + " \\(etcd, kube-apiserver, controller-manager, scheduler, 2 kwok nodes\\)")
        .containsPattern("starting a local Kubernetes .*: API server https://127\\.0\\.0\\.1:\\d+ \\([0-9.]+s\\)")
        .contains("starting the operator in this process (webhook https://127.0.0.1:")
        .contains("meshinstall/demo is Ready after")
        .containsPattern("Deployment/istiod\\s+istio-system\\s+1\\s+1\\s+Ready")
        .containsPattern("Deployment/istio-ingressgateway\\s+istio-system\\s+1\\s+1\\s+Ready")
        .contains("Injected pod demo/httpbin-")
        .containsPattern("istio-proxy\\s+sidecar( \\(native\\))?\\s+docker.io/istio/proxyv2:"
            + java.util.regex.Pattern.quote(dev.meshoperator.profile.IstioVersions.defaultVersion()))
        .containsPattern("httpbin\\s+app\\s+docker.io/mccutchen/go-httpbin")
        .contains("kubeconfig: " + work.resolve("kubeconfig"))
        .contains("kubectl --kubeconfig " + work.resolve("kubeconfig") + " get pods -A");
    // Without --keep only what the cluster wrote is removed, and every process is stopped.
    assertThat(work.resolve("kubeconfig")).doesNotExist();
    assertThat(Files.exists(work.resolve("pids"))).isFalse();
  }
}
