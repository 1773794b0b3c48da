package dev.meshoperator.webhook;

import io.fabric8.kubernetes.api.model.admissionregistration.v1.WebhookClientConfig;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.WebhookClientConfigBuilder;
import java.util.Base64;
import java.nio.charset.StandardCharsets;

/**
 * How the API server reaches the operator's admission server: through the operator's Service when
 * it runs in the cluster, or by URL when it runs outside (a developer machine, the tests).
 */
public record WebhookEndpoint(String urlBase, String serviceNamespace, String serviceName, int servicePort) {

  public static WebhookEndpoint url(String urlBase) {
    return new WebhookEndpoint(urlBase.replaceAll("/+$", ""), null, null, 0);
  }

  public static WebhookEndpoint service(String namespace, String name, int port) {
    return new WebhookEndpoint(null, namespace, name, port);
  }

  public boolean isUrl() {
    return urlBase != null;
  }

  /** The client configuration for {@code path} with the given PEM CA bundle (may be empty). */
  public WebhookClientConfig clientConfig(String path, String caBundlePem) {
    var builder = new WebhookClientConfigBuilder();
    if (caBundlePem != null && !caBundlePem.isEmpty()) {
      builder.withCaBundle(Base64.getEncoder().encodeToString(caBundlePem.getBytes(StandardCharsets.UTF_8)));
    }
    if (isUrl()) {
      return builder.withUrl(urlBase + path).build();
    }
    return builder.withNewService().withNamespace(serviceNamespace).withName(serviceName)
        .withPort(servicePort).withPath(path).endService().build();
  }
}
