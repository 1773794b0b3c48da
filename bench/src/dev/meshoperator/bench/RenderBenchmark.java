package dev.meshoperator.bench;

import dev.meshoperator.api.MeshInstallSpec;
import dev.meshoperator.api.Profile;
import dev.meshoperator.profile.Profiles;
import dev.meshoperator.render.Renderer;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** What one reconcile spends rendering: resolve the demo profile and build every object. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class RenderBenchmark {
  private MeshInstallSpec spec;
  private Renderer renderer;

  @Setup
  public void setUp() {
    spec = new MeshInstallSpec();
    spec.setProfile(Profile.DEMO);
    renderer = new Renderer();
  }

  @Benchmark
  public List<HasMetadata> resolveAndRenderDemo() {
    return renderer.render(Profiles.resolve("bench", spec));
  }
}
