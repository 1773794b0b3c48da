package dev.meshoperator.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A multi-document YAML stream split into its documents, each with the exact text it had, so that
 * the documents meshctl does not change are written back byte for byte (comments, key order,
 * quoting and all). A document is the {@code ---} line that opens it (empty for a first document
 * without one) and the text up to the next such line.
 */
record YamlDocuments(List<YamlDocuments.Document> documents) {
  // A line starting with "---" followed by nothing, a space or a tab. At column 0 this can only
  // be a document marker: block scalar content is always indented.
  private static final Pattern MARKER = Pattern.compile("^---(?:[ \\t].*)?$");

  record Document(String marker, String body) {
    /** True when the body has nothing but blank lines and comments. */
    boolean isEmpty() {
      return body.lines().map(String::strip).allMatch(l -> l.isEmpty() || l.startsWith("#"));
    }

    /**
     * Replaced content. The comment lines that opened the document stay (they usually describe
     * the object); the marker becomes a plain {@code ---}, since it may have held content.
     */
    Document withBody(String newBody) {
      StringBuilder head = new StringBuilder();
      for (String line : body.split("(?<=\n)")) {
        String s = line.strip();
        if (!s.isEmpty() && !s.startsWith("#")) {
          break;
        }
        head.append(line);
      }
      return new Document(marker.isEmpty() ? "" : "---\n", head + (newBody.endsWith("\n") ? newBody : newBody + "\n"));
    }

    String text() {
      return marker + body;
    }
  }

  YamlDocuments {
    documents = List.copyOf(documents);
  }

  static YamlDocuments parse(String text) {
    List<Document> docs = new ArrayList<>();
    String marker = "";
    StringBuilder body = new StringBuilder();
    int start = 0;
    while (start < text.length()) {
      int nl = text.indexOf('\n', start);
      int end = nl < 0 ? text.length() : nl + 1;
      String line = text.substring(start, end);
      String bare = line.endsWith("\n") ? line.substring(0, line.length() - 1) : line;
      if (bare.endsWith("\r")) {
        bare = bare.substring(0, bare.length() - 1);
      }
      if (MARKER.matcher(bare).matches()) {
        if (!marker.isEmpty() || body.length() > 0) {
          docs.add(new Document(marker, body.toString()));
        }
        marker = line;
        body.setLength(0);
      } else {
        body.append(line);
      }
      start = end;
    }
    if (!marker.isEmpty() || body.length() > 0) {
      docs.add(new Document(marker, body.toString()));
    }
    return new YamlDocuments(docs);
  }

  YamlDocuments replace(int index, Document document) {
    List<Document> copy = new ArrayList<>(documents);
    copy.set(index, document);
    return new YamlDocuments(copy);
  }

  String text() {
    StringBuilder out = new StringBuilder();
    for (Document d : documents) {
      // A marker line without a newline (file ending in "---") still needs one before a body.
      if (!d.marker().isEmpty() && !d.marker().endsWith("\n") && !d.body().isEmpty()) {
        out.append(d.marker()).append('\n').append(d.body());
      } else {
        out.append(d.text());
      }
    }
    return out.toString();
  }
}
