package dev.meshoperator.inject;

import static dev.meshoperator.inject.IstioKeys.*;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Template {@code grpc-simple} (files/grpc-simple.yaml): proxyless gRPC without an agent. An init
 * container writes a gRPC xDS bootstrap pointing at istiod's plaintext port 15010, and every app
 * container is told where it is. No proxy, no capture, no probe rewrite (nothing to rewrite to).
 */
final class GrpcSimpleTemplate implements InjectionTemplate {
  static final String INIT = "grpc-bootstrap-init";
  static final String VOLUME = "grpc-io-proxyless-bootstrap";
  static final String DIR = "/var/lib/grpc/data/";
  /** Istio's template runs the script in busybox:1.28. */
  static final String IMAGE = "busybox:1.28";

  @Override
  public String name() {
    return InjectionTemplates.GRPC_SIMPLE;
  }

  @Override
  public Pod render(TemplateContext ctx) {
    List<Container> apps = new ArrayList<>();
    for (String app : ctx.appNames()) {
      apps.add(new ContainerBuilder().withName(app)
          .withEnv(ProxyContainer.value("GRPC_XDS_BOOTSTRAP", DIR + "bootstrap.json"),
              ProxyContainer.value("GRPC_GO_LOG_VERBOSITY_LEVEL", "99"),
              ProxyContainer.value("GRPC_GO_LOG_SEVERITY_LEVEL", "info"))
          .withVolumeMounts(mount())
          .build());
    }
    return new PodBuilder()
        .withNewMetadata().withAnnotations(Map.of(REWRITE_PROBES, "false")).endMetadata()
        .withNewSpec()
          .withInitContainers(bootstrapInit(ctx))
          .withContainers(apps)
          .addNewVolume().withName(VOLUME).withNewEmptyDir().endEmptyDir().endVolume()
        .endSpec()
        .build();
  }

  private static Container bootstrapInit(TemplateContext ctx) {
    // istiod's plaintext xDS port on the host the CA address names (the revision's istiod, or a remote one)
    String ca = ctx.settings().caAddress();
    String host = ca.contains(":") ? ca.substring(0, ca.lastIndexOf(':')) : ca;
    String script = String.join("\n",
        "NODE_ID=\"sidecar~${INSTANCE_IP}~${POD_NAME}.${POD_NAMESPACE}~" + ctx.settings().clusterDomain() + "\"",
        "SERVER_URI=\"dns:///" + host + ":15010\"",
        "cat > " + DIR + "bootstrap.json <<EOF",
        "{\"xds_servers\": [{\"server_uri\": \"${SERVER_URI}\", \"channel_creds\": [{\"type\": \"insecure\"}],"
            + " \"server_features\": [\"xds_v3\"]}],",
        " \"node\": {\"id\": \"${NODE_ID}\", \"metadata\": {\"GENERATOR\": \"grpc\"}}}",
        "EOF");
    return new ContainerBuilder()
        .withName(INIT)
        .withImage(IMAGE)
        .withCommand("sh", "-c", script)
        .withEnv(ProxyContainer.field("INSTANCE_IP", "status.podIP"),
            ProxyContainer.field("POD_NAME", "metadata.name"),
            ProxyContainer.field("POD_NAMESPACE", "metadata.namespace"))
        .withVolumeMounts(mount())
        .build();
  }

  private static VolumeMount mount() {
    return new VolumeMountBuilder().withName(VOLUME).withMountPath(DIR).build();
  }
}
