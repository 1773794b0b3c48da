package dev.meshoperator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.ConfigurationService;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import org.junit.jupiter.api.Test;

/**
 * The operator's reconcile pool is sized for a few MeshInstalls, not JOSDK's 50 threads (a fixed
 * pool grows to its size one reconcile at a time and keeps every thread). Nothing is started.
 */
class OperatorSettingsTest {
  private static KubernetesClient client() {
    return new KubernetesClientBuilder().withConfig(new ConfigBuilder().withMasterUrl("https://127.0.0.1:1").build())
        .withHttpClientFactory(new JdkHttpClientFactory()).build();
  }

  private static int maximumPoolSize(ExecutorService pool) {
    try {
      assertThat(pool).isInstanceOf(ThreadPoolExecutor.class);
      return ((ThreadPoolExecutor) pool).getMaximumPoolSize();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void reconcileAndWorkflowPoolsHoldAtMostReconcileThreads() {
    try (KubernetesClient client = client()) {
      ConfigurationService config = OperatorSettings.newOperator(client, Optional.empty()).getConfigurationService();
      assertThat(config.concurrentReconciliationThreads()).isEqualTo(OperatorSettings.RECONCILE_THREADS);
      assertThat(config.concurrentWorkflowExecutorThreads()).isEqualTo(OperatorSettings.RECONCILE_THREADS);
      assertThat(maximumPoolSize(config.getExecutorService())).isEqualTo(OperatorSettings.RECONCILE_THREADS);
      assertThat(maximumPoolSize(config.getWorkflowExecutorService())).isEqualTo(OperatorSettings.RECONCILE_THREADS);
      assertThat(OperatorSettings.RECONCILE_THREADS).isBetween(2, 8);
    }
  }

  @Test
  void positiveControlJosdksDefaultIsFiftyThreads() {
    try (KubernetesClient client = client()) {
      ConfigurationService config = new Operator(o -> o.withKubernetesClient(client)).getConfigurationService();
      assertThat(maximumPoolSize(config.getExecutorService())).isEqualTo(50);
    }
  }
}
