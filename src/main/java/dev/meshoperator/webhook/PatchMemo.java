package dev.meshoperator.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meshoperator.inject.InjectionSettings;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * The JSON Patches of pods injected before, answered again for pods that are the same. The pods of
 * one ReplicaSet (a Deployment scaled up or rolled out) or one Job reach the webhook alike: the API
 * server calls mutating webhooks before it names a pod from its generateName or gives it a uid, so
 * they differ only in {@code metadata.managedFields} (its timestamps). Their patch is the same,
 * and making it (the pod bound to the model and back, the injection, the diff) is most of an
 * admission's CPU: with the Deployment's JVM options an answer costs the server 0.68 ms of CPU,
 * and 0.30 ms with the patch reused (bench/RESULTS.md, 2026-12-04 21:05).
 *
 * <p>A patch is reused only for the same inputs as the injection's: the same settings instance
 * ({@link RevisionSettings} hands out one per stored version of a MeshInstall, so an edited
 * install starts afresh), the same namespace with the same labels, and the pod's JSON as sent,
 * byte for byte, but for {@code metadata.managedFields}, which the injection never reads. A patch
 * that touches managedFields is not kept. Pods whose JSON is longer than about
 * {@link #MAX_POD_BYTES} are left out (comparing them would cost more than it saves). The patches
 * and pods kept are bounded by {@code maxBytes}; the least recently used go first.
 *
 * <p>A patch is kept for good (up to {@code maxBytes}) the second time its pod's hash is seen
 * within about {@value #SEEN_WINDOW} admissions. Kept at once, patches of pods no two alike (each of
 * another workload, more than the memo holds) came and went with every admission, outlived young
 * collections and filled the serial collector's old generation: p99 35 ms at 1,000/s against 2.6 ms
 * without a memo. Until then a patch is on probation: the last {@value #PROBATION} patches made
 * are held apart, and a pod like one of them is answered with its patch, which is then kept for
 * good. The ReplicaSet controller creates a workload's first pod alone and the next ones right
 * after it succeeded, so the second pod gets the first one's patch; the Bloom filter alone kept only
 * the second's, for the third. An entry stays on probation for {@value #PROBATION} admissions, and
 * under load young collections come about every 180 (JFR at 2,000/s with the Deployment's options:
 * 227 in 20 s), so few are copied once and none should last into the old generation. Thread-safe.
 */
public final class PatchMemo {

  /**
   * What the operator's webhook keeps: about 400 typical pods' patches (a typical patch is 6.4 kB of
   * JSON, 8.5 kB as the base64 the handler keeps and answers with).
   */
  public static final long DEFAULT_BYTES = 4L << 20;
  /** Larger pods are injected afresh each time. */
  static final int MAX_POD_BYTES = 64 << 10;
  /**
   * About how many admissions back a pod's hash is remembered, to keep its patch when it comes
   * again. Fewer than the memo holds (about 400 typical pods at DEFAULT_BYTES): pods that come back
   * only after more others than the memo can hold are never kept, so they cannot make it churn.
   */
  static final int SEEN_WINDOW = 256;
  /**
   * Patches of pods seen once, held for as many admissions after theirs as this (pods of at most
   * MAX_POD_BYTES, not counted against {@code maxBytes}).
   */
  static final int PROBATION = 32;
  /** Per entry beyond its keys' and patch's bytes: the map entry, the key, the arrays' headers. */
  private static final int ENTRY_OVERHEAD = 160;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MANAGED_FIELDS = "managedFields";
  private static final String METADATA = "metadata";
  private static final String MANAGED_FIELDS_PATH = "/" + METADATA + "/" + MANAGED_FIELDS;

  private final long maxBytes;
  private final LinkedHashMap<Key, Kept> patches = new LinkedHashMap<>(64, 0.75f, true);
  /** The last PROBATION patches of pods seen once, oldest first; guarded by {@code patches}. */
  private final LinkedHashMap<Key, Held> probation = new LinkedHashMap<>(64);
  private long bytes;
  /** Hashes seen lately, as a two-probe Bloom filter cleared every SEEN_WINDOW admissions. */
  private final long[] seen = new long[1024];
  private int seenCount;
  private final LongAdder hits = new LongAdder();

  public PatchMemo(long maxBytes) {
    if (maxBytes <= 0) {
      throw new IllegalArgumentException("maxBytes must be positive: " + maxBytes);
    }
    this.maxBytes = maxBytes;
  }

  /** Where a pod's patch would be kept: the injection's inputs but the pod, and the pod's hash. */
  private record Key(InjectionSettings settings, String namespace, Map<String, String> labels, int podHash) {
    @Override
    public int hashCode() {
      return (System.identityHashCode(settings) * 31 + namespace.hashCode()) * 31 + podHash;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && k.podHash == podHash && k.settings == settings && k.namespace.equals(namespace)
          && k.labels.equals(labels);
    }
  }

  /** A patch kept, with the pod's JSON (without managedFields) it belongs to. */
  private record Kept(byte[] pod, byte[] patch) {
    long size(Key key) {
      return pod.length + patch.length + key.namespace().length() * 2L + key.labels().size() * 64L + ENTRY_OVERHEAD;
    }
  }

  /**
   * A patch on probation, with the pod it belongs to as compared (managedFields left out), kept as
   * the request's tree: its JSON is written only if a pod like it comes, not for every pod.
   */
  private record Held(ObjectNode pod, byte[] patch) {}

  /**
   * One admission's look into the memo: {@link #get}, then {@link #answered} if the admission is
   * answered with the patch found, or {@link #put} if there was none.
   */
  final class Lookup {
    private final Key key;
    /** The pod as sent, managedFields left out. */
    private final ObjectNode compared;
    private byte[] pod;
    private boolean tooLarge;

    private Lookup(Key key, ObjectNode compared) {
      this.key = key;
      this.compared = compared;
    }

    /** The JSON of the pod compared, written once; null when longer than MAX_POD_BYTES. */
    private byte[] pod() {
      if (pod == null && !tooLarge) {
        pod = json(compared);
        tooLarge = pod == null;
      }
      return pod;
    }

    /** The patch of the same pod admitted before, or null. */
    byte[] get() {
      Kept kept;
      Held held = null;
      synchronized (patches) {
        kept = patches.get(key);
        if (kept == null) {
          held = probation.get(key);
        }
      }
      if (kept == null && held == null) {
        return null;
      }
      // a patch on probation has its pod's JSON written only now, when a pod like it came
      byte[] before = kept != null ? kept.pod() : json(held.pod());
      if (pod() == null || !Arrays.equals(before, pod)) {
        return null;
      }
      if (held != null) {
        Key k = stored();
        synchronized (patches) {
          if (probation.remove(k, held)) {
            keep(k, new Kept(pod, held.patch()));
          }
        }
      }
      return kept != null ? kept.patch() : held.patch();
    }

    /** The admission was answered with the patch {@link #get} found (counted in {@link #hits}). */
    void answered() {
      hits.increment();
    }

    /**
     * Keeps {@code patch} (the caller must not change it) if the patch leaves managedFields alone:
     * for good if a pod like this one was seen lately, else on probation.
     */
    void put(byte[] patch, ArrayNode ops) {
      boolean again = seenBefore(key.podHash());
      for (JsonNode op : ops) {
        JsonNode path = op.get("path");
        if (path != null && path.asText().startsWith(MANAGED_FIELDS_PATH)) {
          return;
        }
      }
      Key k = stored();
      if (!again) {
        synchronized (patches) {
          probation.put(k, new Held(compared, patch));
          if (probation.size() > PROBATION) {
            Iterator<Key> eldest = probation.keySet().iterator();
            eldest.next();
            eldest.remove();
          }
        }
        return;
      }
      if (pod() == null) {
        return;
      }
      synchronized (patches) {
        probation.remove(k);
        keep(k, new Kept(pod, patch));
      }
    }

    /** The key to store: the namespace's labels copied (the caller's map may change later). */
    private Key stored() {
      return new Key(key.settings(), key.namespace(), Collections.unmodifiableMap(new HashMap<>(key.labels())),
          key.podHash());
    }
  }

  /**
   * Keeps {@code kept} for good unless larger than the bound alone, the least recently used out
   * while over the bound; holding {@code patches}.
   */
  private void keep(Key k, Kept kept) {
    long size = kept.size(k);
    if (size > maxBytes) {
      return;
    }
    Kept before = patches.put(k, kept);
    bytes += size - (before == null ? 0 : before.size(k));
    for (Iterator<Map.Entry<Key, Kept>> it = patches.entrySet().iterator(); bytes > maxBytes && it.hasNext(); ) {
      Map.Entry<Key, Kept> eldest = it.next();
      bytes -= eldest.getValue().size(eldest.getKey());
      it.remove();
    }
  }

  /**
   * The look into the memo for a pod's admission, or null when the pod is not one to look for
   * (namespace or labels unknown, or its JSON longer than about MAX_POD_BYTES). {@code sent} is
   * the pod's JSON as the API server sent it; the caller must not change it afterwards (the memo
   * may hold it, on probation, for the next admissions).
   */
  Lookup lookup(InjectionSettings settings, String namespace, Map<String, String> labels, JsonNode sent) {
    if (settings == null || namespace == null || labels == null || !(sent instanceof ObjectNode pod)) {
      return null;
    }
    ObjectNode compared = withoutManagedFields(pod);
    long[] length = {0};
    int hash = hash(compared, length);
    if (length[0] > MAX_POD_BYTES) {
      return null;
    }
    return new Lookup(new Key(settings, namespace, labels, hash), compared);
  }

  /**
   * The pod without its metadata's managedFields: the pod itself when it has none, else shallow
   * copies of the pod and its metadata (the request's tree is not changed).
   */
  private static ObjectNode withoutManagedFields(ObjectNode sent) {
    if (!(sent.get(METADATA) instanceof ObjectNode meta) || !meta.has(MANAGED_FIELDS)) {
      return sent;
    }
    ObjectNode withoutManaged = JSON.createObjectNode();
    meta.fields().forEachRemaining(f -> {
      if (!f.getKey().equals(MANAGED_FIELDS)) {
        withoutManaged.set(f.getKey(), f.getValue());
      }
    });
    ObjectNode copy = JSON.createObjectNode();
    sent.fields().forEachRemaining(f ->
        copy.set(f.getKey(), f.getKey().equals(METADATA) ? withoutManaged : f.getValue()));
    return copy;
  }

  /**
   * A node's hash (order matters, as in the bytes compared later); adds about its JSON's length to
   * {@code length[0]}, and stops walking once that passes MAX_POD_BYTES.
   */
  private static int hash(JsonNode node, long[] length) {
    if (length[0] > MAX_POD_BYTES) {
      return 0;
    }
    if (node.isObject()) {
      int h = 1;
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        length[0] += field.getKey().length() + 4;
        h = 31 * h + (field.getKey().hashCode() ^ hash(field.getValue(), length));
      }
      return h;
    }
    if (node.isArray()) {
      int h = 2;
      for (JsonNode element : node) {
        length[0] += 1;
        h = 31 * h + hash(element, length);
      }
      return h;
    }
    if (node.isTextual()) {
      length[0] += node.textValue().length() + 2;
      return node.textValue().hashCode();
    }
    length[0] += 8;
    return node.hashCode();
  }

  /** The pod's JSON, or null when longer than MAX_POD_BYTES. */
  private static byte[] json(ObjectNode pod) {
    Bounded out = new Bounded(MAX_POD_BYTES);
    try {
      JSON.writeValue(out, pod);
    } catch (Bounded.Full full) {
      return null;
    } catch (IOException e) {
      throw new IllegalStateException("cannot write a pod's JSON", e);
    }
    return out.toByteArray();
  }

  /** Whether {@code hash} was seen lately; remembers it either way. */
  private boolean seenBefore(int hash) {
    int a = hash & 0xFFFF;
    int b = (hash >>> 16) ^ (hash * 0x9E3779B1 >>> 16);
    synchronized (seen) {
      boolean was = (seen[a >>> 6] & (1L << a)) != 0 && (seen[b >>> 6] & (1L << b)) != 0;
      if (!was) {
        if (++seenCount > SEEN_WINDOW) {
          Arrays.fill(seen, 0L);
          seenCount = 1;
        }
        seen[a >>> 6] |= 1L << a;
        seen[b >>> 6] |= 1L << b;
      }
      return was;
    }
  }

  /** Admissions answered with a kept patch ({@link Lookup#answered}). */
  public long hits() {
    return hits.sum();
  }

  /** Patches kept for good now (not counting those on probation). */
  public int size() {
    synchronized (patches) {
      return patches.size();
    }
  }

  /** Patches on probation now. */
  int onProbation() {
    synchronized (patches) {
      return probation.size();
    }
  }

  /** Bytes kept now, as counted against the bound (pods' JSON, patches and a fixed overhead per entry). */
  public long bytes() {
    synchronized (patches) {
      return bytes;
    }
  }

  /** A byte buffer that gives up past a size. */
  private static final class Bounded extends OutputStream {
    /** Thrown when the buffer would grow past its bound; no stack trace. */
    static final class Full extends IOException {
      private static final long serialVersionUID = 1L;

      Full() {
        super("full", null);
        setStackTrace(new StackTraceElement[0]);
      }

      @Override
      public synchronized Throwable fillInStackTrace() {
        return this;
      }
    }

    private final int limit;
    private byte[] buf = new byte[2048];
    private int count;

    Bounded(int limit) {
      this.limit = limit;
    }

    @Override
    public void write(int b) throws IOException {
      ensure(1);
      buf[count++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      ensure(len);
      System.arraycopy(b, off, buf, count, len);
      count += len;
    }

    private void ensure(int more) throws Full {
      if (count + more > limit) {
        throw new Full();
      }
      if (count + more > buf.length) {
        buf = Arrays.copyOf(buf, Math.min(limit, Math.max(count + more, buf.length * 2)));
      }
    }

    byte[] toByteArray() {
      return Arrays.copyOf(buf, count);
    }
  }
}
