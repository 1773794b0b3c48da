package dev.meshoperator.webhook;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponseBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

/** Reads AdmissionReview requests and writes AdmissionReview responses (admission.k8s.io/v1 only). */
public final class AdmissionCodec {

    public static final String API_VERSION = "admission.k8s.io/v1";
    public static final String KIND = "AdmissionReview";
    public static final String PATCH_TYPE_JSON_PATCH = "JSONPatch";
    /**
     * Audit annotation carrying why a pod was not injected. The API server records it (prefixed
     * with the webhook name) in the audit log, and the server uses it as the metrics skip reason.
     */
    public static final String SKIP_REASON_ANNOTATION = "skip-reason";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final KubernetesSerialization serialization;

    public AdmissionCodec(KubernetesSerialization serialization) {
        this.serialization = serialization;
    }

    public AdmissionCodec() {
        this(dev.meshoperator.inject.KubeJson.serialization());
    }

    /**
     * Validates the envelope (apiVersion, kind, request, uid) and returns the request.
     *
     * @throws InvalidAdmissionReviewException with a client-safe message; carries the uid when
     *                                         the envelope was sound but the request body was not
     */
    public AdmissionRequest parseRequest(byte[] body) throws InvalidAdmissionReviewException {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            throw new InvalidAdmissionReviewException("request body is not valid JSON");
        }
        if (root == null || !root.isObject()) {
            throw new InvalidAdmissionReviewException("request body is not a JSON object");
        }
        String apiVersion = root.path("apiVersion").asText("");
        if (!API_VERSION.equals(apiVersion)) {
            throw new InvalidAdmissionReviewException(
                    "unsupported apiVersion '" + clip(apiVersion) + "', expected " + API_VERSION);
        }
        String kind = root.path("kind").asText("");
        if (!KIND.equals(kind)) {
            throw new InvalidAdmissionReviewException("unsupported kind '" + clip(kind) + "', expected " + KIND);
        }
        JsonNode request = root.get("request");
        if (request == null || !request.isObject()) {
            throw new InvalidAdmissionReviewException("AdmissionReview has no request");
        }
        JsonNode uidNode = request.get("uid");
        if (uidNode == null || !uidNode.isTextual() || uidNode.asText().isBlank()) {
            throw new InvalidAdmissionReviewException("AdmissionReview request has no uid");
        }
        String uid = uidNode.asText();
        try {
            AdmissionReview review = serialization.convertValue(root, AdmissionReview.class);
            return review.getRequest();
        } catch (RuntimeException e) {
            throw new InvalidAdmissionReviewException("AdmissionReview request is malformed", uid, e);
        }
    }

    /** The AdmissionReview envelope around {@code response}, as JSON bytes. */
    public byte[] writeReview(AdmissionResponse response) {
        // setters, not the builder: it would copy the response (and its patch string) first
        AdmissionReview review = new AdmissionReview();
        review.setApiVersion(API_VERSION);
        review.setKind(KIND);
        review.setResponse(response);
        return serialization.asJson(review).getBytes(StandardCharsets.UTF_8);
    }

    /** Reads a response envelope; for tests and for clients such as meshctl. */
    public AdmissionReview readReview(byte[] body) {
        return serialization.unmarshal(new String(body, StandardCharsets.UTF_8), AdmissionReview.class);
    }

    // ---- responses ----

    public static AdmissionResponse allow(String uid) {
        return new AdmissionResponseBuilder().withUid(uid).withAllowed(true).build();
    }

    /** Allowed unchanged, with the reason recorded for the audit log and the skip metric. */
    public static AdmissionResponse skip(String uid, String reason) {
        return new AdmissionResponseBuilder().withUid(uid).withAllowed(true)
                .withAuditAnnotations(Map.of(SKIP_REASON_ANNOTATION, reason))
                .build();
    }

    /**
     * Allowed with a JSON Patch (RFC 6902). The patch must be a JSON array; anything else is a
     * programming error, caught here rather than as a confusing API server rejection.
     */
    public static AdmissionResponse patch(String uid, String jsonPatch) {
        try {
            JsonNode parsed = JSON.readTree(jsonPatch);
            if (parsed == null || !parsed.isArray()) {
                throw new IllegalArgumentException("a JSON Patch must be a JSON array");
            }
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("JSON Patch is not valid JSON", e);
        }
        return new AdmissionResponseBuilder().withUid(uid).withAllowed(true)
                .withPatchType(PATCH_TYPE_JSON_PATCH)
                .withPatch(Base64.getEncoder().encodeToString(jsonPatch.getBytes(StandardCharsets.UTF_8)))
                .build();
    }

    /** Allowed with a JSON Patch already built as a JSON array (not parsed again). */
    public static AdmissionResponse patch(String uid, com.fasterxml.jackson.databind.node.ArrayNode jsonPatch) {
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(jsonPatch);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a JSON Patch", e);
        }
        AdmissionResponse response = new AdmissionResponse();
        response.setUid(uid);
        response.setAllowed(true);
        response.setPatchType(PATCH_TYPE_JSON_PATCH);
        response.setPatch(Base64.getEncoder().encodeToString(bytes));
        return response;
    }

    /** Refused; {@code code} is HTTP-like (400 for a bad pod, 500 for our own failure). */
    public static AdmissionResponse deny(String uid, int code, String message) {
        return new AdmissionResponseBuilder().withUid(uid).withAllowed(false)
                .withStatus(new StatusBuilder().withStatus("Failure").withCode(code).withMessage(message).build())
                .build();
    }

    /** The decoded JSON Patch of a response, if it carries one. */
    public static Optional<String> decodedPatch(AdmissionResponse response) {
        if (response.getPatch() == null) {
            return Optional.empty();
        }
        return Optional.of(new String(Base64.getDecoder().decode(response.getPatch()), StandardCharsets.UTF_8));
    }

    // Never reflect arbitrary amounts of client input back.
    private static String clip(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "...";
    }
}
