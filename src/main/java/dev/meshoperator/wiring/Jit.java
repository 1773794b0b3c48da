package dev.meshoperator.wiring;

/** What this JVM's just-in-time compiler does, read once. */
public final class Jit {
  private static final boolean QUICK_ONLY = read();

  private Jit() {}

  /**
   * Whether this JVM compiles with C1 only ({@code -XX:TieredStopAtLevel} below 4), as the
   * operator's Deployment and bin/meshctl run it: no C2, so none of C2's intrinsics either.
   */
  public static boolean quickOnly() {
    return QUICK_ONLY;
  }

  private static boolean read() {
    try {
      var diagnostics = java.lang.management.ManagementFactory.getPlatformMXBean(
          com.sun.management.HotSpotDiagnosticMXBean.class);
      return diagnostics != null
          && Integer.parseInt(diagnostics.getVMOption("TieredStopAtLevel").getValue()) < 4;
    } catch (RuntimeException | LinkageError e) {
      return false;
    }
  }
}
