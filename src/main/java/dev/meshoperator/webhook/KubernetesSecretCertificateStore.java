package dev.meshoperator.webhook;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;

import java.net.HttpURLConnection;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Certificates in a {@code kubernetes.io/tls} Secret. Creation is create-if-absent (a 409 means
 * another replica got there first: read theirs); replacement is a PUT with the expected
 * resourceVersion (a 409 means someone changed it: read theirs). Labels, annotations and owner
 * references already on the Secret are preserved.
 */
public final class KubernetesSecretCertificateStore implements CertificateStore {

    static final String TLS_TYPE = "kubernetes.io/tls";

    private final KubernetesClient client;
    private final String namespace;
    private final String name;

    public KubernetesSecretCertificateStore(KubernetesClient client, String namespace, String name) {
        this.client = client;
        this.namespace = namespace;
        this.name = name;
    }

    @Override
    public Optional<Stored> load() {
        return Optional.ofNullable(secret().get()).map(KubernetesSecretCertificateStore::toStored);
    }

    @Override
    public Stored createIfAbsent(Map<String, String> data) {
        Secret secret = new SecretBuilder()
                .withNewMetadata()
                    .withName(name)
                    .withNamespace(namespace)
                    .addToLabels("app.kubernetes.io/managed-by", "mesh-operator")
                    .addToLabels("app.kubernetes.io/component", "webhook-certificates")
                .endMetadata()
                .withType(TLS_TYPE)
                .withData(encode(data))
                .build();
        try {
            return toStored(client.secrets().inNamespace(namespace).resource(secret).create());
        } catch (KubernetesClientException e) {
            if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
                return load().orElseThrow(() -> new IllegalStateException(
                        describe() + " was created by someone else and deleted again; retry", e));
            }
            throw e;
        }
    }

    @Override
    public Stored replace(String expectedVersion, Map<String, String> data) {
        Secret current = secret().get();
        if (current == null) {
            return createIfAbsent(data);
        }
        if (!expectedVersion.equals(current.getMetadata().getResourceVersion())) {
            return toStored(current);
        }
        Secret updated = new SecretBuilder(current).withData(encode(data)).withStringData(null).build();
        try {
            return toStored(client.secrets().inNamespace(namespace).resource(updated).update());
        } catch (KubernetesClientException e) {
            if (e.getCode() == HttpURLConnection.HTTP_CONFLICT || e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) {
                return load().orElseGet(() -> createIfAbsent(data));
            }
            throw e;
        }
    }

    @Override
    public String describe() {
        return "Secret " + namespace + "/" + name;
    }

    private Resource<Secret> secret() {
        return client.secrets().inNamespace(namespace).withName(name);
    }

    private static Stored toStored(Secret secret) {
        Map<String, String> data = new LinkedHashMap<>();
        if (secret.getData() != null) {
            Base64.Decoder decoder = Base64.getDecoder();
            secret.getData().forEach((k, v) -> data.put(k, new String(decoder.decode(v), StandardCharsets.UTF_8)));
        }
        return new Stored(data, secret.getMetadata().getResourceVersion());
    }

    private static Map<String, String> encode(Map<String, String> data) {
        Map<String, String> encoded = new LinkedHashMap<>();
        Base64.Encoder encoder = Base64.getEncoder();
        data.forEach((k, v) -> encoded.put(k, encoder.encodeToString(v.getBytes(StandardCharsets.UTF_8))));
        return encoded;
    }
}
