/**
 * Glue between what a MeshInstall resolves to ({@code profile}) and the injector's own settings
 * ({@code inject}). It lives apart from both so that inject never learns about profiles, and so
 * that the CLI, the webhook and the operator share one mapping instead of three copies.
 */
package dev.meshoperator.wiring;
