package dev.meshoperator.render;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.meshoperator.profile.IstioVersions;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Istio's own CRDs as published in the istio.io/api Go module, bundled in the jar at build time.
 * The file (about 870 kB of YAML) is parsed once per minor and kept as each CRD's compact JSON
 * (508 kB for 1.32's, against about 3.9 MiB of heap for the parsed set); {@link #of} makes new
 * objects from it on every call, so callers own what they get. Reading a classpath resource is not
 * I/O in the sense that matters here: the same jar always gives the same objects, so rendering
 * stays deterministic.
 */
public final class IstioCrds {
  private static final Map<String, Bundle> CACHE = new ConcurrentHashMap<>();

  /** A served kind of a bundled CRD, for rules that name the kinds. */
  public record Kind(String group, String plural) {}

  private record Bundle(List<byte[]> crds, List<Kind> kinds) {}

  private IstioCrds() {}

  /** The CRDs of a supported minor, in the file's order, as new objects the caller may change. */
  public static List<CustomResourceDefinition> of(IstioVersions.Minor minor) {
    return bundle(minor).crds().stream().map(IstioCrds::read).toList();
  }

  /** The group and plural of each CRD of a supported minor, in the file's order. */
  public static List<Kind> kinds(IstioVersions.Minor minor) {
    return bundle(minor).kinds();
  }

  private static Bundle bundle(IstioVersions.Minor minor) {
    return CACHE.computeIfAbsent(minor.crdResource(), IstioCrds::load);
  }

  private static CustomResourceDefinition read(byte[] json) {
    return Serialization.unmarshal(new ByteArrayInputStream(json), CustomResourceDefinition.class);
  }

  private static Bundle load(String resource) {
    try (InputStream in = IstioCrds.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("Istio's CRDs " + resource + " are not on the classpath; they are "
            + "obtained at build time by hack/istio-crds.sh (mvn generate-resources)");
      }
      try (MappingIterator<CustomResourceDefinition> documents = new YAMLMapper()
          .readerFor(CustomResourceDefinition.class).readValues(in)) {
        List<CustomResourceDefinition> crds = documents.readAll().stream().filter(Objects::nonNull).toList();
        return new Bundle(
            crds.stream().map(c -> Serialization.asJson(c).getBytes(StandardCharsets.UTF_8)).toList(),
            crds.stream().map(c -> new Kind(c.getSpec().getGroup(), c.getSpec().getNames().getPlural())).toList());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + resource, e);
    }
  }
}
