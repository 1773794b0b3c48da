/**
 * What every pilot-agent needs in its pod, whoever puts it there: the injector (sidecars and
 * injected gateways) and the renderer (the MeshInstall's own gateways). The lowest package of the
 * project besides api/: it imports nothing of ours, so inject/ and render/ can both depend on it.
 */
package dev.meshoperator.proxy;
