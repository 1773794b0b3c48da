package dev.meshoperator.inject;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * A template declared in the MeshInstall ({@code spec.sidecarInjector.templates}): a fixed pod
 * fragment laid over the pod. Istio's user templates are Go templates; ours are plain fragments,
 * which covers what they are used for (extra labels, annotations, env, volumes, a container) without
 * running user code in the webhook.
 */
final class UserTemplate implements InjectionTemplate {
  private static final KubernetesSerialization SERIALIZATION = KubeJson.serialization();

  private final String name;
  private final Pod fragment;

  UserTemplate(String name, Pod fragment) {
    this.name = name;
    this.fragment = fragment;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Pod render(TemplateContext ctx) {
    return SERIALIZATION.clone(fragment);
  }
}
