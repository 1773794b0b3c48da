package dev.meshoperator.inject;

import java.util.List;

/** Image references for the proxy; Istio's image-type rule (pkg/kube/inject/inject.go updateImageTypeIfPresent). */
final class ProxyImages {
  private ProxyImages() {}

  /** The image types Istio publishes for every tag, as tag suffixes. */
  private static final List<String> KNOWN_TYPES = List.of("distroless", "debug");

  /**
   * {@code hub/proxyv2:1.30.3} with type distroless is {@code hub/proxyv2:1.30.3-distroless}; a
   * known type already on the tag is replaced; type {@code default} means no suffix.
   */
  static String withImageType(String image, String type) {
    int slash = image.lastIndexOf('/');
    int colon = image.lastIndexOf(':');
    if (colon <= slash || image.contains("@")) {
      // no tag to suffix (or a digest): the type cannot be expressed, so the image stays
      return image;
    }
    String tag = image.substring(colon + 1);
    for (String known : KNOWN_TYPES) {
      if (tag.endsWith("-" + known)) {
        tag = tag.substring(0, tag.length() - known.length() - 1);
        break;
      }
    }
    return image.substring(0, colon + 1) + ("default".equals(type) ? tag : tag + "-" + type);
  }
}
