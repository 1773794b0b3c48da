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

  private static final ObjectMapper MAPPER = new ObjectMapper().registerModule(new BlackbirdModule());
  /** Configures {@link #MAPPER} in place (its modules, unknown fields, polymorphic kinds). */
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization(MAPPER, true);

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
