package dev.meshoperator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshoperator.MeshInstalls;
import dev.meshoperator.api.Profile;
import dev.meshoperator.profile.Profiles;
import dev.meshoperator.render.Renderer;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import java.util.List;
import org.junit.jupiter.api.Test;

class InitialOnlyFieldsTest {
  private final List<HasMetadata> rendered = new Renderer().render(Profiles.resolve(MeshInstalls.example(Profile.DEFAULT)));

  @Test
  void validationWebhooksLoseTheirFailurePolicyForTheRegularApplyAndKeepEverythingElse() {
    ValidatingWebhookConfiguration vwc = rendered.stream().filter(ValidatingWebhookConfiguration.class::isInstance)
        .map(ValidatingWebhookConfiguration.class::cast).findFirst().orElseThrow();
    HasMetadata stripped = InitialOnlyFields.withoutThem(vwc).orElseThrow();

    assertThat(((ValidatingWebhookConfiguration) stripped).getWebhooks()).singleElement().satisfies(w -> {
      assertThat(w.getFailurePolicy()).isNull();
      assertThat(w.getClientConfig().getService().getPath()).isEqualTo("/validate");
    });
    assertThat(vwc.getWebhooks().get(0).getFailurePolicy()).as("the rendered object is not changed").isEqualTo("Ignore");
  }

  @Test
  void otherObjectsHaveNone() {
    assertThat(rendered).filteredOn(o -> !(o instanceof ValidatingWebhookConfiguration))
        .allSatisfy(o -> assertThat(InitialOnlyFields.withoutThem(o)).as(o.getKind()).isEmpty());
    assertThat(InitialOnlyFields.withoutThem(new MutatingWebhookConfiguration())).isEmpty();
  }
}
