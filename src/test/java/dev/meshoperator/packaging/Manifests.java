package dev.meshoperator.packaging;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Where the packaging files are, and their YAML as typed fabric8 objects. */
final class Manifests {
  static final Path BASEDIR = Path.of(System.getProperty("mesh.basedir", ".")).toAbsolutePath().normalize();
  static final Path CRD = BASEDIR.resolve("crds/meshinstalls.meshoperator.dev-v1.yml");
  static final Path DEPLOY = BASEDIR.resolve("deploy");
  static final Path CHART = DEPLOY.resolve("helm/mesh-operator");
  static final Path EXAMPLES = BASEDIR.resolve("examples");

  private Manifests() {
  }

  /** Every object of a (possibly multi-document) YAML stream, typed where fabric8 knows the kind. */
  static List<HasMetadata> parse(String yaml) {
    Object parsed = Serialization.unmarshal(yaml);
    List<HasMetadata> objects = new ArrayList<>();
    if (parsed instanceof List<?> list) {
      list.stream().filter(o -> o != null).forEach(o -> objects.add((HasMetadata) o));
    } else if (parsed != null) {
      objects.add((HasMetadata) parsed);
    }
    return objects;
  }

  static List<HasMetadata> parse(Path file) {
    return parse(read(file));
  }

  /** The YAML files of a directory (not its subdirectories) in name order, as kubectl applies them. */
  static List<Path> yamlFiles(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(Files::isRegularFile)
          .filter(p -> p.getFileName().toString().matches(".*\\.ya?ml"))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static List<HasMetadata> parseDir(Path dir) {
    List<HasMetadata> objects = new ArrayList<>();
    yamlFiles(dir).forEach(f -> objects.addAll(parse(f)));
    return objects;
  }

  static <T extends HasMetadata> List<T> ofType(List<HasMetadata> objects, Class<T> type) {
    return objects.stream().filter(type::isInstance).map(type::cast).toList();
  }

  static <T extends HasMetadata> T single(List<HasMetadata> objects, Class<T> type) {
    List<T> found = ofType(objects, type);
    if (found.size() != 1) {
      throw new AssertionError("expected exactly one " + type.getSimpleName() + ", found " + found.size());
    }
    return found.get(0);
  }

  /** The label value that marks the ClusterRoles for users (06-user-roles.yaml, the chart's user-roles.yaml). */
  static final String USER_ROLES = "user-roles";

  static boolean isUserRole(HasMetadata o) {
    return o instanceof io.fabric8.kubernetes.api.model.rbac.ClusterRole
        && o.getMetadata().getLabels() != null
        && USER_ROLES.equals(o.getMetadata().getLabels().get("app.kubernetes.io/component"));
  }

  /** The operator's own ClusterRole: deploy/ and the chart also ship ClusterRoles for users. */
  static io.fabric8.kubernetes.api.model.rbac.ClusterRole operatorClusterRole(List<HasMetadata> objects) {
    return single(objects.stream().filter(o -> !isUserRole(o)).toList(),
        io.fabric8.kubernetes.api.model.rbac.ClusterRole.class);
  }

  static List<io.fabric8.kubernetes.api.model.rbac.ClusterRole> userRoles(List<HasMetadata> objects) {
    return ofType(objects, io.fabric8.kubernetes.api.model.rbac.ClusterRole.class).stream()
        .filter(Manifests::isUserRole).toList();
  }

  static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
