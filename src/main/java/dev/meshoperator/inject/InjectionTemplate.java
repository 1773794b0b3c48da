package dev.meshoperator.inject;

import io.fabric8.kubernetes.api.model.Pod;

/**
 * One named injection template: renders the pod fragment that is laid over the pod (Istio's
 * {@code inject.istio.io/templates}). A fragment's containers named like an app container patch
 * that container; the others, and its init containers and volumes, are what the template injects
 * and what the status annotation records.
 */
interface InjectionTemplate {
  String name();

  Pod render(TemplateContext ctx);
}
