/**
 * Sidecar injection as pure functions over fabric8 model objects, shared by the admission webhook,
 * {@code meshctl kube-inject} and {@code meshctl check-inject}. No I/O happens here.
 *
 * <p>Pipeline: {@link dev.meshoperator.inject.InjectionPolicy#decide} (whether, and why) then
 * {@link dev.meshoperator.inject.SidecarInjector#inject} (the injected copy, or every invalid
 * annotation), then {@link dev.meshoperator.inject.JsonPatches#diff} (the admission response's
 * patch). {@link dev.meshoperator.inject.InjectionSettings} is this package's own view of a
 * revision's mesh, so it does not depend on the MeshInstall API types.
 */
package dev.meshoperator.inject;
