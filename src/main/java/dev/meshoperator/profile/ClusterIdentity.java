package dev.meshoperator.profile;

import dev.meshoperator.api.ClusterSpec;
import dev.meshoperator.api.MeshInstallSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where this installation sits in a multi-cluster mesh (Istio's global.multiCluster.clusterName,
 * global.network and global.meshID).
 *
 * @param clusterName istiod's CLUSTER_ID and the proxies' ISTIO_META_CLUSTER_ID; Istio's default {@code Kubernetes}
 * @param network     ISTIO_META_NETWORK and the pod label topology.istio.io/network; empty: none
 * @param meshId      the mesh ID when the spec names one; Istio then also writes it to the mesh
 *     config's defaultConfig.meshId, and otherwise uses the trust domain as the proxies' mesh ID
 */
public record ClusterIdentity(String clusterName, String network, Optional<String> meshId) {
  public static final ClusterIdentity DEFAULT = new ClusterIdentity(ClusterSpec.DEFAULT_NAME, "", Optional.empty());

  static ClusterIdentity of(MeshInstallSpec spec) {
    ClusterSpec cluster = spec.getCluster();
    String name = cluster == null || empty(cluster.getName()) ? ClusterSpec.DEFAULT_NAME : cluster.getName();
    String network = cluster == null || cluster.getNetwork() == null ? "" : cluster.getNetwork();
    return new ClusterIdentity(name, network, Optional.ofNullable(spec.getMeshId()).filter(m -> !m.isEmpty()));
  }

  private static final Pattern NAME = Pattern.compile(ClusterSpec.NAME_PATTERN);
  private static final Pattern NETWORK = Pattern.compile(ClusterSpec.NETWORK_PATTERN);
  private static final Pattern MESH_ID = Pattern.compile(MeshInstallSpec.MESH_ID_PATTERN);
  private static final int MAX_MESH_ID = 253;

  /** The schema's checks again, for specs that never met an API server (meshctl). */
  static List<Problem> problems(MeshInstallSpec spec) {
    List<Problem> problems = new ArrayList<>();
    ClusterSpec cluster = spec.getCluster();
    if (cluster != null && cluster.getName() != null && !NAME.matcher(cluster.getName()).matches()) {
      problems.add(new Problem("spec.cluster.name", "'" + cluster.getName()
          + "' is not a cluster name: 1 to 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit"));
    }
    if (cluster != null && cluster.getNetwork() != null && !NETWORK.matcher(cluster.getNetwork()).matches()) {
      problems.add(new Problem("spec.cluster.network", "'" + cluster.getNetwork()
          + "' is not a network name (a label value): up to 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit"));
    }
    String meshId = spec.getMeshId();
    if (meshId != null && (meshId.length() > MAX_MESH_ID || !MESH_ID.matcher(meshId).matches())) {
      problems.add(new Problem("spec.meshId", "'" + meshId
          + "' is not a mesh ID: up to 253 letters, digits, '-', '_' or '.', starting and ending with a letter or digit"));
    }
    return problems;
  }

  /** The proxies' ISTIO_META_MESH_ID: the named mesh ID, else the trust domain (Istio's injection template and gateway chart). */
  public String meshIdOr(String trustDomain) {
    return meshId.orElse(trustDomain);
  }

  private static boolean empty(String s) {
    return s == null || s.isEmpty();
  }
}
