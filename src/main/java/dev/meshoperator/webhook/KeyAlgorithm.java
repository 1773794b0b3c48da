package dev.meshoperator.webhook;

/** Key types the operator generates; both are accepted by every supported API server. */
public enum KeyAlgorithm {
    /** Smaller keys and faster handshakes; the default. */
    EC_P256,
    /** For environments whose policy still demands RSA. */
    RSA_2048
}
