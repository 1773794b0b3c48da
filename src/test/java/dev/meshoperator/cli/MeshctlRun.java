package dev.meshoperator.cli;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;

/** meshctl run in-process, as a user would type it, with stdout, stderr and the exit code kept. */
record MeshctlRun(int exitCode, String out, String err) {

  static MeshctlRun of(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Meshctl.execute(new PrintWriter(out), new PrintWriter(err), args);
    return new MeshctlRun(code, out.toString(), err.toString());
  }

  /** With {@code stdin} as standard input, for {@code -f -}. */
  static MeshctlRun withStdin(String stdin, String... args) {
    InputStream saved = System.in;
    System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
    try {
      return of(args);
    } finally {
      System.setIn(saved);
    }
  }

  @Override
  public String toString() {
    return "exit " + exitCode + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
  }
}
