/**
 * Glue between what a MeshInstall resolves to ({@code profile}) and the injector's own settings
 * ({@code inject}). It lives apart from both so that inject never learns about profiles, and so
 * that the CLI, the webhook and the operator share one mapping instead of three copies. It also
 * holds what the operator and meshctl share in talking to the API server: the HTTP client
 * ({@link dev.meshoperator.wiring.ApiServerHttpClientFactory}), compressed answers
 * ({@link dev.meshoperator.wiring.GzipBodies}), the apply ({@link dev.meshoperator.wiring.ServerSideApply}) and
 * the kubeconfig's parse ({@link dev.meshoperator.wiring.KubeconfigExtensions}); and their logging
 * ({@link dev.meshoperator.wiring.LogConfigurator}) and what a failed request says ({@link dev.meshoperator.wiring.ApiErrors}).
 */
package dev.meshoperator.wiring;
