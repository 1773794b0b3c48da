package dev.meshoperator.webhook;

import org.junit.jupiter.api.Test;

import java.net.Socket;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

class RotatingKeyManagerTest {

    @Test
    void aliasChosenBeforeRotationStillResolvesToTheMatchingKeyAndChain() {
        IssuedCertificate ca = TestTls.ca("ca");
        ServingIdentity first = TestTls.identity(TestTls.serving(ca));
        ServingIdentity second = TestTls.identity(TestTls.serving(ca));
        AtomicReference<ServingIdentity> current = new AtomicReference<>(first);
        RotatingKeyManager km = new RotatingKeyManager(current::get);

        String alias = km.chooseServerAlias("EC", null, (Socket) null);
        current.set(second);

        assertThat(km.getCertificateChain(alias)[0]).isEqualTo(first.leaf());
        assertThat(km.getPrivateKey(alias)).isEqualTo(first.key());
        String next = km.chooseServerAlias("EC", null, (Socket) null);
        assertThat(next).isNotEqualTo(alias);
        assertThat(km.getCertificateChain(next)[0]).isEqualTo(second.leaf());
    }

    @Test
    void offersNothingForAMismatchedKeyTypeOrWithoutAnIdentity() {
        ServingIdentity ec = TestTls.identity(TestTls.serving(TestTls.ca("ca")));
        AtomicReference<ServingIdentity> current = new AtomicReference<>(ec);
        RotatingKeyManager km = new RotatingKeyManager(current::get);

        assertThat(km.chooseServerAlias("RSA", null, (Socket) null)).isNull();
        assertThat(km.chooseServerAlias("EC_EC", null, (Socket) null)).isNotNull();
        current.set(null);
        assertThat(km.chooseServerAlias("EC", null, (Socket) null)).isNull();
        assertThat(km.getPrivateKey("unknown")).isNull();
    }
}
