package dev.meshoperator.inject;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The workload a pod belongs to, as telemetry names it: the Deployment rather than its ReplicaSet,
 * the CronJob rather than its Job. Derived from the controller owner reference, since at admission
 * time that is all there is; the pod's name may not even exist yet (generateName).
 */
public record WorkloadIdentity(String apiVersion, String kind, String name) {

  // CronJob controllers name Jobs <cronjob>-<scheduled time in minutes>
  private static final Pattern CRONJOB_JOB = Pattern.compile("^(.+)-\\d{8,10}$");

  public static WorkloadIdentity of(ObjectMeta meta) {
    Optional<OwnerReference> controller = meta.getOwnerReferences() == null
        ? Optional.empty()
        : meta.getOwnerReferences().stream().filter(o -> Boolean.TRUE.equals(o.getController())).findFirst();
    if (controller.isPresent()) {
      OwnerReference o = controller.get();
      Map<String, String> labels = meta.getLabels() == null ? Map.of() : meta.getLabels();
      String hash = labels.get("pod-template-hash");
      if ("ReplicaSet".equals(o.getKind()) && hash != null && o.getName().endsWith("-" + hash)) {
        return new WorkloadIdentity("apps/v1", "Deployment",
            o.getName().substring(0, o.getName().length() - hash.length() - 1));
      }
      if ("Job".equals(o.getKind())) {
        Matcher m = CRONJOB_JOB.matcher(o.getName());
        if (m.matches()) {
          return new WorkloadIdentity("batch/v1", "CronJob", m.group(1));
        }
      }
      return new WorkloadIdentity(o.getApiVersion(), o.getKind(), o.getName());
    }
    return new WorkloadIdentity("v1", "Pod", podName(meta));
  }

  /** The name, or for a pod still to be named, its generateName without the trailing dash. */
  static String podName(ObjectMeta meta) {
    if (meta.getName() != null && !meta.getName().isEmpty()) {
      return meta.getName();
    }
    String generate = meta.getGenerateName() == null ? "" : meta.getGenerateName();
    return generate.endsWith("-") ? generate.substring(0, generate.length() - 1) : generate;
  }

  /** {@code kubernetes://apis/<apiVersion>/namespaces/<ns>/<kind>s/<name>}, as pilot-agent expects. */
  public String ownerUri(String namespace) {
    return "kubernetes://apis/" + apiVersion + "/namespaces/" + namespace + "/"
        + kind.toLowerCase(Locale.ROOT) + "s/" + name;
  }
}
