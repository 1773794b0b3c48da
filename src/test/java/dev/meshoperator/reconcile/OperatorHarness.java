package dev.meshoperator.reconcile;

import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.render.ComponentRenderer;
import dev.meshoperator.testenv.OperatorIdentity;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs the operator in this JVM against a test cluster: installs the MeshInstall CRD from crds/,
 * registers a {@link MeshInstallReconciler} with a JOSDK {@link Operator} on a client of its own, and
 * stops it on {@link #close()}. That client authenticates as deploy/'s ServiceAccount, bound only
 * to deploy/'s roles ({@link OperatorIdentity}), as the operator runs in a user's cluster. The client's user agent is unique per harness, so the API server's
 * audit log tells this operator's requests from the test's own.
 *
 * <pre>{@code
 * try (var operator = OperatorHarness.start(client)) { ... }
 * try (var operator = OperatorHarness.start(client, List.of(webhookRenderer))) { ... }
 * }</pre>
 */
public final class OperatorHarness implements AutoCloseable {
  public static final String USER_AGENT_PREFIX = "mesh-operator-test/";
  private static final AtomicInteger COUNTER = new AtomicInteger();

  private final Operator operator;
  private final Reconciler<MeshInstall> reconciler;
  private final KubernetesClient client;
  private final String userAgent;

  private OperatorHarness(Operator operator, Reconciler<MeshInstall> reconciler, KubernetesClient client, String userAgent) {
    this.operator = operator;
    this.reconciler = reconciler;
    this.client = client;
    this.userAgent = userAgent;
  }

  /** Starts the operator with the built-in renderers only. */
  public static OperatorHarness start(KubernetesClient adminClient) {
    return start(adminClient, List.of());
  }

  /** Starts the operator with {@code extraRenderers} (e.g. the webhook configuration renderer). */
  public static OperatorHarness start(KubernetesClient adminClient, List<ComponentRenderer> extraRenderers) {
    return start(adminClient, new MeshInstallReconciler(extraRenderers));
  }

  /** Starts the operator with a reconciler built elsewhere. */
  public static OperatorHarness start(KubernetesClient adminClient, Reconciler<MeshInstall> reconciler) {
    installCrd(adminClient);
    // As users run it: the ServiceAccount of deploy/ with deploy/'s roles, not the admin's certificate.
    return start(OperatorIdentity.fromDeploy(adminClient), reconciler);
  }

  /** Starts the operator as {@code identity} (the CRD must be installed). */
  public static OperatorHarness start(OperatorIdentity identity, Reconciler<MeshInstall> reconciler) {
    String userAgent = USER_AGENT_PREFIX + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet();
    KubernetesClient client = identity.client(userAgent);
    Operator operator = OperatorSettings.newOperator(client, java.util.Optional.empty());
    operator.register(reconciler);
    operator.start();
    return new OperatorHarness(operator, reconciler, client, userAgent);
  }

  /** Applies crds/meshinstalls...yml and waits until the API server serves it. */
  public static void installCrd(KubernetesClient client) {
    Path file = Path.of(System.getProperty("mesh.basedir", "."), "crds", MeshInstall.CRD_NAME + "-v1.yml");
    CustomResourceDefinition crd;
    try (InputStream in = Files.newInputStream(file)) {
      crd = client.apiextensions().v1().customResourceDefinitions().load(in).item();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    client.apiextensions().v1().customResourceDefinitions().resource(crd)
        .fieldManager("mesh-operator-test").forceConflicts().serverSideApply();
    client.apiextensions().v1().customResourceDefinitions().withName(MeshInstall.CRD_NAME)
        .waitUntilCondition(c -> c != null && c.getStatus() != null && c.getStatus().getConditions() != null
            && c.getStatus().getConditions().stream()
            .anyMatch(x -> "Established".equals(x.getType()) && "True".equals(x.getStatus())), 60, TimeUnit.SECONDS);
  }

  /** The operator's own client (do not close it; {@link #close()} does). */
  public KubernetesClient client() {
    return client;
  }

  /** The User-Agent of every request this operator makes. */
  public String userAgent() {
    return userAgent;
  }

  @Override
  public void close() {
    operator.stop();
    if (reconciler instanceof MeshInstallReconciler meshInstalls) {
      meshInstalls.close(); // the applier's threads
    }
    client.close();
  }
}
