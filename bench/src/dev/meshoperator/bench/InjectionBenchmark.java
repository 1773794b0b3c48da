package dev.meshoperator.bench;

import dev.meshoperator.inject.InjectionResult;
import dev.meshoperator.inject.InjectionSettings;
import dev.meshoperator.inject.SidecarInjector;
import dev.meshoperator.webhook.AdmissionCodec;
import dev.meshoperator.webhook.InjectionAdmissionHandler;
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
  private InjectionAdmissionHandler handler;
  private AdmissionCodec codec;
  private byte[] reviewBytes;

  @Setup
  public void setUp() {
    subject = "env1500".equals(pod) ? Fixtures.envHeavyPod(1500) : Fixtures.appPod();
    settings = InjectionSettings.defaults().toBuilder().serverSupportsNativeSidecars(true).build();
    var serialization = dev.meshoperator.inject.KubeJson.serialization();
    handler = new InjectionAdmissionHandler(settings, ns -> Fixtures.injectionNamespaceLabels(), serialization);
    codec = new AdmissionCodec(serialization);
    AdmissionRequest request = Fixtures.podCreate(subject);
    var review = new io.fabric8.kubernetes.api.model.admission.v1.AdmissionReviewBuilder()
        .withApiVersion("admission.k8s.io/v1").withKind("AdmissionReview").withRequest(request).build();
    reviewBytes = serialization.asJson(review).getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  @Benchmark
  public InjectionResult injectOnly() {
    return SidecarInjector.inject(subject, "bookinfo", settings);
  }

  @Benchmark
  public byte[] admissionReviewRoundTrip() throws Exception {
    AdmissionRequest request = codec.parseRequest(reviewBytes);
    return codec.writeReview(handler.handle(request));
  }
}
