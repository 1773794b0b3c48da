package dev.meshoperator.render;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.meshoperator.MeshInstalls;
import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.Profile;
import dev.meshoperator.profile.IstioVersions;
import dev.meshoperator.profile.Profiles;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The rendered Istio CRDs are the ones bundled from the istio.io/api module, field for field. */
class IstioCrdsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  static List<IstioVersions.Minor> minors() {
    return IstioVersions.supported();
  }

  /** The bundled file read as plain trees, independently of the fabric8 model the renderer uses. */
  private static Map<String, JsonNode> bundledSpecs(IstioVersions.Minor minor) throws IOException {
    Map<String, JsonNode> specs = new LinkedHashMap<>();
    try (InputStream in = IstioCrdsTest.class.getResourceAsStream(minor.crdResource())) {
      assertThat(in).as("%s is bundled (hack/istio-crds.sh at generate-resources)", minor.crdResource()).isNotNull();
      try (MappingIterator<JsonNode> docs = new YAMLMapper().readerFor(JsonNode.class).readValues(in)) {
        for (JsonNode doc : docs.readAll()) {
          if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
            specs.put(doc.at("/metadata/name").asText(), doc.get("spec"));
          }
        }
      }
    }
    return specs;
  }

  @ParameterizedTest
  @MethodSource("minors")
  void everySupportedMinorHasItsCrdsBundledWithTheSameKindsAndStorageVersions(IstioVersions.Minor minor) throws IOException {
    Map<String, JsonNode> bundled = bundledSpecs(minor);
    Map<String, JsonNode> newest = bundledSpecs(IstioVersions.crdSource());
    assertThat(bundled.keySet()).as("Istio publishes 15 API kinds").hasSize(15).isEqualTo(newest.keySet());
    // The newest minor's CRDs serve every install: they must store what older ones stored.
    for (String crd : bundled.keySet()) {
      assertThat(storage(newest.get(crd))).as(crd).isEqualTo(storage(bundled.get(crd)));
    }
  }

  private static List<String> storage(JsonNode spec) {
    List<String> versions = new java.util.ArrayList<>();
    spec.get("versions").forEach(v -> versions.add(v.get("name").asText() + (v.path("storage").asBoolean() ? "*" : "")));
    return versions;
  }

  @ParameterizedTest
  @MethodSource("minors")
  void everyInstallRendersTheNewestMinorsCrdsUnchanged(IstioVersions.Minor minor) throws IOException {
    Map<String, JsonNode> bundled = bundledSpecs(IstioVersions.crdSource());

    MeshInstall install = MeshInstalls.example(Profile.MINIMAL);
    install.getSpec().setVersion(minor.newestPatch());
    List<CustomResourceDefinition> rendered = new Renderer().render(Profiles.resolve(install)).stream()
        .filter(CustomResourceDefinition.class::isInstance).map(CustomResourceDefinition.class::cast).toList();

    assertThat(rendered).extracting(c -> c.getMetadata().getName()).containsExactlyInAnyOrderElementsOf(bundled.keySet());
    for (CustomResourceDefinition crd : rendered) {
      JsonNode spec = JSON.readTree(Serialization.asJson(crd.getSpec()));
      assertThat(firstDifference("spec", bundled.get(crd.getMetadata().getName()), spec))
          .as("spec of %s as bundled vs as rendered", crd.getMetadata().getName()).isEmpty();
    }
  }

  /**
   * Where two trees first differ, or empty. Numbers compare by value: the fabric8 model holds
   * {@code maximum: 65535} as a double, which the API server stores as the same number.
   */
  static java.util.Optional<String> firstDifference(String path, JsonNode expected, JsonNode actual) {
    if (expected == null || actual == null) {
      return expected == actual ? java.util.Optional.empty() : java.util.Optional.of(path + ": " + expected + " vs " + actual);
    }
    if (expected.isNumber() && actual.isNumber()) {
      return expected.decimalValue().compareTo(actual.decimalValue()) == 0 ? java.util.Optional.empty()
          : java.util.Optional.of(path + ": " + expected + " vs " + actual);
    }
    if (expected.isObject() && actual.isObject()) {
      java.util.Set<String> names = new java.util.TreeSet<>();
      expected.fieldNames().forEachRemaining(names::add);
      actual.fieldNames().forEachRemaining(names::add);
      for (String name : names) {
        var d = firstDifference(path + "." + name, expected.get(name), actual.get(name));
        if (d.isPresent()) {
          return d;
        }
      }
      return java.util.Optional.empty();
    }
    if (expected.isArray() && actual.isArray() && expected.size() == actual.size()) {
      for (int i = 0; i < expected.size(); i++) {
        var d = firstDifference(path + "[" + i + "]", expected.get(i), actual.get(i));
        if (d.isPresent()) {
          return d;
        }
      }
      return java.util.Optional.empty();
    }
    return expected.equals(actual) ? java.util.Optional.empty() : java.util.Optional.of(path + ": " + expected + " vs " + actual);
  }

  @Test
  void aChangedSchemaIsFoundAsADifference() {
    JsonNode a = JSON.valueToTree(Map.of("x", Map.of("maximum", 65535, "type", "integer")));
    JsonNode sameNumber = JSON.valueToTree(Map.of("x", Map.of("maximum", 65535.0, "type", "integer")));
    JsonNode changed = JSON.valueToTree(Map.of("x", Map.of("maximum", 65535, "type", "string")));
    assertThat(firstDifference("spec", a, sameNumber)).isEmpty();
    assertThat(firstDifference("spec", a, changed)).contains("spec.x.type: \"integer\" vs \"string\"");
  }

  @Test
  void theDefaultVersionIsTheNewestSupportedOneAndTheApiTypesAgree() {
    assertThat(IstioVersions.of(IstioVersions.defaultVersion())).isPresent();
    // The newest patch of the newest minor: the last entry, and no entry is a newer minor.
    assertThat(IstioVersions.defaultVersion()).isEqualTo(IstioVersions.newest().newestPatch()).isEqualTo("1.32.0");
    assertThat(IstioVersions.supported()).extracting(m -> Integer.parseInt(m.minor().split("[.]")[1]))
        .isSorted().doesNotHaveDuplicates();
    assertThat(dev.meshoperator.api.MeshInstallSpec.DEFAULT_VERSION).isEqualTo(IstioVersions.defaultVersion());
    assertThat(dev.meshoperator.inject.InjectionSettings.DEFAULT_VERSION).isEqualTo(IstioVersions.defaultVersion());
  }

  @Test
  void validationRulesAndShortNamesSurvive() {
    MeshInstall install = MeshInstalls.example(Profile.MINIMAL);
    var crds = new Renderer().render(Profiles.resolve(install)).stream()
        .filter(CustomResourceDefinition.class::isInstance).map(CustomResourceDefinition.class::cast).toList();
    String all = Serialization.asJson(crds);
    assertThat(all).contains("x-kubernetes-validations");
    assertThat(crds).flatExtracting(c -> c.getSpec().getNames().getShortNames() == null ? List.of() : c.getSpec().getNames().getShortNames())
        .contains("vs", "dr", "gw", "se", "we", "wg", "ap", "pa", "ra", "telemetry");
  }

  @ParameterizedTest
  @MethodSource("minors")
  void everyCallGivesNewObjectsThatTheCallerMayChange(IstioVersions.Minor minor) {
    List<CustomResourceDefinition> first = IstioCrds.of(minor);
    String before = Serialization.asJson(first.get(0));
    first.get(0).getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema().setDescription("changed by a caller");
    first.get(0).getMetadata().setName("changed");
    List<CustomResourceDefinition> second = IstioCrds.of(minor);
    assertThat(second.get(0)).isNotSameAs(first.get(0));
    assertThat(Serialization.asJson(second.get(0))).isEqualTo(before);
  }

  @ParameterizedTest
  @MethodSource("minors")
  void kindsAreTheGroupAndPluralOfEachCrdInTheFilesOrder(IstioVersions.Minor minor) {
    assertThat(IstioCrds.kinds(minor)).hasSize(15).isEqualTo(IstioCrds.of(minor).stream()
        .map(c -> new IstioCrds.Kind(c.getSpec().getGroup(), c.getSpec().getNames().getPlural())).toList());
  }
}
