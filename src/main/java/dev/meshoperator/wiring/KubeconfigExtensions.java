package dev.meshoperator.wiring;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import io.fabric8.kubernetes.api.model.NamedExtension;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.kubernetes.internal.KubernetesDeserializer;
import java.io.IOException;

/**
 * Parsing a kubeconfig without fabric8's registry of every model type when the kubeconfig has no
 * {@code extensions}. fabric8 reads a kubeconfig with its static mapper, and Jackson builds the
 * deserializer of {@code NamedExtension.extension} (a {@link KubernetesDeserializer}) as soon as it
 * builds the one of the kubeconfig, extensions or not; creating that deserializer instantiates
 * every KubernetesResource class of the jar's ServiceLoader file (some 500 classes loaded: the
 * largest single part of a cluster command's start-up, issue 11; in the operator run out of the
 * cluster, work on its main thread while the early warm-up builds the registry of its own mapping).
 * Here the extension's deserializer is a stand-in that makes fabric8's only when an extension is
 * actually read, so a kubeconfig with extensions is read exactly as before.
 */
public final class KubeconfigExtensions {
  private KubeconfigExtensions() {}

  private static volatile boolean installed;

  /** Before the first kubeconfig is parsed; idempotent. */
  @SuppressWarnings("deprecation") // the static mapper is what fabric8's KubeConfigUtils parses with
  public static void deferTypeRegistry() {
    if (!installed) {
      synchronized (KubeconfigExtensions.class) {
        if (!installed) {
          Serialization.jsonMapper().addMixIn(NamedExtension.class, Mixin.class);
          installed = true;
        }
      }
    }
  }

  /** fabric8's deserializer, created on the first extension read. */
  static final class OnFirstUse extends JsonDeserializer<Object> {
    private KubernetesDeserializer delegate;

    @Override
    public Object deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      KubernetesDeserializer d;
      synchronized (this) {
        if (delegate == null) {
          delegate = new KubernetesDeserializer();
        }
        d = delegate;
      }
      return d.deserialize(p, ctxt);
    }
  }

  /** NamedExtension's extension, field and setter, with the stand-in deserializer. */
  abstract static class Mixin {
    @JsonDeserialize(using = OnFirstUse.class)
    Object extension;

    @JsonDeserialize(using = OnFirstUse.class)
    abstract void setExtension(Object extension);
  }
}
