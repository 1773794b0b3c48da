package dev.meshoperator.testenv;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks an end-to-end test class that runs against the shared test cluster. Test methods and
 * constructors may take {@link TestCluster}, {@link io.fabric8.kubernetes.client.KubernetesClient}
 * and {@link TestNamespace} parameters; each test method gets a fresh namespace. Tagged {@value #TAG}:
 * failsafe's k3s execution runs only such classes (the others need no cluster and run once, in the
 * kube-testenv execution).
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(KubeTestExtension.class)
@Tag(KubeTest.TAG)
public @interface KubeTest {
  String TAG = "cluster";
}
