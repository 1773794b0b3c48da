package dev.meshoperator.wiring;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.http.TlsVersion;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;

class ApiServerHttpClientFactoryTest {

  @Test
  void chachaSuitesGoFirstAndTheOthersKeepTheirOrder() {
    assertThat(ApiServerHttpClientFactory.chachaFirst(new String[] {"TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256",
        "TLS_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"}))
        .containsExactly("TLS_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
  }

  @Test
  void theSameSuitesAreOfferedOnlyReorderedWithTheConfiguredVersions() throws Exception {
    Config config = new ConfigBuilder().withMasterUrl("https://127.0.0.1:1").withTlsVersions(TlsVersion.TLS_1_2).build();
    var parameters = new ApiServerHttpClientFactory(config, true).parameters();
    List<String> jdk = List.of(SSLContext.getDefault().getDefaultSSLParameters().getCipherSuites());
    assertThat(parameters.getCipherSuites()).containsExactlyInAnyOrderElementsOf(jdk);
    assertThat(parameters.getCipherSuites()[0]).contains("CHACHA20");
    assertThat(parameters.getProtocols()).containsExactly("TLSv1.2");
  }

  @Test
  void offersChachaFirstOnlyWhenTheJvmHasNoC2() {
    Config config = new ConfigBuilder().withMasterUrl("https://127.0.0.1:1").build();
    assertThat(new ApiServerHttpClientFactory(config).chachaFirst()).isEqualTo(Jit.quickOnly());
  }
}
