package dev.meshoperator.wiring;

import io.fabric8.kubernetes.client.http.HttpResponse;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/**
 * Answers of the API server asked for with {@code Accept-Encoding: gzip} (as kubectl asks): it
 * compresses large ones, and fabric8's clients hand the bytes over as they came.
 */
public final class GzipBodies {
  private GzipBodies() {}

  /** Whether {@code response} came gzip-compressed. */
  public static boolean compressed(HttpResponse<?> response) {
    return "gzip".equalsIgnoreCase(response.header("Content-Encoding"));
  }

  /** {@code response}'s body, inflated when it came gzip-compressed; empty when there is none. */
  public static byte[] inflated(HttpResponse<byte[]> response) throws IOException {
    byte[] body = response.body() == null ? new byte[0] : response.body();
    if (!compressed(response)) {
      return body;
    }
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(body), 1 << 16)) {
      return in.readAllBytes();
    }
  }
}
