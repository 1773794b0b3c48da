package dev.meshoperator.webhook;

import com.sun.net.httpserver.HttpExchange;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/** Reads a request body without ever holding more than the limit in memory. */
final class BoundedBody {

    /** The body exceeds the limit (or declares that it will). */
    static final class TooLargeException extends Exception {
        TooLargeException(String message) {
            super(message);
        }
    }

    private BoundedBody() {
    }

    /** The declared Content-Length, if there is a usable one. */
    static Optional<Long> declaredLength(HttpExchange exchange) {
        String value = exchange.getRequestHeaders().getFirst("Content-Length");
        if (value == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Long.parseLong(value.trim()));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    static byte[] read(HttpExchange exchange, long limit) throws IOException, TooLargeException {
        Optional<Long> declared = declaredLength(exchange);
        // Decide on the header alone so an oversized body is refused before it is transferred.
        if (declared.isPresent() && declared.get() > limit) {
            throw new TooLargeException("request body of " + declared.get() + " bytes exceeds the limit of " + limit);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(declared.orElse(8192L), limit));
        byte[] buffer = new byte[16384];
        long total = 0;
        try (InputStream in = exchange.getRequestBody()) {
            int n;
            while ((n = in.read(buffer)) != -1) {
                total += n;
                if (total > limit) {
                    throw new TooLargeException("request body exceeds the limit of " + limit + " bytes");
                }
                out.write(buffer, 0, n);
            }
        }
        return out.toByteArray();
    }
}
