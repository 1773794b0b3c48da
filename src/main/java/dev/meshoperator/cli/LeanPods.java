package dev.meshoperator.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.meshoperator.wiring.GzipBodies;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;

/**
 * The pods of a namespace or of the cluster as {@code meshctl analyze} reads them: the raw list
 * responses, a page at a time, parsed as a stream into {@link Pod}s that hold only the fields
 * analyze looks at ({@link #read}), everything else skipped unparsed. A full pod is some 9 KiB of
 * JSON (managed fields, env, volumes, probes, conditions) and reading all of it into fabric8's model
 * was most of analyze's time at scale. The pages come gzip-compressed when the API server offers it
 * (a tenth of the bytes), and a thread of their own fetches and inflates them a few pages ahead
 * of the parsing, each next page asked for as soon as the previous one has arrived, so that the
 * API server keeps preparing pages meanwhile.
 */
final class LeanPods {
  private LeanPods() {}

  private static final JsonFactory JSON = new JsonFactory();

  /**
   * Every pod of {@code namespace} (null: of every namespace), in the API server's order, pages of
   * {@code pageSize}. API errors come as {@link KubernetesClientException}s carrying the server's
   * Status, as from the typed client; an answer that is not a pod list as a {@link CliException}.
   */
  static Read forEach(KubernetesClient client, String namespace, long pageSize, Consumer<Pod> action) {
    return forEach(client, fetch(client, namespace, pageSize), action);
  }

  /**
   * Starts fetching the pages of {@link #forEach} now, on a thread of its own (they are parsed when
   * forEach is called with them), so that the API server serves them while the caller does other
   * work. {@link Pages#stop} when they are not going to be read.
   */
  static Pages fetch(KubernetesClient client, String namespace, long pageSize) {
    return new Pages(client, base(client, namespace, pageSize), send(client.getHttpClient(), base(client, namespace, pageSize)));
  }

  private static String base(KubernetesClient client, String namespace, long pageSize) {
    return String.valueOf(client.getMasterUrl()).replaceAll("/$", "")
        + (namespace == null ? "/api/v1/pods" : "/api/v1/namespaces/" + namespace + "/pods") + "?limit=" + pageSize;
  }

  /** Pages fetched (and inflated) ahead of the one being parsed. */
  static final int PAGES_AHEAD = 4;

  /**
   * As {@link #forEach(KubernetesClient, String, long, Consumer)}, the pages from {@link #fetch}. Its
   * thread fetches them one after another (each needs the previous one's continue token) and
   * inflates them, up to {@link #PAGES_AHEAD} ahead of the one being parsed here: the API server
   * keeps serving pages while the caller is still busy (with its start, or with a page), and
   * inflating runs beside parsing.
   */
  static Read forEach(KubernetesClient client, Pages fetcher, Consumer<Pod> action) {
    int pages = 0;
    int compressed = 0;
    long received = 0;
    long parsed = 0;
    try {
      for (Page page = fetcher.take(); page != null; page = fetcher.take()) {
        pages++;
        compressed += page.compressed() ? 1 : 0;
        received += page.received();
        parsed += page.json().length;
        page(new ByteArrayInputStream(page.json()), action);
      }
      return new Read(pages, compressed, received, parsed);
    } catch (IOException e) {
      // An answer came, but not a pod list: not a transport failure ("cannot reach the cluster").
      throw CliException.failure("cannot read the pod list from " + String.valueOf(client.getMasterUrl()).replaceAll("/$", "")
          + ": " + ErrorReporter.oneLine(e.getMessage()), "check that the server is a Kubernetes API server", e);
    } finally {
      fetcher.stop(); // an action failed: the pages ahead are not wanted
    }
  }

  /** One page as received: its JSON (inflated), the bytes that came and whether they were gzip. */
  private record Page(byte[] json, long received, boolean compressed) {}

  /** The pages of one list, fetched in order on a thread of its own; failures come in their place. */
  static final class Pages implements Runnable {
    private static final Object END = new Object();
    private final KubernetesClient client;
    private final String base;
    private final BlockingQueue<Object> pages = new ArrayBlockingQueue<>(PAGES_AHEAD);
    private final Thread thread;
    private volatile CompletableFuture<HttpResponse<byte[]>> pending;
    private volatile boolean stopped;

    private Pages(KubernetesClient client, String base, CompletableFuture<HttpResponse<byte[]>> first) {
      this.client = client;
      this.base = base;
      this.pending = first;
      this.thread = new Thread(this, "meshctl-pod-pages");
      thread.setDaemon(true);
      thread.start();
    }

    @Override
    public void run() {
      try {
        while (pending != null && !stopped) {
          HttpResponse<byte[]> response = await(pending);
          pending = null;
          long received = response.body() == null ? 0 : response.body().length;
          boolean compressed = GzipBodies.compressed(response);
          byte[] body = GzipBodies.inflated(response);
          if (!response.isSuccessful()) {
            pages.put(failure(client, response.code(), new String(body, StandardCharsets.UTF_8)));
            return;
          }
          // The whole page is here: ask for the next one (its token leads the page) at once.
          String token = continueToken(body);
          if (token != null && !stopped) {
            pending = send(client.getHttpClient(), base + "&continue=" + URLEncoder.encode(token, StandardCharsets.UTF_8));
          }
          pages.put(new Page(body, received, compressed));
        }
        pages.put(END);
      } catch (InterruptedException e) {
        // stopped
      } catch (IOException | RuntimeException | Error e) {
        try {
          pages.put(e);
        } catch (InterruptedException stopped) {
          // nobody takes it any more
        }
      } finally {
        CompletableFuture<HttpResponse<byte[]>> left = pending;
        if (left != null && stopped) {
          left.cancel(true);
        }
      }
    }

    /** The next page, null after the last; a failure of the fetch where its page would be. */
    private Page take() throws IOException {
      Object next;
      try {
        next = pages.take();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new KubernetesClientException("interrupted while listing pods", e);
      }
      if (next == END) {
        pages.offer(END); // take() after the end stays at the end
        return null;
      }
      if (next instanceof IOException e) {
        throw e;
      }
      if (next instanceof RuntimeException e) {
        throw e;
      }
      if (next instanceof Error e) {
        throw e;
      }
      return (Page) next;
    }

    /** No more pages wanted: the fetch ends, a request under way is cancelled. */
    void stop() {
      stopped = true;
      thread.interrupt();
      CompletableFuture<HttpResponse<byte[]>> left = pending;
      if (left != null) {
        left.cancel(true);
      }
    }
  }

  /** What a {@link #forEach} read: pages, of them gzip-compressed, bytes received and JSON bytes parsed. */
  record Read(int pages, int compressedPages, long bytesReceived, long jsonBytes) {}

  private static CompletableFuture<HttpResponse<byte[]>> send(HttpClient http, String uri) {
    // Compressed, as kubectl asks for it: a tenth of the bytes to decrypt (TLS) and to copy.
    HttpRequest request = http.newHttpRequestBuilder().uri(uri)
        .header("Accept", "application/json").header("Accept-Encoding", "gzip").build();
    return http.sendAsync(request, byte[].class);
  }

  private static HttpResponse<byte[]> await(CompletableFuture<HttpResponse<byte[]>> response) {
    try {
      return response.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KubernetesClientException("interrupted while listing pods", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof KubernetesClientException k) {
        throw k;
      }
      throw new KubernetesClientException(cause.getMessage(), cause);
    }
  }

  private static KubernetesClientException failure(KubernetesClient client, int code, String body) {
    try {
      Status status = client.getKubernetesSerialization().unmarshal(body, Status.class);
      if (status != null && status.getCode() != null) {
        return new KubernetesClientException(status);
      }
    } catch (RuntimeException e) {
      // not a Status: fall through to the bare code
    }
    return new KubernetesClientException(body, code, null);
  }

  /** The list's continue token, null when this is the last page; reads only up to it. */
  static String continueToken(byte[] list) throws IOException {
    String[] token = {null};
    try (JsonParser p = JSON.createParser(list)) {
      expect(p.nextToken(), JsonToken.START_OBJECT, p);
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        if ("metadata".equals(field) && value == JsonToken.START_OBJECT) {
          listMetadata(p, t -> token[0] = t);
          return token[0];
        }
        p.skipChildren();
      }
    }
    return null;
  }

  /** One list response (a PodList): each item to {@code action}. */
  static void page(InputStream in, Consumer<Pod> action) throws IOException {
    page(in, action, t -> {});
  }

  /**
   * One list response (a PodList): each item to {@code action}; a non-empty continue token to
   * {@code onContinue} as soon as it is read.
   */
  static void page(InputStream in, Consumer<Pod> action, Consumer<String> onContinue) throws IOException {
    try (JsonParser p = JSON.createParser(in)) {
      expect(p.nextToken(), JsonToken.START_OBJECT, p);
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        if ("metadata".equals(field) && value == JsonToken.START_OBJECT) {
          listMetadata(p, onContinue);
        } else if ("items".equals(field) && value == JsonToken.START_ARRAY) {
          while (p.nextToken() == JsonToken.START_OBJECT) {
            action.accept(read(p));
          }
        } else {
          p.skipChildren();
        }
      }
    }
  }

  private static void listMetadata(JsonParser p, Consumer<String> onContinue) throws IOException {
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      if (p.nextToken() == JsonToken.VALUE_STRING && "continue".equals(name)) {
        if (!p.getText().isEmpty()) {
          onContinue.accept(p.getText());
        }
      } else {
        p.skipChildren();
      }
    }
  }

  /**
   * One pod, the parser on its START_OBJECT, left on its END_OBJECT. Kept, as fabric8's model
   * would hold them: metadata name, namespace, labels, annotations, deletionTimestamp,
   * ownerReferences (kind, name, controller); spec containers and initContainers (name, image),
   * hostNetwork; status phase. A field absent from the JSON stays as a new model object has it.
   */
  static Pod read(JsonParser p) throws IOException {
    Pod pod = new Pod();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken value = p.nextToken();
      switch (field) {
        case "metadata" -> pod.setMetadata(value == JsonToken.VALUE_NULL ? null : metadata(p));
        case "spec" -> pod.setSpec(value == JsonToken.VALUE_NULL ? null : spec(p));
        case "status" -> pod.setStatus(value == JsonToken.VALUE_NULL ? null : status(p));
        default -> p.skipChildren();
      }
    }
    return pod;
  }

  private static ObjectMeta metadata(JsonParser p) throws IOException {
    ObjectMeta meta = new ObjectMeta();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken value = p.nextToken();
      switch (field) {
        case "name" -> meta.setName(text(p));
        case "namespace" -> meta.setNamespace(text(p));
        case "deletionTimestamp" -> meta.setDeletionTimestamp(text(p));
        case "labels" -> meta.setLabels(value == JsonToken.VALUE_NULL ? null : strings(p));
        case "annotations" -> meta.setAnnotations(value == JsonToken.VALUE_NULL ? null : strings(p));
        case "ownerReferences" -> {
          if (value == JsonToken.VALUE_NULL) {
            meta.setOwnerReferences(null);
          } else {
            List<OwnerReference> refs = new ArrayList<>();
            while (p.nextToken() == JsonToken.START_OBJECT) {
              refs.add(ownerReference(p));
            }
            meta.setOwnerReferences(refs);
          }
        }
        default -> p.skipChildren();
      }
    }
    return meta;
  }

  private static OwnerReference ownerReference(JsonParser p) throws IOException {
    OwnerReference ref = new OwnerReference();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken value = p.nextToken();
      switch (field) {
        case "kind" -> ref.setKind(text(p));
        case "name" -> ref.setName(text(p));
        case "controller" -> ref.setController(value == JsonToken.VALUE_NULL ? null : p.getValueAsBoolean());
        default -> p.skipChildren();
      }
    }
    return ref;
  }

  private static PodSpec spec(JsonParser p) throws IOException {
    PodSpec spec = new PodSpec();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken value = p.nextToken();
      switch (field) {
        case "containers" -> spec.setContainers(value == JsonToken.VALUE_NULL ? null : containers(p));
        case "initContainers" -> spec.setInitContainers(value == JsonToken.VALUE_NULL ? null : containers(p));
        case "hostNetwork" -> spec.setHostNetwork(value == JsonToken.VALUE_NULL ? null : p.getValueAsBoolean());
        default -> p.skipChildren();
      }
    }
    return spec;
  }

  private static List<Container> containers(JsonParser p) throws IOException {
    List<Container> list = new ArrayList<>();
    while (p.nextToken() == JsonToken.START_OBJECT) {
      Container c = new Container();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        p.nextToken();
        switch (field) {
          case "name" -> c.setName(text(p));
          case "image" -> c.setImage(text(p));
          default -> p.skipChildren();
        }
      }
      list.add(c);
    }
    return list;
  }

  private static PodStatus status(JsonParser p) throws IOException {
    PodStatus status = new PodStatus();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      p.nextToken();
      if ("phase".equals(field)) {
        status.setPhase(text(p));
      } else {
        p.skipChildren();
      }
    }
    return status;
  }

  private static Map<String, String> strings(JsonParser p) throws IOException {
    Map<String, String> map = new LinkedHashMap<>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String key = p.currentName();
      p.nextToken();
      map.put(key, text(p));
    }
    return map;
  }

  /** A string value as Jackson's databind reads it into a String field: null for null. */
  private static String text(JsonParser p) throws IOException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.VALUE_NULL) {
      return null;
    }
    if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
      throw new IOException("expected a string at " + p.currentLocation() + ", got " + t);
    }
    return p.getText();
  }

  private static void expect(JsonToken got, JsonToken want, JsonParser p) throws IOException {
    if (got != want) {
      throw new IOException("expected " + want + " at " + p.currentLocation() + ", got " + got);
    }
  }
}
