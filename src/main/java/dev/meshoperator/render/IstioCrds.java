package dev.meshoperator.render;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.meshoperator.profile.IstioVersions;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Istio's own CRDs as published in the istio.io/api Go module, bundled in the jar at build time.
 * Parsed once per minor and kept: the file is large (about 870 kB) and never changes at run time.
 * Reading a classpath resource is not I/O in the sense that matters here: the same jar always
 * gives the same objects, so rendering stays deterministic.
 */
public final class IstioCrds {
  private static final Map<String, List<CustomResourceDefinition>> CACHE = new ConcurrentHashMap<>();

  private IstioCrds() {}

  /** The CRDs of a supported minor, in the file's order; callers must copy before changing them. */
  public static List<CustomResourceDefinition> of(IstioVersions.Minor minor) {
    return CACHE.computeIfAbsent(minor.crdResource(), IstioCrds::load);
  }

  private static List<CustomResourceDefinition> load(String resource) {
    try (InputStream in = IstioCrds.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("Istio's CRDs " + resource + " are not on the classpath; they are "
            + "obtained at build time by hack/istio-crds.sh (mvn generate-resources)");
      }
      try (MappingIterator<CustomResourceDefinition> documents = new YAMLMapper()
          .readerFor(CustomResourceDefinition.class).readValues(in)) {
        return documents.readAll().stream().filter(Objects::nonNull).toList();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + resource, e);
    }
  }
}
