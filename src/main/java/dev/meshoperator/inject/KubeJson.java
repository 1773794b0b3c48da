package dev.meshoperator.inject;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.module.blackbird.BlackbirdModule;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * The Kubernetes model's JSON mapping for the admission path: fabric8's serialization (its
 * modules, unknown-field handling and polymorphic kinds), with Jackson's Blackbird module, which
 * reads and writes properties through generated lambdas instead of reflection. An admission
 * converts a pod between objects and JSON trees several times; reflection was the top frame in a
 * JFR profile of bench's InjectionBenchmark. Thread-safe; one instance.
 */
public final class KubeJson {
  private KubeJson() {}

  private static final ObjectMapper MAPPER = new ObjectMapper();
  /** Configures {@link #MAPPER} in place (its modules, unknown fields, polymorphic kinds). */
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization(MAPPER, true);

  static {
    // Blackbird after fabric8's modules: Jackson runs the bean (de)serializer modifiers last
    // registered first. Registered before them, Blackbird found every property of the model
    // already wrapped by fabric8 (SettableBeanPropertyDelegating, BeanPropertyWriterDelegate)
    // and left it to reflection: a first demo install generated 157 reflection accessor classes
    // (JFR jdk.ClassDefine, 130 of them under SettableBeanPropertyDelegating.deserializeAndSet).
    // Registered last, it replaces the plain properties first, and fabric8 wraps its versions.
    MAPPER.registerModule(new BlackbirdModule());
  }

  public static KubernetesSerialization serialization() {
    return SERIALIZATION;
  }

  /**
   * The mapper behind {@link #serialization()}, for streaming reads and writes the serialization
   * has no method for (parsing from bytes, writing bytes without a String between). Do not
   * reconfigure it.
   */
  public static ObjectMapper mapper() {
    return MAPPER;
  }
}
