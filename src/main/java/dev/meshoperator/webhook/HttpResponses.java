package dev.meshoperator.webhook;

import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** Small, uniform replies: a status and a short text or JSON body, nothing else. */
final class HttpResponses {
    private HttpResponses() {
    }

    static void text(HttpExchange exchange, int status, String message) throws IOException {
        if (status >= 400) {
            // Refusals come before the request body is read: close rather than let an unread body
            // sit in front of the next request on a kept-alive connection.
            exchange.getResponseHeaders().set("Connection", "close");
        }
        send(exchange, status, "text/plain; charset=utf-8", (message + "\n").getBytes(StandardCharsets.UTF_8));
    }

    static void json(HttpExchange exchange, int status, byte[] body) throws IOException {
        send(exchange, status, "application/json", body);
    }

    static void send(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }
}
