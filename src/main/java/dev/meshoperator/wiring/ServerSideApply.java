package dev.meshoperator.wiring;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.FieldValidateable.Validation;

/**
 * The forced server-side apply that the operator and meshctl make, as
 * {@code kubectl apply --server-side --force-conflicts} makes it, with one difference: the request
 * says {@code fieldValidation=Ignore}.
 *
 * <p>For an apply, that parameter only decides whether the API server parses the body a second
 * time, as strict YAML, to find keys given twice: unknown fields fail a server-side apply
 * whatever the parameter says (the API server's typed conversion of the patch refuses them).
 * Our bodies are Jackson's JSON of one object and cannot hold a key twice, and the default
 * ({@code Warn}) had the API server parse every body twice; Istio's CRDs are most of the bytes
 * of an install (0.13 s of the API server's 3.4 s during a demo install on a 2-core machine).
 */
public final class ServerSideApply {
  private ServerSideApply() {}

  /** Applies {@code object} as {@code fieldManager}, taking conflicting fields over; returns what the server stored. */
  public static <T extends HasMetadata> T forced(KubernetesClient client, T object, String fieldManager) {
    return client.resource(object)
        .fieldValidation(Validation.IGNORE)
        .fieldManager(fieldManager)
        .forceConflicts()
        .serverSideApply();
  }
}
