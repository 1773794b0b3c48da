package dev.meshoperator.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;
import io.fabric8.kubernetes.client.CustomResource;

/**
 * One installed control plane (one revision) of the mesh. Cluster-scoped because what it installs
 * spans namespaces: cluster RBAC, CRDs, webhook configurations.
 */
@Group(MeshInstall.GROUP)
@Version(MeshInstall.VERSION)
@Kind("MeshInstall")
@Plural("meshinstalls")
@Singular("meshinstall")
@ShortNames("mi")
// The generator sorts printer columns itself (Age lands first); kubectl keeps that order.
@AdditionalPrinterColumn(name = "Profile", jsonPath = ".spec.profile", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Revision", jsonPath = ".spec.revision", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "State", jsonPath = ".status.state", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Version", jsonPath = ".status.appliedVersion", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Active Revision", jsonPath = ".status.activeRevision", type = AdditionalPrinterColumn.Type.STRING, priority = 1)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class MeshInstall extends CustomResource<MeshInstallSpec, MeshInstallStatus> {
  public static final String GROUP = "meshoperator.dev";
  public static final String VERSION = "v1alpha1";
  public static final String CRD_NAME = "meshinstalls." + GROUP;

  @Override
  protected MeshInstallSpec initSpec() {
    return new MeshInstallSpec();
  }
}
