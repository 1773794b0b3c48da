package dev.meshoperator.reconcile;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.ConfigurationServiceOverrider;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import java.time.Duration;
import java.util.Optional;

/**
 * JOSDK settings the MeshInstall controller needs; apply them to every {@code Operator} that
 * registers {@link MeshInstallReconciler}: {@code new Operator(o -> OperatorSettings.apply(o.withKubernetesClient(c)))}.
 */
public final class OperatorSettings {
  private OperatorSettings() {}

  /**
   * Reconciles of different MeshInstalls that may run at once. JOSDK's default pool is a fixed one of
   * 50 threads, and a fixed pool starts a new thread for every reconcile until it has them all, so a
   * long-running operator ends up with 50 idle threads whose stacks a reconcile (rendering, Jackson)
   * has touched deeply. A cluster has one or a few MeshInstalls (one per revision); one MeshInstall
   * never reconciles on two threads at once, and reconciles spend their time waiting on the API server.
   */
  public static final int RECONCILE_THREADS = 4;

  public static ConfigurationServiceOverrider apply(ConfigurationServiceOverrider overrider) {
    // JOSDK adds its finalizer by server-side applying a fresh `new MeshInstall()`, and ours comes
    // with a spec full of Java defaults (namespace istio-system, profile default, ...). That apply
    // would claim those spec fields, and the CRD's immutability rule rejects it for any install not
    // in istio-system. Merge patches for the finalizer and the status touch only what they change.
    // (Our own objects are still applied server-side, see Applier.)
    return overrider.withUseSSAToPatchPrimaryResource(false);
  }

  /**
   * A JOSDK Operator for the MeshInstall controller on {@code client} (not closed on stop), with
   * these settings, bounded cache sync and shutdown, and leader election when given.
   */
  public static Operator newOperator(KubernetesClient client, Optional<LeaderElectionConfiguration> leaderElection) {
    return new Operator(o -> {
      apply(o)
          .withKubernetesClient(client)
          .withCloseClientOnStop(false)
          // An informer that cannot start (a permission taken away, a kind not served) is logged
          // and retried in the background instead of stopping the whole process; the reconciler
          // checks its watch permissions first and names what is missing in every status.
          .withStopOnInformerErrorDuringStartup(false)
          .withCacheSyncTimeout(Duration.ofSeconds(60))
          .withReconciliationTerminationTimeout(Duration.ofSeconds(5))
          .withConcurrentReconciliationThreads(RECONCILE_THREADS)
          // MeshInstallReconciler has no dependent-resource workflow; JOSDK creates this pool
          // lazily, but bound it all the same should one be added.
          .withConcurrentWorkflowExecutorThreads(RECONCILE_THREADS);
      leaderElection.ifPresent(o::withLeaderElectionConfiguration);
    });
  }
}
