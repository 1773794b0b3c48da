package dev.meshoperator.reconcile;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.SSABasedGenericKubernetesResourceMatcher;
import java.util.Map;

/**
 * JOSDK's server-side-apply matcher (it keeps only the fields our field manager owns in the live
 * object) with the final comparison made lenient about server normalization, see
 * {@link LenientEquality}. A match means applying would change nothing, so the apply is skipped.
 */
public final class LiveStateMatcher extends SSABasedGenericKubernetesResourceMatcher<HasMetadata> {
  public static final LiveStateMatcher INSTANCE = new LiveStateMatcher();

  private LiveStateMatcher() {}

  @Override
  protected boolean matches(Map<String, Object> actualMap, Map<String, Object> desiredMap,
      HasMetadata actual, HasMetadata desired, Context<?> context) {
    return LenientEquality.equal(actualMap, desiredMap);
  }
}
