package dev.meshoperator.testenv;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The operator's identity as users give it: a ServiceAccount with the RBAC we ship (deploy/, or the
 * Helm chart's rendering), applied with the admin client, and a token minted for it with the
 * TokenRequest API. Clients and kubeconfigs built from it authenticate as that ServiceAccount only
 * (no client certificate), so every request the operator makes is checked against our RBAC.
 */
public final class OperatorIdentity {
  public static final String NAMESPACE = "mesh-operator";
  public static final String SERVICE_ACCOUNT = "mesh-operator";
  private static final long TOKEN_SECONDS = 6 * 3600;

  private final String namespace;
  private final String serviceAccount;
  private final Config config;

  private OperatorIdentity(String namespace, String serviceAccount, Config config) {
    this.namespace = namespace;
    this.serviceAccount = serviceAccount;
    this.config = config;
  }

  /** deploy/'s namespace, ServiceAccount, roles and bindings (00-namespace.yaml, 02-rbac.yaml). */
  public static OperatorIdentity fromDeploy(KubernetesClient admin) {
    Path deploy = Path.of(System.getProperty("mesh.basedir", "."), "deploy");
    List<HasMetadata> objects = new ArrayList<>();
    objects.addAll(load(admin, deploy.resolve("00-namespace.yaml")));
    objects.addAll(load(admin, deploy.resolve("02-rbac.yaml")));
    return of(admin, objects);
  }

  /**
   * Applies {@code objects} (a Namespace, if any, first) and mints a token for their only
   * ServiceAccount. The Namespace is created when missing and awaited when a previous test is
   * still deleting it (uninstall --purge removes deploy/'s namespace).
   */
  public static synchronized OperatorIdentity of(KubernetesClient admin, List<HasMetadata> objects) {
    ServiceAccount sa = objects.stream().filter(ServiceAccount.class::isInstance).map(ServiceAccount.class::cast)
        .reduce((a, b) -> {
          throw new IllegalArgumentException("more than one ServiceAccount among the RBAC objects");
        })
        .orElseThrow(() -> new IllegalArgumentException("no ServiceAccount among the RBAC objects"));
    String ns = sa.getMetadata().getNamespace();
    ensureNamespace(admin, objects.stream().filter(Namespace.class::isInstance).map(Namespace.class::cast)
        .findFirst().orElse(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()));
    for (HasMetadata object : objects) {
      if (!(object instanceof Namespace)) {
        admin.resource(object).fieldManager("mesh-operator-test").forceConflicts().serverSideApply();
      }
    }
    TokenRequest token = admin.serviceAccounts().inNamespace(ns).withName(sa.getMetadata().getName())
        .tokenRequest(new TokenRequestBuilder().withNewSpec().withExpirationSeconds(TOKEN_SECONDS).endSpec().build());
    Config adminConfig = admin.getConfiguration();
    Config config = new ConfigBuilder(Config.empty())
        .withMasterUrl(adminConfig.getMasterUrl())
        .withCaCertData(caCertData(adminConfig))
        .withTrustCerts(adminConfig.isTrustCerts())
        .withOauthToken(token.getStatus().getToken())
        .build();
    return new OperatorIdentity(ns, sa.getMetadata().getName(), config);
  }

  private static void ensureNamespace(KubernetesClient admin, Namespace namespace) {
    String name = namespace.getMetadata().getName();
    admin.namespaces().withName(name).waitUntilCondition(n -> n == null || n.getMetadata().getDeletionTimestamp() == null,
        120, TimeUnit.SECONDS);
    admin.resource(namespace).fieldManager("mesh-operator-test").forceConflicts().serverSideApply();
  }

  private static List<HasMetadata> load(KubernetesClient admin, Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      return admin.load(in).items();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String caCertData(Config config) {
    if (config.getCaCertData() != null) {
      return config.getCaCertData();
    }
    if (config.getCaCertFile() == null) {
      return null;
    }
    try {
      return Base64.getEncoder().encodeToString(Files.readAllBytes(Path.of(config.getCaCertFile())));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** "system:serviceaccount:NS:NAME", the user the API server sees (and kubectl --as takes). */
  public String user() {
    return "system:serviceaccount:" + namespace + ":" + serviceAccount;
  }

  public String namespace() {
    return namespace;
  }

  /** Client configuration: the API server's URL and CA, the ServiceAccount's token, nothing else. */
  public Config config(String userAgent) {
    return new ConfigBuilder(config).withUserAgent(userAgent).build();
  }

  /** A new client authenticated as the ServiceAccount (the caller closes it). */
  public KubernetesClient client(String userAgent) {
    return new KubernetesClientBuilder().withConfig(config(userAgent))
        .withHttpClientFactory(new JdkHttpClientFactory()).build();
  }

  /** A kubeconfig file with the ServiceAccount's token, for {@code meshctl operator --kubeconfig}. */
  public Path writeKubeconfig(Path file) {
    Map<String, Object> cluster = new java.util.LinkedHashMap<>();
    cluster.put("server", config.getMasterUrl());
    if (config.getCaCertData() != null) {
      cluster.put("certificate-authority-data", config.getCaCertData());
    }
    if (config.isTrustCerts()) {
      cluster.put("insecure-skip-tls-verify", true);
    }
    Map<String, Object> kubeconfig = Map.of(
        "apiVersion", "v1",
        "kind", "Config",
        "clusters", List.of(Map.of("name", "test", "cluster", cluster)),
        "users", List.of(Map.of("name", serviceAccount, "user", Map.of("token", config.getOauthToken()))),
        "contexts", List.of(Map.of("name", "operator", "context", Map.of("cluster", "test", "user", serviceAccount))),
        "current-context", "operator");
    try {
      Files.writeString(file, io.fabric8.kubernetes.client.utils.Serialization.asYaml(kubeconfig), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }
}
