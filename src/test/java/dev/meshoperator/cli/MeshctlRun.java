package dev.meshoperator.cli;

import dev.meshoperator.testenv.Ports;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

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


  /** A kubeconfig in {@code dir} whose only cluster is https://127.0.0.1:{@code port}. */
  static Path unreachableKubeconfig(Path dir, int port) throws IOException {
    Path file = dir.resolve("kubeconfig");
    Files.writeString(file, """
        apiVersion: v1
        kind: Config
        clusters:
        - name: gone
          cluster: {server: "https://127.0.0.1:%d", insecure-skip-tls-verify: true}
        users:
        - name: u
          user: {token: abc}
        contexts:
        - name: gone
          context: {cluster: gone, user: u}
        current-context: gone
        """.formatted(port));
    return file;
  }

  @Override
  public String toString() {
    return "exit " + exitCode + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
  }
}
