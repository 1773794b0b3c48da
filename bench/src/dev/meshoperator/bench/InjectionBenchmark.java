package dev.meshoperator.bench;

import dev.meshoperator.inject.InjectionResult;
import dev.meshoperator.inject.InjectionSettings;
import dev.meshoperator.inject.SidecarInjector;
import dev.meshoperator.webhook.AdmissionCodec;
import dev.meshoperator.webhook.InjectionAdmissionHandler;
import dev.meshoperator.webhook.PatchMemo;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * CPU cost of one injection: the pure mutation alone, and the webhook's whole in-process path
 * (parse the AdmissionReview bytes, decide, inject, diff into a JSON Patch, write the response),
 * for a typical Deployment pod and for a pod of three containers with 1,500 env vars each.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class InjectionBenchmark {
  @Param({"typical", "env1500"})
  public String pod;

  private Pod subject;
  private InjectionSettings settings;
  /** A canary revision in its own namespace with mesh-wide proxyMetadata: PROXY_CONFIG is merged per pod. */
  private InjectionSettings revisionSettings;
  private InjectionAdmissionHandler handler;
  private AdmissionCodec codec;
  private byte[] reviewBytes;
  private InjectionAdmissionHandler memoHandler;
  private byte[][] distinctReviews;
  private int next;

  @Setup
  public void setUp() {
    subject = "env1500".equals(pod) ? Fixtures.envHeavyPod(1500) : Fixtures.appPod();
    settings = InjectionSettings.defaults().toBuilder().serverSupportsNativeSidecars(true).build();
    revisionSettings = settings.toBuilder().controlPlaneNamespace("mesh-cp").revision("canary")
        .proxyMetadata(java.util.Map.of("ISTIO_META_DNS_CAPTURE", "true")).build();
    var serialization = dev.meshoperator.inject.KubeJson.serialization();
    handler = new InjectionAdmissionHandler(settings, ns -> Fixtures.injectionNamespaceLabels(), serialization);
    codec = new AdmissionCodec(serialization);
    AdmissionRequest request = Fixtures.podCreate(subject);
    var review = new io.fabric8.kubernetes.api.model.admission.v1.AdmissionReviewBuilder()
        .withApiVersion("admission.k8s.io/v1").withKind("AdmissionReview").withRequest(request).build();
    reviewBytes = serialization.asJson(review).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    // the operator's handler keeps patches (PatchMemo); its memo holds about 500 typical pods
    memoHandler = new InjectionAdmissionHandler(settings, ns -> Fixtures.injectionNamespaceLabels(), serialization,
        new PatchMemo(PatchMemo.DEFAULT_BYTES));
    // pods of different ReplicaSets (each appPod has its own owner uid), more than the memo keeps
    distinctReviews = new byte["env1500".equals(pod) ? 4 : 2048][];
    for (int i = 0; i < distinctReviews.length; i++) {
      Pod other = "env1500".equals(pod) ? Fixtures.envHeavyPod(1500) : Fixtures.appPod();
      distinctReviews[i] = serialization.asJson(new io.fabric8.kubernetes.api.model.admission.v1.AdmissionReviewBuilder()
          .withApiVersion("admission.k8s.io/v1").withKind("AdmissionReview").withRequest(Fixtures.podCreate(other))
          .build()).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  @Benchmark
  public InjectionResult injectOnly() {
    return SidecarInjector.inject(subject, "bookinfo", settings);
  }

  /** As {@link #injectOnly}, for a revision whose PROXY_CONFIG and env carry the mesh's defaultConfig. */
  @Benchmark
  public InjectionResult injectOnlyRevision() {
    return SidecarInjector.inject(subject, "bookinfo", revisionSettings);
  }

  /** The whole path, every patch computed (no memo). */
  @Benchmark
  public byte[] admissionReviewRoundTrip() throws Exception {
    AdmissionRequest request = codec.parseRequest(reviewBytes);
    return codec.writeReview(handler.handle(request));
  }

  /** The operator's handler, the same pod again (a ReplicaSet's pods): the patch comes from the memo. */
  @Benchmark
  public byte[] admissionReviewRoundTripReplicaPods() throws Exception {
    return codec.writeReview(memoHandler.handle(codec.parseRequest(reviewBytes)));
  }

  /** The operator's handler, each pod unlike the last 2,047 (every lookup misses): what the memo costs. */
  @Benchmark
  public byte[] admissionReviewRoundTripDistinctPods() throws Exception {
    byte[] body = distinctReviews[next];
    next = (next + 1) % distinctReviews.length;
    return codec.writeReview(memoHandler.handle(codec.parseRequest(body)));
  }

  /**
   * The operator's handler, ReplicaSets of three pods one after the other (each pod three times in
   * a row, 2,048 ReplicaSets in turn): what a rollout of many small Deployments costs per pod.
   */
  @Benchmark
  public byte[] admissionReviewRoundTripReplicaSetsOfThree() throws Exception {
    byte[] body = distinctReviews[next / 3];
    next = (next + 1) % (distinctReviews.length * 3);
    return codec.writeReview(memoHandler.handle(codec.parseRequest(body)));
  }
}
