package dev.meshoperator.reconcile;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meshoperator.render.Labels;
import dev.meshoperator.wiring.GzipBodies;
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
   * grow with the size of the pods' specs, and memory not with the number of pods. The pages come
   * gzip-compressed, and each pod's managedFields (most of its metadata) are skipped unparsed
   * ({@link #readPage}).
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
      byte[] page = metadataPage(client, next == null ? base : base + "&continue=" + URLEncoder.encode(next, StandardCharsets.UTF_8));
      try {
        next = readPage(page, item -> {
          JsonNode annotations = item.path("annotations");
          JsonNode rev = annotations.get(REV_ANNOTATION);
          if (rev != null && rev.isTextual() && annotations.has("sidecar.istio.io/status")) {
            counts.merge(rev.asText(), 1, Integer::sum);
          }
          if (rev != null && rev.isTextual() && inactive.contains(rev.asText())) {
            onInactive.add(client.getKubernetesSerialization().convertValue(item, ObjectMeta.class));
          }
        });
      } catch (IOException e) {
        throw new KubernetesClientException("list pods (cluster-wide): unreadable answer: " + e.getMessage(), e);
      }
    } while (!next.isEmpty());
    return new Pods(counts, onInactive);
  }

  /**
   * Reads one page of the metadata-only list as a stream: each pod's metadata to {@code action}
   * without its managedFields (most of a pod's metadata, and nothing here reads them: skipped
   * unparsed), everything else of the page skipped but the continue token, which it returns ("" on
   * the last page).
   *
   * @throws IOException when the page is not JSON, or not a PartialObjectMetadataList
   */
  static String readPage(byte[] json, java.util.function.Consumer<ObjectNode> action) throws IOException {
    try (JsonParser parser = JSON.createParser(json)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw new IOException("expected a PartialObjectMetadataList, got no JSON object");
      }
      String kind = null;
      String token = "";
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String field = parser.currentName();
        JsonToken value = parser.nextToken();
        if ("kind".equals(field)) {
          kind = parser.getValueAsString();
        } else if ("metadata".equals(field) && value == JsonToken.START_OBJECT) {
          JsonNode listMetadata = JSON.readTree(parser);
          token = listMetadata.path("continue").asText("");
        } else if ("items".equals(field) && value == JsonToken.START_ARRAY) {
          for (JsonToken item = parser.nextToken(); item != JsonToken.END_ARRAY; item = parser.nextToken()) {
            if (item != JsonToken.START_OBJECT) {
              parser.skipChildren(); // not a pod: nothing to read
              continue;
            }
            ObjectNode metadata = null;
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
              boolean isMetadata = "metadata".equals(parser.currentName());
              if (parser.nextToken() == JsonToken.START_OBJECT && isMetadata) {
                metadata = objectWithout(parser, "managedFields");
              } else {
                parser.skipChildren();
              }
            }
            if (metadata != null) {
              action.accept(metadata);
            }
          }
        } else {
          parser.skipChildren();
        }
      }
      if (!"PartialObjectMetadataList".equals(kind)) {
        throw new IOException("expected a PartialObjectMetadataList, got " + (kind == null ? "no kind" : kind));
      }
      return token;
    }
  }

  /** The object the parser is at (on its START_OBJECT) as a tree, without the field {@code skipped}. */
  private static ObjectNode objectWithout(JsonParser parser, String skipped) throws IOException {
    ObjectNode node = JSON.createObjectNode();
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String name = parser.currentName();
      parser.nextToken();
      if (skipped.equals(name)) {
        parser.skipChildren();
      } else {
        node.set(name, JSON.readTree(parser));
      }
    }
    return node;
  }

  /** One page's JSON, inflated when the API server sent it gzip-compressed. */
  private static byte[] metadataPage(KubernetesClient client, String uri) {
    HttpClient http = client.getHttpClient();
    HttpResponse<byte[]> response;
    try {
      // Compressed, as kubectl asks for it: at 10,000 pods a read is some 44 MB of JSON, and every
      // byte that comes is decrypted in Java (bench/RESULTS.md, 2026-12-06).
      response = http.sendAsync(http.newHttpRequestBuilder().uri(uri).header("Accept", METADATA_ONLY)
              .header("Accept-Encoding", "gzip").build(), byte[].class)
          .get(client.getConfiguration().getRequestTimeout() > 0 ? client.getConfiguration().getRequestTimeout() : 60_000,
              TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KubernetesClientException("interrupted while listing pods", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new KubernetesClientException("list pods (cluster-wide): " + e.getMessage(), e);
    }
    byte[] body;
    try {
      body = GzipBodies.inflated(response);
    } catch (IOException e) {
      throw new KubernetesClientException("list pods (cluster-wide): unreadable compressed answer: " + e.getMessage(), e);
    }
    if (response.code() != 200) {
      String text = new String(body, StandardCharsets.UTF_8);
      Status status = null;
      try {
        status = client.getKubernetesSerialization().unmarshal(text, Status.class);
      } catch (RuntimeException notStatus) {
        // not a Status: the code and body say it
      }
      String message = status != null && status.getMessage() != null ? status.getMessage() : text;
      throw new KubernetesClientException("list pods (cluster-wide): HTTP " + response.code() + ": " + message, response.code(), status);
    }
    return body;
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
