package dev.meshoperator.cli;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * deploy/ as it is inside the jar (src/main/resources/meshctl/deploy, kept identical to deploy/ by
 * BundledManifestsTest), so that {@code meshctl install} applies exactly what {@code kubectl apply
 * -f deploy/} would, from anywhere, without the repository.
 */
final class BundledManifests {
  static final String DIR = "meshctl/deploy/";
  /** In apply order; the names are those of deploy/, numbered so that kubectl applies them in this order too. */
  static final List<String> FILES = List.of("00-namespace.yaml", "01-crd.yaml", "02-rbac.yaml",
      "03-deployment.yaml", "04-service.yaml", "05-pdb.yaml", "06-user-roles.yaml");
  static final String OPERATOR_NAMESPACE = "mesh-operator";
  static final String OPERATOR_CONTAINER = "operator";

  private BundledManifests() {}

  static String text(String file) {
    try (InputStream in = BundledManifests.class.getClassLoader().getResourceAsStream(DIR + file)) {
      if (in == null) {
        throw new IllegalStateException(DIR + file + " is missing from meshctl's jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static List<HasMetadata> objects(String file) {
    Object parsed = Yaml.KUBE.unmarshal(text(file));
    List<HasMetadata> objects = new ArrayList<>();
    if (parsed instanceof List<?> list) {
      list.stream().filter(HasMetadata.class::isInstance).forEach(o -> objects.add((HasMetadata) o));
    } else if (parsed instanceof HasMetadata object) {
      objects.add(object);
    }
    return objects;
  }

  static CustomResourceDefinition crd() {
    return (CustomResourceDefinition) objects("01-crd.yaml").get(0);
  }

  /** Everything of deploy/ but the CRD, in apply order; {@code image} replaces the operator's when not null. */
  static List<HasMetadata> operator(String image) {
    List<HasMetadata> objects = new ArrayList<>();
    for (String file : FILES) {
      if (!file.equals("01-crd.yaml")) {
        objects.addAll(objects(file));
      }
    }
    if (image != null) {
      objects.stream().filter(Deployment.class::isInstance).map(Deployment.class::cast)
          .flatMap(d -> d.getSpec().getTemplate().getSpec().getContainers().stream())
          .filter(c -> OPERATOR_CONTAINER.equals(c.getName()))
          .forEach(c -> c.setImage(image));
    }
    return objects;
  }

  /** The rules the operator is granted cluster-wide. */
  static List<PolicyRule> clusterRules() {
    return objects("02-rbac.yaml").stream().filter(ClusterRole.class::isInstance)
        .flatMap(r -> ((ClusterRole) r).getRules().stream()).toList();
  }

  /** The rules the operator is granted in its own namespace. */
  static List<PolicyRule> namespaceRules() {
    return objects("02-rbac.yaml").stream().filter(Role.class::isInstance)
        .flatMap(r -> ((Role) r).getRules().stream()).toList();
  }
}
