package dev.meshoperator.webhook;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.BufferRecycler;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meshoperator.inject.KubeJson;
import io.fabric8.kubernetes.api.model.Pod;
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
    /** The mapper behind {@link #serialization} when it is KubeJson's (the fast paths); else null. */
    private final ObjectMapper mapper;

    public AdmissionCodec(KubernetesSerialization serialization) {
        this.serialization = serialization;
        this.mapper = serialization == KubeJson.serialization() ? KubeJson.mapper() : null;
    }

    public AdmissionCodec() {
        this(dev.meshoperator.inject.KubeJson.serialization());
    }

    /**
     * Validates the envelope (apiVersion, kind, request, uid) and returns the request. A pod the
     * one-pass read keeps as JSON ({@link PodRequest}) is read when first asked for; if it cannot be,
     * that call throws {@link MalformedPod} with the exception this method throws for it otherwise.
     *
     * @throws InvalidAdmissionReviewException with a client-safe message; carries the uid when
     *                                         the envelope was sound but the request body was not
     */
    public AdmissionRequest parseRequest(byte[] body) throws InvalidAdmissionReviewException {
        if (mapper != null) {
            AdmissionRequest request = parseWellFormed(body);
            if (request != null) {
                return request;
            }
        }
        return parseChecked(body);
    }

    /**
     * The request of a review as the API server sends it, read in one pass from the bytes, or null
     * for anything else ({@link #parseChecked} then decides, with its messages). Accepts only what
     * {@link #parseChecked} accepts and returns an equal request: the envelope holds apiVersion,
     * kind and request once each and nothing else, both strings as expected, the request an object
     * with a non-blank string uid; the request is read by the same mapping from the same tree. A
     * {@code v1} Pod object is kept as its tree, the request's own JSON ({@link PodRequest}), and read
     * as fabric8's KubernetesDeserializer reads it (tree to Pod) only when asked for: a pod answered
     * from {@link PatchMemo} never is. The whole review never becomes a tree, and the tree-to-review
     * conversion (through a token buffer) is gone.
     */
    private AdmissionRequest parseWellFormed(byte[] body) {
        try (JsonParser p = mapper.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            String apiVersion = null;
            String kind = null;
            ObjectNode request = null;
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                switch (name) {
                    case "apiVersion" -> {
                        if (apiVersion != null || value != JsonToken.VALUE_STRING) {
                            return null;
                        }
                        apiVersion = p.getText();
                    }
                    case "kind" -> {
                        if (kind != null || value != JsonToken.VALUE_STRING) {
                            return null;
                        }
                        kind = p.getText();
                    }
                    case "request" -> {
                        if (request != null || value != JsonToken.START_OBJECT) {
                            return null;
                        }
                        request = (ObjectNode) mapper.readTree(p);
                    }
                    default -> {
                        return null;
                    }
                }
            }
            if (t != JsonToken.END_OBJECT || p.nextToken() != null || !API_VERSION.equals(apiVersion)
                    || !KIND.equals(kind) || request == null) {
                return null;
            }
            JsonNode uid = request.get("uid");
            if (uid == null || !uid.isTextual() || uid.asText().isBlank()) {
                return null;
            }
            JsonNode object = request.get("object");
            if (object == null || !object.isObject() || !"v1".equals(textOf(object.get("apiVersion")))
                    || !"Pod".equals(textOf(object.get("kind")))) {
                return mapper.treeToValue(request, AdmissionRequest.class);
            }
            request.remove("object");
            PodRequest parsed = mapper.treeToValue(request, PodRequest.class);
            parsed.sent(mapper, (ObjectNode) object);
            return parsed;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static String textOf(JsonNode node) {
        return node != null && node.isTextual() ? node.asText() : null;
    }

    /**
     * A pod request as read from the API server's bytes, with the pod's JSON as sent: the object the
     * API server applies the patch to. Its pod is read from that JSON the first time
     * {@link #getObject} is called; a pod that cannot be read is a malformed review, as it is when read
     * at once ({@link #parseChecked}): {@link MalformedPod} says so, with that message and the uid.
     * Equal to the plain request (same properties, no others).
     */
    public static final class PodRequest extends AdmissionRequest {
        private ObjectMapper mapper;
        /** The pod as sent, while the object is the pod read (or to be read) from it; null once another was set. */
        private ObjectNode podJson;

        public PodRequest() {
        }

        private void sent(ObjectMapper mapper, ObjectNode podJson) {
            this.mapper = mapper;
            this.podJson = podJson;
        }

        /** The pod, read from its JSON on the first call. @throws MalformedPod when it cannot be read */
        @Override
        public Object getObject() {
            if (podJson != null && super.getObject() == null) {
                super.setObject(read(podJson, Pod.class));
            }
            return super.getObject();
        }

        @Override
        public void setObject(Object object) {
            podJson = null;
            super.setObject(object);
        }

        /** Whether the pod was read from its JSON (tests). */
        boolean podRead() {
            return podJson != null && super.getObject() != null;
        }

        /**
         * {@code request.object} as the API server sent it (the caller must not change it); null once
         * the object was replaced by another.
         */
        ObjectNode podJson() {
            return podJson;
        }

        /**
         * Throws what {@link #getObject} would when the pod's {@code metadata.managedFields} cannot be
         * read as a pod's. For a pod whose JSON but for its managedFields is that of a pod read before
         * (PatchMemo): it can be read exactly when they can.
         *
         * @throws MalformedPod when they cannot be read
         */
        void checkManagedFields() {
            JsonNode metadata = podJson.get("metadata");
            JsonNode managed = metadata == null ? null : metadata.get("managedFields");
            if (managed != null && !managed.isNull() && super.getObject() == null) {
                read(managed, MANAGED_FIELDS);
            }
        }

        private <T> T read(JsonNode json, Class<T> type) {
            return read(json, mapper.constructType(type));
        }

        private <T> T read(JsonNode json, com.fasterxml.jackson.databind.JavaType type) {
            try {
                return mapper.treeToValue(json, type);
            } catch (IOException | RuntimeException e) {
                throw new MalformedPod(new InvalidAdmissionReviewException(MALFORMED, getUid(), e));
            }
        }
    }

    private static final String MALFORMED = "AdmissionReview request is malformed";
    private static final com.fasterxml.jackson.databind.JavaType MANAGED_FIELDS = KubeJson.mapper().getTypeFactory()
            .constructCollectionType(java.util.List.class, io.fabric8.kubernetes.api.model.ManagedFieldsEntry.class);

    /**
     * A {@link PodRequest}'s pod could not be read when it was asked for: the review is malformed, as
     * {@link #reason()} says (what {@link #parseRequest} throws for it when it reads the pod at once).
     */
    public static final class MalformedPod extends RuntimeException {
        private final InvalidAdmissionReviewException reason;

        MalformedPod(InvalidAdmissionReviewException reason) {
            super(reason.getMessage(), reason, false, false);
            this.reason = reason;
        }

        public InvalidAdmissionReviewException reason() {
            return reason;
        }
    }

    /** The envelope checks on a tree, then the tree converted to the review. */
    private AdmissionRequest parseChecked(byte[] body) throws InvalidAdmissionReviewException {
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
            throw new InvalidAdmissionReviewException(MALFORMED, uid, e);
        }
    }

    /** The AdmissionReview envelope around {@code response}, as JSON bytes. */
    public byte[] writeReview(AdmissionResponse response) {
        if (mapper != null && response instanceof JsonPatchResponse patched && patched.plain()) {
            return writePatchReview(patched);
        }
        // setters, not the builder: it would copy the response (and its patch string) first
        AdmissionReview review = new AdmissionReview();
        review.setApiVersion(API_VERSION);
        review.setKind(KIND);
        review.setResponse(response);
        if (mapper != null) {
            // the serialization's own mapper, straight to UTF-8 bytes (asJson makes a String first)
            try {
                return mapper.writeValueAsBytes(review);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("cannot write an AdmissionReview", e);
            }
        }
        return serialization.asJson(review).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The review of a response that is nothing but uid, allowed, patchType and patch, written as the
     * mapper writes it (same properties, same order, same bytes: AdmissionCodecFastPathTest) but with
     * the patch's base64 copied straight into the output: no base64 String is made and then written
     * (JMH with the quick JIT only: 13 % less time and 10 % less allocation per typical admission;
     * bench/RESULTS.md, 2026-12-04 18:35), and a patch answered again (PatchMemo) is not encoded again.
     * Buffers as the mapper's writeValueAsBytes takes them.
     */
    private byte[] writePatchReview(JsonPatchResponse response) {
        byte[] patch = response.patchBase64;
        BufferRecycler recycler = mapper.getFactory()._getBufferRecycler();
        try (ByteArrayBuilder out = new ByteArrayBuilder(recycler, patch.length + 160)) {
            writePatchReview(response, patch, out);
            return out.getClearAndRelease();
        } finally {
            recycler.releaseToPool();
        }
    }

    private void writePatchReview(JsonPatchResponse response, byte[] patch, ByteArrayBuilder out) {
        try (JsonGenerator g = mapper.getFactory().createGenerator(out, JsonEncoding.UTF8)) {
            g.writeStartObject();
            g.writeStringField("apiVersion", API_VERSION);
            g.writeStringField("kind", KIND);
            g.writeFieldName("response");
            g.writeStartObject();
            g.writeBooleanField("allowed", true);
            g.writeFieldName("patch");
            // base64's alphabet needs no escaping: the bytes go out between quotes as they are
            g.writeRawUTF8String(patch, 0, patch.length);
            g.writeStringField("patchType", response.getPatchType());
            g.writeStringField("uid", response.getUid());
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException("cannot write an AdmissionReview", e);
        }
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
        return new JsonPatchResponse(uid, encodedPatch(jsonPatch));
    }

    /**
     * A JSON Patch as {@link #patch(String, com.fasterxml.jackson.databind.node.ArrayNode)} keeps it:
     * its JSON in base64 (US-ASCII bytes), the form a review carries it in.
     */
    static byte[] encodedPatch(com.fasterxml.jackson.databind.node.ArrayNode jsonPatch) {
        try {
            return Base64.getEncoder().encode(JSON.writeValueAsBytes(jsonPatch));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a JSON Patch", e);
        }
    }

    /**
     * Allowed with a JSON Patch given as {@link #encodedPatch} made it (the caller will not change the
     * bytes); several responses may share them.
     */
    static AdmissionResponse encodedPatch(String uid, byte[] base64) {
        return new JsonPatchResponse(uid, base64);
    }

    /**
     * An allowed response with a JSON Patch that keeps the patch's base64 bytes, so that
     * {@link #writeReview} can copy them straight into the review. Otherwise an AdmissionResponse like
     * any other: its patch (a String) is made the first time it is read, and equal to the plain
     * response's.
     */
    static final class JsonPatchResponse extends AdmissionResponse {
        /** The patch's JSON in base64 (US-ASCII); null once the patch was set to something else. */
        private byte[] patchBase64;

        JsonPatchResponse(String uid, byte[] patchBase64) {
            setUid(uid);
            setAllowed(true);
            setPatchType(PATCH_TYPE_JSON_PATCH);
            this.patchBase64 = patchBase64;
        }

        @Override
        public String getPatch() {
            if (patchBase64 != null && super.getPatch() == null) {
                super.setPatch(new String(patchBase64, StandardCharsets.US_ASCII));
            }
            return super.getPatch();
        }

        @Override
        public void setPatch(String patch) {
            patchBase64 = null;
            super.setPatch(patch);
        }

        /** Nothing set but what the constructor set (handlers may add warnings and the like). */
        boolean plain() {
            return patchBase64 != null && Boolean.TRUE.equals(getAllowed()) && getUid() != null
                    && PATCH_TYPE_JSON_PATCH.equals(getPatchType()) && getStatus() == null
                    && (getAuditAnnotations() == null || getAuditAnnotations().isEmpty())
                    && (getWarnings() == null || getWarnings().isEmpty())
                    && (getAdditionalProperties() == null || getAdditionalProperties().isEmpty());
        }
    }

    /** Refused; {@code code} is HTTP-like (400 for a bad pod, 500 for our own failure). */
    public static AdmissionResponse deny(String uid, int code, String message) {
        return new AdmissionResponseBuilder().withUid(uid).withAllowed(false)
                .withStatus(new StatusBuilder().withStatus("Failure").withCode(code).withMessage(message).build())
                .build();
    }

    /** Whether the response carries a patch (without making the base64 of a built one). */
    public static boolean hasPatch(AdmissionResponse response) {
        return response instanceof JsonPatchResponse built && built.patchBase64 != null || response.getPatch() != null;
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
