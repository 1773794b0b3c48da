package dev.meshoperator.webhook;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * One HTTP answer, independent of the transport: a status, a short text or JSON body, extra
 * headers, and whether the connection must close after it (a refusal sent before the body was
 * read leaves the unread rest in front of the next request).
 */
record Reply(int status, String contentType, byte[] body, Map<String, String> headers, boolean close) {

    static final String TEXT = "text/plain; charset=utf-8";
    static final String JSON = "application/json";

    static Reply text(int status, String message) {
        return new Reply(status, TEXT, (message + "\n").getBytes(StandardCharsets.UTF_8), Map.of(), false);
    }

    static Reply json(byte[] body) {
        return new Reply(200, JSON, body, Map.of(), false);
    }

    Reply withHeader(String name, String value) {
        var all = new java.util.LinkedHashMap<>(headers);
        all.put(name, value);
        return new Reply(status, contentType, body, Map.copyOf(all), close);
    }

    /** The connection closes once this reply is written. */
    Reply closing() {
        return new Reply(status, contentType, body, headers, true);
    }
}
