/**
 * The operator process, its composition root: the MeshInstall controller ({@code reconcile}), the
 * injection webhook and its certificates ({@code webhook}) and health, wired onto one client.
 * {@link dev.meshoperator.operator.OperatorMain} is the entry point of {@code target/mesh-operator.jar}
 * (the image's jar); {@code meshctl operator} runs the same process with the same options. Nothing
 * here imports {@code cli} or {@code localcluster}: the operator's jar carries neither.
 */
package dev.meshoperator.operator;
