package dev.meshoperator.testenv;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Starts the test cluster once per test run (the first {@link KubeTest} class to run starts it;
 * it is stopped when the run ends, even when tests fail), resolves {@link TestCluster},
 * {@link KubernetesClient} and {@link TestNamespace} parameters, and deletes each test's namespace
 * after it.
 *
 * <p>{@code -Dmesh.cluster=k3s} runs the same tests against k3s in a container; without a Docker
 * engine those tests are skipped with a message saying so.
 */
public class KubeTestExtension implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback,
    ParameterResolver {
  private static final ExtensionContext.Namespace STORE = ExtensionContext.Namespace.create(KubeTestExtension.class);
  private static final String CLUSTER = "cluster";
  private static final String NAMESPACE = "namespace";
  private static final Object LOCK = new Object();
  private static RuntimeException startFailure;

  public static String backend() {
    return System.getProperty("mesh.cluster", "local");
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    String reason = unavailableReason();
    if (reason != null) {
      System.out.println("[k3s] skipping the tests of " + context.getDisplayName() + ": " + reason);
    }
    // Aborting here skips the whole class, its @BeforeAll methods included, with the reason.
    Assumptions.assumeTrue(reason == null, reason);
    cluster(context);
  }

  /** Why the chosen cluster cannot run on this machine, or null. */
  private static String unavailableReason() {
    return "k3s".equals(backend()) ? K3sTestCluster.unavailableReason() : null;
  }

  /** The run's shared cluster, started on first use. */
  public static TestCluster cluster(ExtensionContext context) {
    synchronized (LOCK) {
      if (startFailure != null) {
        // Do not retry a failed start for every test class: say once why, then fail fast.
        throw new IllegalStateException("the test cluster failed to start earlier in this run", startFailure);
      }
      try {
        return context.getRoot().getStore(STORE)
            .getOrComputeIfAbsent(CLUSTER, k -> startCluster(), TestCluster.class);
      } catch (RuntimeException e) {
        startFailure = e;
        throw e;
      }
    }
  }

  private static TestCluster startCluster() {
    Path project = Path.of(System.getProperty("mesh.basedir", "."));
    Path work = project.resolve("target/kube-testenv");
    if ("k3s".equals(backend())) {
      return K3sTestCluster.start(work);
    }
    return LocalTestCluster.start(TestEnvLayout.fromEnvironment(project), work);
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    String reason = unavailableReason();
    Assumptions.assumeTrue(reason == null, reason);
    if (cluster(context) instanceof LocalTestCluster local) {
      local.checkAlive();
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    TestNamespace ns = context.getStore(STORE).remove(NAMESPACE, TestNamespace.class);
    if (ns != null) {
      // Not waited for: namespace deletion is asynchronous and its own test proves it finishes.
      cluster(context).client().namespaces().withName(ns.name()).delete();
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext p, ExtensionContext e) {
    Class<?> type = p.getParameter().getType();
    return type == TestCluster.class || type == KubernetesClient.class || type == TestNamespace.class;
  }

  @Override
  public Object resolveParameter(ParameterContext p, ExtensionContext context) {
    Class<?> type = p.getParameter().getType();
    TestCluster cluster = cluster(context);
    if (type == TestCluster.class) {
      return cluster;
    }
    if (type == KubernetesClient.class) {
      return cluster.client();
    }
    return context.getStore(STORE).getOrComputeIfAbsent(NAMESPACE, k -> createNamespace(cluster, context),
        TestNamespace.class);
  }

  private static TestNamespace createNamespace(TestCluster cluster, ExtensionContext context) {
    String base = (context.getRequiredTestClass().getSimpleName() + "-"
        + context.getTestMethod().map(m -> m.getName()).orElse("all"))
        .toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
    if (base.length() > 50) {
      base = base.substring(0, 50);
    }
    String name = (base + "-" + Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36 * 36 * 36), 36))
        .replaceAll("-+", "-");
    cluster.client().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name)
        .addToLabels("meshoperator.dev/test", "true").endMetadata().build()).create();
    return new TestNamespace(name);
  }
}
