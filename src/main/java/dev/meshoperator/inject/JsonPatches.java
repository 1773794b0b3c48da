package dev.meshoperator.inject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * RFC 6902 JSON Patch between two documents, as the admission response carries it. Objects are
 * diffed key by key; arrays keep their common head and tail and diff the middle element-wise, so
 * inserting a container yields one "add" rather than a rewrite of every container after it.
 */
public final class JsonPatches {
  private JsonPatches() {}

  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  /** A patch that turns {@code before} into {@code after}; empty when they are equal. */
  public static ArrayNode diff(JsonNode before, JsonNode after) {
    ArrayNode ops = F.arrayNode();
    diff("", before, after, false, ops);
    return ops;
  }

  /**
   * A patch that turns {@code sent}, a pod as the API server wrote it into the admission request,
   * into {@code after}, the model's serialization of the injected pod: what {@link #diff} gives
   * from the model's serialization of {@code sent}, without serializing it. The model's spellings
   * of the values {@code sent} holds are no change: a member that is null in {@code sent} (the
   * API server writes a zero {@code metadata.creationTimestamp} as null; the model drops nulls)
   * or an empty list or object missing from {@code after} (the model drops empty lists and maps)
   * is left alone, as is a number written with another type of the same value (an int where the
   * model writes a long); a null member that {@code after} sets is added, as {@link #diff} adds a
   * member its {@code before} lacks. The patch shares {@code after}'s nodes: write it, do not change it.
   */
  public static ArrayNode diffSent(JsonNode sent, JsonNode after) {
    ArrayNode ops = F.arrayNode();
    diff("", sent, after, true, ops);
    return ops;
  }

  /** @param sent {@code before} is as sent (see {@link #diffSent}) */
  private static void diff(String path, JsonNode before, JsonNode after, boolean sent, ArrayNode ops) {
    if (equal(before, after, sent)) {
      return;
    }
    if (before.isObject() && after.isObject()) {
      diffObjects(path, (ObjectNode) before, (ObjectNode) after, sent, ops);
    } else if (before.isArray() && after.isArray()) {
      diffArrays(path, (ArrayNode) before, (ArrayNode) after, sent, ops);
    } else {
      ops.add(op("replace", path).set("value", copy(after, sent)));
    }
  }

  /** Equal up to the spellings {@link #diffSent} ignores, {@code sent} being the document as sent. */
  private static boolean same(JsonNode sent, JsonNode after) {
    if (sent.isObject() && after.isObject()) {
      int matched = 0;
      for (Iterator<java.util.Map.Entry<String, JsonNode>> it = sent.fields(); it.hasNext(); ) {
        var e = it.next();
        JsonNode other = after.get(e.getKey());
        if (other == null) {
          if (!absentInModel(e.getValue())) {
            return false;
          }
        } else if (!same(e.getValue(), other)) {
          return false;
        } else {
          matched++;
        }
      }
      return matched == after.size();
    }
    if (sent.isArray() && after.isArray()) {
      if (sent.size() != after.size()) {
        return false;
      }
      for (int i = 0; i < sent.size(); i++) {
        if (!same(sent.get(i), after.get(i))) {
          return false;
        }
      }
      return true;
    }
    if (sent.isNumber() && after.isNumber()) {
      return sent.isIntegralNumber() && after.isIntegralNumber()
          ? sent.bigIntegerValue().equals(after.bigIntegerValue())
          : sent.decimalValue().compareTo(after.decimalValue()) == 0;
    }
    return sent.equals(after);
  }

  /** A member the model's serialization leaves out: null, an empty list or map. */
  private static boolean absentInModel(JsonNode value) {
    return value.isNull() || (value.isContainerNode() && value.isEmpty());
  }

  private static JsonNode copy(JsonNode value, boolean sent) {
    return sent ? value : value.deepCopy();
  }

  private static void diffObjects(String path, ObjectNode before, ObjectNode after, boolean sent, ArrayNode ops) {
    List<String> removed = new ArrayList<>();
    before.fields().forEachRemaining(e -> {
      if (!after.has(e.getKey()) && !(sent && absentInModel(e.getValue()))) {
        removed.add(e.getKey());
      }
    });
    for (String name : removed) {
      ops.add(op("remove", path + "/" + escape(name)));
    }
    Iterator<String> names = after.fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      String child = path + "/" + escape(name);
      JsonNode was = before.get(name);
      if (was != null && !(sent && was.isNull())) {
        diff(child, was, after.get(name), sent, ops);
      } else {
        ops.add(op("add", child).set("value", copy(after.get(name), sent)));
      }
    }
  }

  private static void diffArrays(String path, ArrayNode before, ArrayNode after, boolean sent, ArrayNode ops) {
    int nb = before.size();
    int na = after.size();
    int head = 0;
    while (head < nb && head < na && equal(before.get(head), after.get(head), sent)) {
      head++;
    }
    int tail = 0;
    while (tail < nb - head && tail < na - head
        && equal(before.get(nb - 1 - tail), after.get(na - 1 - tail), sent)) {
      tail++;
    }
    int midBefore = nb - head - tail;
    int midAfter = na - head - tail;
    int common = Math.min(midBefore, midAfter);
    // positions below head + common never move, so element-wise diffs there keep valid indices
    for (int i = 0; i < common; i++) {
      diff(path + "/" + (head + i), before.get(head + i), after.get(head + i), sent, ops);
    }
    for (int i = common; i < midAfter; i++) {
      ops.add(op("add", path + "/" + (head + i)).set("value", copy(after.get(head + i), sent)));
    }
    for (int i = common; i < midBefore; i++) {
      // each removal shifts the next surplus element into the same index
      ops.add(op("remove", path + "/" + (head + common)));
    }
  }

  private static boolean equal(JsonNode before, JsonNode after, boolean sent) {
    return sent ? same(before, after) : before.equals(after);
  }

  private static ObjectNode op(String op, String path) {
    return F.objectNode().put("op", op).put("path", path);
  }

  /** RFC 6901: "~" before "/", or "/" would turn into "~01". */
  public static String escape(String key) {
    return key.replace("~", "~0").replace("/", "~1");
  }

  public static String unescape(String token) {
    return token.replace("~1", "/").replace("~0", "~");
  }

  /**
   * Applies add, remove and replace operations to a copy of {@code doc}; enough to prove {@link
   * #diff} right, not a general JSON Patch engine (no move, copy or test).
   *
   * @throws IllegalArgumentException on an operation it does not know or a path that does not exist
   */
  public static JsonNode apply(JsonNode doc, ArrayNode patch) {
    JsonNode root = doc.deepCopy();
    for (JsonNode op : patch) {
      String kind = op.path("op").asText();
      String path = op.path("path").asText();
      JsonNode value = op.get("value");
      if (path.isEmpty()) {
        if (!kind.equals("replace") && !kind.equals("add")) {
          throw new IllegalArgumentException("cannot " + kind + " the root");
        }
        root = value.deepCopy();
        continue;
      }
      int slash = path.lastIndexOf('/');
      JsonNode parent = resolve(root, path.substring(0, slash));
      String last = unescape(path.substring(slash + 1));
      switch (kind) {
        case "add" -> add(parent, last, value.deepCopy(), path);
        case "remove" -> remove(parent, last, path);
        case "replace" -> {
          remove(parent, last, path);
          add(parent, last, value.deepCopy(), path);
        }
        default -> throw new IllegalArgumentException("unsupported op " + kind);
      }
    }
    return root;
  }

  private static JsonNode resolve(JsonNode root, String pointer) {
    JsonNode at = root;
    if (pointer.isEmpty()) {
      return at;
    }
    for (String token : pointer.substring(1).split("/", -1)) {
      String key = unescape(token);
      at = at.isArray() ? at.get(index(key, at.size() - 1, pointer)) : at.get(key);
      if (at == null) {
        throw new IllegalArgumentException("no such path " + pointer);
      }
    }
    return at;
  }

  private static void add(JsonNode parent, String key, JsonNode value, String path) {
    if (parent instanceof ArrayNode a) {
      a.insert(key.equals("-") ? a.size() : index(key, a.size(), path), value);
    } else if (parent instanceof ObjectNode o) {
      o.set(key, value);
    } else {
      throw new IllegalArgumentException("parent of " + path + " is not a container");
    }
  }

  private static void remove(JsonNode parent, String key, String path) {
    if (parent instanceof ArrayNode a) {
      a.remove(index(key, a.size() - 1, path));
    } else if (parent instanceof ObjectNode o) {
      if (!o.has(key)) {
        throw new IllegalArgumentException("no such path " + path);
      }
      o.remove(key);
    } else {
      throw new IllegalArgumentException("parent of " + path + " is not a container");
    }
  }

  private static int index(String key, int max, String path) {
    int i;
    try {
      i = Integer.parseInt(key);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("bad array index in " + path);
    }
    if (i < 0 || i > max) {
      throw new IllegalArgumentException("array index out of range in " + path);
    }
    return i;
  }
}
