/**
 * The webhook's I/O edge: the admission HTTPS server, the AdmissionReview codec, TLS
 * certificates and their rotation, and metrics. The injection decision itself arrives as an
 * {@link dev.meshoperator.webhook.AdmissionHandler}.
 *
 * <p>Choices made here:
 * <ul>
 *   <li>Ports: HTTPS (default 9443) serves {@code /inject}, {@code /inject/<revision>}
 *       ({@code /inject} is revision {@code default}), {@code /healthz}, {@code /readyz},
 *       {@code /metrics}. An optional plain-HTTP management port serves only health and
 *       metrics, so scraping and probes need no TLS. Admission is HTTPS only.</li>
 *   <li>Envelope errors without a readable uid (not JSON, wrong apiVersion/kind, no request,
 *       no uid) are HTTP 400 with a one-line message. A readable uid with a malformed request
 *       gets an AdmissionReview with {@code allowed:false}, code 400. Handler exceptions get
 *       {@code allowed:false}, code 500, the details only in the log. Note that a denial is
 *       final regardless of the webhook's failurePolicy.</li>
 *   <li>Certificates live in one {@code kubernetes.io/tls} Secret shared by all replicas
 *       ({@code ca.crt} may hold two CAs during a CA rotation). Every replica polls it, renews
 *       with compare-and-swap writes, and adopts whatever write won.</li>
 *   <li>A new CA is trusted (published in the caBundle) for an overlap period before any
 *       serving certificate signed by it is presented.</li>
 * </ul>
 */
package dev.meshoperator.webhook;
