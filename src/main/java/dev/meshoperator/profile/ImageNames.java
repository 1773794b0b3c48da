package dev.meshoperator.profile;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The image reference grammar the kubelet's runtime parses (github.com/distribution/reference:
 * regexp.go, and normalize.go's splitDockerDomain), for a hub that images are named under
 * ({@code <hub>/proxyv2:<version>}). The API server does not check an image's name: a pod whose
 * image the runtime cannot parse is admitted and then never starts (InvalidImageName), which for
 * the proxy image means every injected pod.
 */
final class ImageNames {
  /** A path component: lower case letters and digits, with '.', '_', '__' or dashes between them. */
  private static final Pattern PATH_COMPONENT = Pattern.compile("^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$");
  private static final Pattern DOMAIN = Pattern.compile(
      "^(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*"
          + "|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$");
  /** The longest image name (without tag); the longest image named under a hub is {@value #LONGEST_IMAGE}. */
  private static final int NAME_MAX = 255;
  private static final String LONGEST_IMAGE = "install-cni";

  private ImageNames() {}

  /** Why images cannot be named {@code <hub>/<image>}, or empty when they can. */
  static Optional<String> hubProblem(String hub) {
    if (hub == null || hub.isEmpty()) {
      return Optional.of("must not be empty");
    }
    if (hub.length() + 1 + LONGEST_IMAGE.length() > NAME_MAX) {
      return Optional.of("is too long: an image name under it would exceed " + NAME_MAX + " characters");
    }
    String[] parts = hub.split("/", -1);
    for (int i = 0; i < parts.length; i++) {
      String part = parts[i];
      if (part.isEmpty()) {
        return Optional.of("has an empty path component (a leading, doubled or trailing '/')");
      }
      // As the runtime splits a name: the first part names a registry when it has a '.' or a ':', is
      // localhost, or has an upper-case letter; otherwise it is the first path under docker.io.
      boolean registry = i == 0 && (part.contains(".") || part.contains(":") || part.equals("localhost")
          || !part.equals(part.toLowerCase(Locale.ROOT)));
      if (registry) {
        if (!DOMAIN.matcher(part).matches()) {
          return Optional.of("registry '" + part + "' is not a host name or [IPv6 address], with an optional :port");
        }
      } else if (!PATH_COMPONENT.matcher(part).matches()) {
        return Optional.of("path component '" + part + "' must be lower case letters and digits, with '.', '_', '__' or"
            + " '-' between them");
      }
    }
    return Optional.empty();
  }
}
