package dev.meshoperator.render;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaPropsBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Rendered objects as golden YAML. Istio's published CRD schemas (hundreds of kB, obtained at build
 * time and never committed) appear as a digest of their JSON: the golden files show every other field
 * of the CRDs, change when the bundled schemas change, and hold no copy of them. That the schemas
 * are exactly Istio's is {@link IstioCrdsTest}'s job.
 */
public final class GoldenYaml {
  private GoldenYaml() {}

  public static String of(List<? extends HasMetadata> objects) {
    return objects.stream().map(GoldenYaml::summarized).map(Serialization::asYaml).collect(Collectors.joining());
  }

  static HasMetadata summarized(HasMetadata object) {
    if (!(object instanceof CustomResourceDefinition crd) || !crd.getSpec().getGroup().endsWith("istio.io")) {
      return object;
    }
    CustomResourceDefinition copy = new CustomResourceDefinitionBuilder(crd).build();
    copy.getSpec().getVersions().forEach(v -> v.getSchema().setOpenAPIV3Schema(new JSONSchemaPropsBuilder()
        .withDescription("Istio's published schema, sha256 " + sha256(Serialization.asJson(v.getSchema().getOpenAPIV3Schema())))
        .build()));
    return copy;
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
