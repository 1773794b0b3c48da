package dev.meshoperator.reconcile;

import dev.meshoperator.render.Labels;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpResponse;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What the cluster says about an install's revisions: how many pods carry each revision's sidecar
 * (the injector writes the revision into the pod's {@code istio.io/rev} annotation), and which
 * istiod Deployments of the install run, at which version (their image tag).
 */
final class RevisionUsage {
  static final String REV_ANNOTATION = "istio.io/rev";

  private RevisionUsage() {}

  /** Pods per page of the metadata-only list. */
  static final int PAGE_SIZE = 500;
  /** The API server answers a list with the objects' metadata only (no spec, no status). */
  static final String METADATA_ONLY = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1";
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Pods not yet finished, by the revision that injected them. Called on every reconcile, so it reads
   * what it needs and no more: metadata only (the annotations; a pod with its sidecar is some 9 KiB of
   * JSON, its metadata a small part of that), pods past Succeeded or Failed left out by the API server
   * (field selector), in pages of {@link #PAGE_SIZE}, so neither the bytes read nor the memory held
   * grow with the size of the pods' specs, and memory not with the number of pods.
   */
  static Map<String, Integer> podsByRevision(KubernetesClient client) {
    return podsByRevision(client, PAGE_SIZE);
  }

  static Map<String, Integer> podsByRevision(KubernetesClient client, int pageSize) {
    return pods(client, Set.of(), pageSize).byRevision();
  }

  /**
   * One read of the unfinished pods: {@link #podsByRevision}'s counts, and the metadata of the pods
   * of an install's inactive revisions, which its workload move looks at (while a revision drains;
   * in the steady state there is none and nothing is kept). The status's pod counts per revision
   * and the move's verdict come from this one list: read twice, a rollout that finished in between
   * had the status count two pods on the old revision beside a move that said Succeeded.
   *
   * @param byRevision pods carrying each revision's sidecar
   * @param onInactive pods whose revision annotation names one of the inactive revisions asked for, sidecar or not
   */
  record Pods(Map<String, Integer> byRevision, List<ObjectMeta> onInactive) {}

  /** @param inactive the revisions whose pods' metadata is kept */
  static Pods pods(KubernetesClient client, Set<String> inactive) {
    return pods(client, inactive, PAGE_SIZE);
  }

  static Pods pods(KubernetesClient client, Set<String> inactive, int pageSize) {
    Map<String, Integer> counts = new TreeMap<>();
    List<ObjectMeta> onInactive = new ArrayList<>();
    String base = client.getMasterUrl().toString().replaceAll("/+$", "") + "/api/v1/pods?limit=" + pageSize
        + "&fieldSelector=" + URLEncoder.encode("status.phase!=Succeeded,status.phase!=Failed", StandardCharsets.UTF_8);
    String next = null;
    do {
      JsonNode page = metadataPage(client, next == null ? base : base + "&continue=" + URLEncoder.encode(next, StandardCharsets.UTF_8));
      for (JsonNode item : page.path("items")) {
        JsonNode annotations = item.path("metadata").path("annotations");
        JsonNode rev = annotations.get(REV_ANNOTATION);
        if (rev != null && rev.isTextual() && annotations.has("sidecar.istio.io/status")) {
          counts.merge(rev.asText(), 1, Integer::sum);
        }
        if (rev != null && rev.isTextual() && inactive.contains(rev.asText())) {
          onInactive.add(client.getKubernetesSerialization().convertValue(item.path("metadata"), ObjectMeta.class));
        }
      }
      next = page.path("metadata").path("continue").asText("");
    } while (!next.isEmpty());
    return new Pods(counts, onInactive);
  }

  private static JsonNode metadataPage(KubernetesClient client, String uri) {
    HttpClient http = client.getHttpClient();
    HttpResponse<String> response;
    try {
      response = http.sendAsync(http.newHttpRequestBuilder().uri(uri).header("Accept", METADATA_ONLY).build(), String.class)
          .get(client.getConfiguration().getRequestTimeout() > 0 ? client.getConfiguration().getRequestTimeout() : 60_000,
              TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KubernetesClientException("interrupted while listing pods", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new KubernetesClientException("list pods (cluster-wide): " + e.getMessage(), e);
    }
    if (response.code() != 200) {
      Status status = null;
      try {
        status = client.getKubernetesSerialization().unmarshal(response.body(), Status.class);
      } catch (RuntimeException notStatus) {
        // not a Status: the code and body say it
      }
      String message = status != null && status.getMessage() != null ? status.getMessage() : response.body();
      throw new KubernetesClientException("list pods (cluster-wide): HTTP " + response.code() + ": " + message, response.code(), status);
    }
    try {
      JsonNode page = JSON.readTree(response.body());
      if (!"PartialObjectMetadataList".equals(page.path("kind").asText())) {
        throw new KubernetesClientException("list pods (cluster-wide): expected a PartialObjectMetadataList, got "
            + page.path("kind").asText("no kind"));
      }
      return page;
    } catch (IOException e) {
      throw new KubernetesClientException("list pods (cluster-wide): unreadable answer: " + e.getMessage(), e);
    }
  }

  /** The install's istiod Deployments not being deleted: revision to version. */
  static Map<String, String> runningRevisions(KubernetesClient client, String install) {
    Map<String, String> running = new TreeMap<>();
    for (Deployment d : client.apps().deployments().inAnyNamespace()
        .withLabel(Labels.INSTALL, install).withLabel(Labels.COMPONENT, Labels.COMPONENT_ISTIOD).list().getItems()) {
      if (d.getMetadata().getDeletionTimestamp() != null || d.getMetadata().getLabels() == null) {
        continue;
      }
      String rev = d.getMetadata().getLabels().get(Labels.ISTIO_REV);
      String image = d.getSpec().getTemplate().getSpec().getContainers().isEmpty() ? null
          : d.getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
      if (rev != null && image != null && image.lastIndexOf(':') > image.lastIndexOf('/')) {
        running.put(rev, image.substring(image.lastIndexOf(':') + 1));
      }
    }
    return running;
  }
}
