package dev.meshoperator;

import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.MeshInstallSpec;
import dev.meshoperator.api.Profile;
import dev.meshoperator.api.RemoteSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;

/** Test fixtures: MeshInstalls as a user would write them. */
public final class MeshInstalls {
  public static final String REMOTE_ADDRESS = "192.0.2.10";

  private MeshInstalls() {}

  public static MeshInstall named(String name, Profile profile) {
    MeshInstall install = new MeshInstall();
    install.setMetadata(new ObjectMetaBuilder().withName(name).build());
    MeshInstallSpec spec = new MeshInstallSpec();
    spec.setProfile(profile);
    if (profile == Profile.REMOTE) {
      RemoteSpec remote = new RemoteSpec();
      remote.setAddress(REMOTE_ADDRESS);
      spec.setRemote(remote);
    }
    install.setSpec(spec);
    return install;
  }

  /** The example for a profile: a MeshInstall named after it. */
  public static MeshInstall example(Profile profile) {
    return named(profile.wireName(), profile);
  }
}
