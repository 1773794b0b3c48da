package dev.meshoperator.webhook;

import dev.meshoperator.render.Labels;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a new CA bundle into every injector webhook configuration the operator manages, as soon
 * as the certificate manager publishes it: a rotation must not wait for the next reconcile of
 * each MeshInstall. Only entries whose bundle differs are patched.
 */
public final class WebhookConfigurationSync {
  private static final Logger LOG = LoggerFactory.getLogger(WebhookConfigurationSync.class);
  private final KubernetesClient client;

  public WebhookConfigurationSync(KubernetesClient client) {
    this.client = client;
  }

  /** Returns how many configurations were patched. */
  public int setCaBundle(String caBundlePem) {
    String encoded = Base64.getEncoder().encodeToString(caBundlePem.getBytes(StandardCharsets.UTF_8));
    int patched = 0;
    var configs = client.admissionRegistration().v1().mutatingWebhookConfigurations()
        .withLabel(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE)
        .withLabel(Labels.COMPONENT, InjectorWebhookRenderer.COMPONENT)
        .list().getItems();
    for (MutatingWebhookConfiguration mwc : configs) {
      boolean stale = mwc.getWebhooks().stream().map(MutatingWebhook::getClientConfig)
          .anyMatch(c -> !Objects.equals(c.getCaBundle(), encoded));
      if (!stale) {
        continue;
      }
      try {
        client.admissionRegistration().v1().mutatingWebhookConfigurations()
            .withName(mwc.getMetadata().getName())
            .edit(current -> {
              current.getWebhooks().forEach(w -> w.getClientConfig().setCaBundle(encoded));
              return current;
            });
        patched++;
      } catch (KubernetesClientException e) {
        // Deleted meanwhile, or a conflict: the next reconcile renders the current bundle anyway.
        LOG.warn("cannot update caBundle of {}: {}", mwc.getMetadata().getName(), e.getMessage());
      }
    }
    if (patched > 0) {
      LOG.info("wrote the new CA bundle into {} webhook configuration(s)", patched);
    }
    return patched;
  }
}
