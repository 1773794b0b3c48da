/**
 * The MeshInstall controller: one reconcile is a chain of named steps (conflict check, validate,
 * resolve and render, control plane namespace, apply, prune, readiness, status), each a small class
 * that can be tested on its own. {@link dev.meshoperator.reconcile.MeshInstallReconciler} wires them.
 *
 * <p>Ownership of what is applied:
 * <ul>
 *   <li>Every rendered object carries {@code app.kubernetes.io/managed-by=mesh-operator} and
 *       {@code meshoperator.dev/install=<name>} and an ownerReference to its MeshInstall; pruning and
 *       uninstall find objects by these labels.
 *   <li>Istio's API CRDs are shared by every revision (two installs render identical CRDs), so no
 *       single install owns them: they are applied without ownerReference and without the install
 *       label (labelled {@code meshoperator.dev/shared=true} instead), are never pruned, and are
 *       deleted on uninstall only when {@code spec.components.base.removeOnUninstall} is true and no
 *       other MeshInstall is left.
 *   <li>The control plane namespace is created when missing and then carries the install label; it
 *       is never pruned, and uninstall deletes it only when this install created it and no other
 *       MeshInstall uses it. A namespace the user made is never labelled or deleted.
 *   <li>Where the injector has a webhook configuration, the spec that validated is kept beside it in
 *       the ConfigMap {@code mesh-operator-last-valid-spec[-rev]} (an ordinary rendered object, so
 *       written only when it changes); an invalid spec applies nothing, so it keeps the last valid
 *       one, which the webhook serves meanwhile.
 *   <li>The finalizer stays until nothing labelled with the install is left (terminating objects
 *       count); until then status is Deleting and names each object left and why.
 * </ul>
 */
package dev.meshoperator.reconcile;
