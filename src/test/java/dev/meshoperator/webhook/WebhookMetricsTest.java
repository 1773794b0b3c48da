package dev.meshoperator.webhook;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WebhookMetricsTest {

    @Test
    void scrapeShowsIstioNamedSeriesWithReasons() {
        WebhookMetrics metrics = new WebhookMetrics();
        metrics.request();
        metrics.request();
        metrics.success();
        metrics.skipped("host_network");
        metrics.failed(WebhookMetrics.FAILURE_HANDLER_ERROR);
        metrics.recordLatency(Duration.ofMillis(3));

        String text = metrics.scrape();

        assertThat(text)
                .contains("# TYPE sidecar_injection_requests_total counter")
                .contains("sidecar_injection_requests_total 2.0")
                .contains("sidecar_injection_success_total 1.0")
                .contains("sidecar_injection_skip_total{reason=\"host_network\"} 1.0")
                .contains("sidecar_injection_failure_total{reason=\"handler_error\"} 1.0")
                .contains("sidecar_injection_time_seconds_bucket{le=\"0.005\"} 1")
                .contains("sidecar_injection_time_seconds_count 1");
    }

    @Test
    void worksOnAnyRegistryButScrapesOnlyPrometheus() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        WebhookMetrics metrics = new WebhookMetrics(registry);
        metrics.failed("denied");

        assertThat(registry.get("sidecar.injection.failure").tag("reason", "denied").counter().count()).isEqualTo(1.0);
        assertThatThrownBy(metrics::scrape).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void patchesAnsweredFromTheMemoAreCounted() throws Exception {
        WebhookMetrics metrics = new WebhookMetrics();
        PatchMemo memo = new PatchMemo(PatchMemo.DEFAULT_BYTES);
        metrics.patchMemo(memo);
        assertThat(metrics.scrape()).contains("sidecar_injection_patch_reused_total 0.0");

        var kube = dev.meshoperator.inject.KubeJson.serialization();
        var codec = new AdmissionCodec(kube);
        var handler = new InjectionAdmissionHandler(dev.meshoperator.inject.InjectionSettings.defaults(),
                ns -> java.util.Map.of("istio-injection", "enabled"), kube, memo);
        for (int i = 0; i < 4; i++) {
            handler.handle(codec.parseRequest(TestTls.podReview("u" + i).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        }
        assertThat(metrics.scrape()).contains("# TYPE sidecar_injection_patch_reused_total counter")
                .contains("sidecar_injection_patch_reused_total 3.0");
    }
}
