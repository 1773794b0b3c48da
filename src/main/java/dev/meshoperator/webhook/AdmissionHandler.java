package dev.meshoperator.webhook;

import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;

/**
 * The decision behind the webhook: given a validated request, say what to do with it.
 * The server owns everything else (transport, TLS, envelope validation, uid echo, metrics).
 *
 * <p>Return {@link AdmissionCodec#patch}, {@link AdmissionCodec#skip}, {@link AdmissionCodec#allow}
 * or {@link AdmissionCodec#deny}. An exception thrown here is logged and turned into a denial
 * with code 500; expected refusals (an invalid annotation, say) should be denials instead.
 * The request is the handler's: parsed for this call alone, it may be changed (the injector
 * works on the request's pod instead of a copy).
 */
@FunctionalInterface
public interface AdmissionHandler {
    AdmissionResponse handle(AdmissionRequest request);
}
