package dev.meshoperator.reconcile;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the API server, with SelfSubjectAccessReviews, which of the operator's cluster-wide needs
 * it is denied, before an informer would find out by failing (a failing informer at start used to
 * stop the whole process).
 */
final class PermissionCheck {
  private static final Logger log = LoggerFactory.getLogger(PermissionCheck.class);

  private PermissionCheck() {}

  /** list and watch of {@code type} in every namespace: what an informer on it needs. */
  static List<Permission> toWatch(Class<? extends HasMetadata> type) {
    String group = HasMetadata.getGroup(type);
    String plural = HasMetadata.getPlural(type);
    return List.of(new Permission("list", group, plural), new Permission("watch", group, plural));
  }

  /**
   * Those of {@code needed} the API server denies. When it cannot even be asked (no right to
   * create SelfSubjectAccessReviews, an old server), nothing is reported missing: the informers
   * and requests then meet the denial themselves, and a 403 still ends up in status.
   */
  static List<Permission> denied(KubernetesClient client, List<Permission> needed) {
    List<Permission> denied = new ArrayList<>();
    for (Permission p : needed) {
      SelfSubjectAccessReview review = new SelfSubjectAccessReviewBuilder()
          .withNewSpec().withNewResourceAttributes()
            .withVerb(p.verb()).withGroup(p.group()).withResource(p.resource())
          .endResourceAttributes().endSpec()
          .build();
      try {
        SelfSubjectAccessReview answer = client.authorization().v1().selfSubjectAccessReview().create(review);
        if (answer.getStatus() == null || !Boolean.TRUE.equals(answer.getStatus().getAllowed())) {
          denied.add(p);
        }
      } catch (KubernetesClientException e) {
        log.warn("cannot check the operator's permissions (SelfSubjectAccessReview: HTTP {}); assuming they are granted", e.getCode());
        return List.of();
      }
    }
    return denied;
  }
}
