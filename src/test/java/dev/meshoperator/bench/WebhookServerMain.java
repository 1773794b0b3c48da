package dev.meshoperator.bench;

import dev.meshoperator.inject.InjectionSettings;
import dev.meshoperator.webhook.AdmissionServer;
import dev.meshoperator.webhook.Certificates;
import dev.meshoperator.webhook.InjectionAdmissionHandler;
import dev.meshoperator.webhook.IssuedCertificate;
import dev.meshoperator.webhook.PatchMemo;
import dev.meshoperator.webhook.ServingIdentity;
import dev.meshoperator.webhook.WebhookWarmUp;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReviewBuilder;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The webhook as a process of its own for bench/webhook-load.sh: the real AdmissionServer with the
 * real injection handler (a labelled namespace, default settings), on loopback. Writes into the
 * directory given: {@code ca.pem} (to trust), {@code review.json} (a typical pod's AdmissionReview)
 * and, last, {@code port}. Runs until it is killed.
 *
 * <p>Options (each applied through the builder only when given, so the same main also runs
 * against servers that lack them, for before/after runs): {@code --tls JDK|OPENSSL|AUTO},
 * {@code --pool} (every decision on the decision pool, as before the operator's webhook decided
 * inline; without it the server decides as the operator's does: inline, see
 * AdmissionServer.Builder#inlineDecisions), {@code --inline} (the default; for older commits),
 * {@code --shed-after MILLIS}, {@code --gate SHARE} (the handshake gate's threshold,
 * AdmissionServer.Builder#handshakeBusyShare; 1 turns it off, as before it existed), {@code --kept-bound N}
 * (AdmissionServer.Builder#keptConnectionBound), {@code --open-bound N} (#openConnectionBound),
 * {@code --accept-wait MILLIS} (#acceptWait), {@code --warm-up MILLIS} (the warm-up's budget,
 * default {@link WebhookWarmUp#DEFAULT_BUDGET}, the operator's), {@code --warm-up-requests N} (its request
 * count, default {@link WebhookWarmUp#defaultMaxRequests()}), {@code --no-warm-up} (ready cold, the
 * "before" of bench/warm-start.sh), {@code --threads N} and {@code --queue N} (the decision pool and
 * its queue; defaults: the builder's), {@code --no-memo} (every patch computed: the handler without the
 * operator's {@link PatchMemo}), {@code --distinct N} (also writes {@code distinct/0.json} to
 * {@code distinct/<N-1>.json}: reviews of N pods no two alike; sent in turn with N over 256, the memo
 * never answers).
 *
 * <p>Warms up as the operator does ({@link WebhookWarmUp}: synthetic reviews over loopback TLS, kept
 * out of the admission metrics) and writes {@code port} only once the warm-up has ended, i.e.
 * when the operator's /readyz would answer 200; {@code warm-up} then holds the warm-up's summary.
 */
public final class WebhookServerMain {
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    String tls = null;
    boolean inline = true;
    Long shedAfter = null;
    Double gate = null;
    Integer keptBound = null;
    Integer handshakeSlots = null;
    Integer openBound = null;
    Long acceptWait = null;
    Duration warmUp = WebhookWarmUp.DEFAULT_BUDGET;
    int warmUpRequests = WebhookWarmUp.defaultMaxRequests();
    Integer threads = null;
    Integer queue = null;
    boolean memo = true;
    int distinct = 0;
    for (int i = 1; i < args.length; i++) {
      switch (args[i]) {
        case "--tls" -> tls = args[++i];
        case "--inline" -> inline = true;
        case "--pool" -> inline = false;
        case "--shed-after" -> shedAfter = Long.parseLong(args[++i]);
        case "--gate" -> gate = Double.parseDouble(args[++i]);
        case "--kept-bound" -> keptBound = Integer.parseInt(args[++i]);
        case "--handshake-slots" -> handshakeSlots = Integer.parseInt(args[++i]);
        case "--open-bound" -> openBound = Integer.parseInt(args[++i]);
        case "--accept-wait" -> acceptWait = Long.parseLong(args[++i]);
        case "--warm-up" -> warmUp = Duration.ofMillis(Long.parseLong(args[++i]));
        case "--no-warm-up" -> warmUp = Duration.ZERO;
        case "--warm-up-requests" -> warmUpRequests = Integer.parseInt(args[++i]);
        case "--threads" -> threads = Integer.parseInt(args[++i]);
        case "--queue" -> queue = Integer.parseInt(args[++i]);
        case "--no-memo" -> memo = false;
        case "--distinct" -> distinct = Integer.parseInt(args[++i]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    Files.createDirectories(dir);
    var certs = new Certificates();
    IssuedCertificate ca = certs.createCa("bench-ca", Duration.ofDays(1));
    IssuedCertificate serving = certs.createServing(ca, "localhost", List.of("localhost"), List.of("127.0.0.1"),
        Duration.ofDays(1));
    var identity = new ServingIdentity(serving.key(), List.of(serving.certificate(), ca.certificate()));
    // the serialization the operator's webhook runs with (WebhookRuntime): fabric8's with Blackbird
    var serialization = dev.meshoperator.inject.KubeJson.serialization();
    if (!warmUp.isZero()) {
      WebhookWarmUp.startEarly(warmUp, 400); // as the operator does at its start
    }
    var settings = InjectionSettings.defaults().toBuilder().serverSupportsNativeSidecars(true).build();
    // every patch computed: the warm-up's handler, and the server's with --no-memo
    var computing = new InjectionAdmissionHandler(settings, ns -> Fixtures.injectionNamespaceLabels(), serialization);
    var handler = memo
        ? new InjectionAdmissionHandler(settings, ns -> Fixtures.injectionNamespaceLabels(), serialization,
            new PatchMemo(PatchMemo.DEFAULT_BYTES))
        : computing;
    AdmissionServer.Builder builder = AdmissionServer.builder().handler(handler).identity(() -> identity)
        .bindAddress(InetAddress.getLoopbackAddress()).port(0);
    if (threads != null) {
      builder.threads(threads);
    }
    if (queue != null) {
      builder.queueCapacity(queue);
    }
    if (tls != null) {
      AdmissionServer.Builder.class.getMethod("tlsProvider", String.class).invoke(builder, tls);
    }
    if (inline) {
      AdmissionServer.Builder.class.getMethod("inlineDecisions", boolean.class).invoke(builder, true);
    }
    if (gate != null) {
      AdmissionServer.Builder.class.getMethod("handshakeBusyShare", double.class).invoke(builder, gate);
    }
    if (handshakeSlots != null) {
      builder.handshakeSlots(handshakeSlots);
    }
    if (keptBound != null) {
      AdmissionServer.Builder.class.getMethod("keptConnectionBound", int.class).invoke(builder, keptBound);
    }
    if (acceptWait != null) {
      AdmissionServer.Builder.class.getMethod("acceptWait", Duration.class).invoke(builder, Duration.ofMillis(acceptWait));
    }
    if (openBound != null) {
      AdmissionServer.Builder.class.getMethod("openConnectionBound", int.class).invoke(builder, openBound);
    }
    if (shedAfter != null) {
      AdmissionServer.Builder.class.getMethod("shedAfter", Duration.class).invoke(builder, Duration.ofMillis(shedAfter));
    }
    if (!warmUp.isZero()) {
      // The bench handler has no side effects (fixed namespace labels), so it answers the warm-up too, without
      // the memo as in the operator (WebhookWarmUp.operatorHandler): the warm-up's few sample pods come back
      // every few requests, and answered from a memo they would leave the injection path cold.
      builder.warmUp(new WebhookWarmUp.Plan(computing, warmUp, warmUpRequests));
    }
    try (AdmissionServer server = builder.start()) {
      WebhookWarmUp.Result warmed = server.warmUp().get();
      Files.writeString(dir.resolve("warm-up"), warmUp.isZero() ? "off\n" : warmed.requests() + " requests in "
          + warmed.elapsed().toMillis() + " ms" + (warmed.error() == null ? "" : " (" + warmed.error() + ")") + "\n");
      Files.writeString(dir.resolve("ca.pem"), Certificates.toPem(ca.certificate()));
      byte[] review = serialization.asJson(new AdmissionReviewBuilder().withApiVersion("admission.k8s.io/v1")
          .withKind("AdmissionReview").withRequest(Fixtures.podCreate(Fixtures.appPod())).build())
          .getBytes(StandardCharsets.UTF_8);
      Files.write(dir.resolve("review.json"), review);
      if (distinct > 0) {
        // pods of as many ReplicaSets (each its own owner uid): no two alike
        Files.createDirectories(dir.resolve("distinct"));
        for (int i = 0; i < distinct; i++) {
          Files.write(dir.resolve("distinct").resolve(i + ".json"), serialization.asJson(new AdmissionReviewBuilder()
              .withApiVersion("admission.k8s.io/v1").withKind("AdmissionReview")
              .withRequest(Fixtures.podCreate(Fixtures.appPod())).build()).getBytes(StandardCharsets.UTF_8));
        }
      }
      String provider;
      try {
        provider = (String) AdmissionServer.class.getMethod("tlsProvider").invoke(server);
      } catch (NoSuchMethodException e) {
        provider = "JDK (HttpsServer)";
      }
      Files.writeString(dir.resolve("tls"), provider + "\n");
      Files.writeString(dir.resolve("port.tmp"), Integer.toString(server.port()));
      Files.move(dir.resolve("port.tmp"), dir.resolve("port"));
      System.out.printf("webhook on port %d, TLS %s, review %d bytes%n", server.port(), provider, review.length);
      new java.util.concurrent.CountDownLatch(1).await();
    }
  }
}
