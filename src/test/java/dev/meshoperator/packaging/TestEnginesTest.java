package dev.meshoperator.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshoperator.testenv.TestClasses;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Each test class belongs to one engine. A class with both jqwik properties and JUnit Jupiter
 * tests is run by both engines, but surefire keeps one report file per class and the second
 * engine's report replaces the first's: target/surefire-reports then shows only part of the
 * class's tests (LayeringTest with a property added: 3 ran, its report said 1). A failing test
 * still fails the build; the reports, which test counts are read from, lose it. So no class may mix
 * the two.
 */
class TestEnginesTest {
  private static final Set<String> JUPITER = Set.of("org.junit.jupiter.api.Test",
      "org.junit.jupiter.params.ParameterizedTest", "org.junit.jupiter.api.RepeatedTest",
      "org.junit.jupiter.api.TestFactory", "org.junit.jupiter.api.TestTemplate");
  private static final Set<String> JQWIK = Set.of("net.jqwik.api.Property", "net.jqwik.api.Example");

  /** The positive control: a class that mixes both (abstract, so that neither engine runs it). */
  abstract static class MixedForControl {
    @Test
    void jupiter() {}

    @net.jqwik.api.Property
    void jqwik() {}
  }

  /** Whether {@code type} declares methods of both engines. */
  static boolean mixesEngines(Class<?> type) {
    boolean jupiter = false;
    boolean jqwik = false;
    for (Method m : type.getDeclaredMethods()) {
      for (Annotation a : m.getDeclaredAnnotations()) {
        String name = a.annotationType().getName();
        jupiter |= JUPITER.contains(name);
        jqwik |= JQWIK.contains(name);
      }
    }
    return jupiter && jqwik;
  }

  @Test
  void noTestClassMixesJqwikPropertiesWithJupiterTests() throws Exception {
    assertThat(mixesEngines(MixedForControl.class)).as("the check sees a mixed class").isTrue();
    assertThat(mixesEngines(TestEnginesTest.class)).as("Jupiter alone").isFalse();

    List<String> names = TestClasses.names();
    ClassLoader loader = TestEnginesTest.class.getClassLoader();
    List<Class<?>> classes = names.stream().<Class<?>>map(n -> load(n, loader)).toList();
    // Both engines are in use here: the scan finds the classes of each.
    assertThat(classes).anyMatch(c -> c.getSimpleName().equals("AdmissionFuzzTest"))
        .anyMatch(c -> c.getSimpleName().equals("PatchMemoPropertyTest"));
    assertThat(classes.stream().filter(c -> c != MixedForControl.class && mixesEngines(c)).map(Class::getName))
        .as("test classes with both jqwik properties and Jupiter tests (split them: one engine per class)")
        .isEmpty();
  }

  private static Class<?> load(String name, ClassLoader loader) {
    try {
      return Class.forName(name, false, loader);
    } catch (ClassNotFoundException | LinkageError e) {
      throw new IllegalStateException("cannot load test class " + name, e);
    }
  }
}
