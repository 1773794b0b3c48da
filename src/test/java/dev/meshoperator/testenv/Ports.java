package dev.meshoperator.testenv;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for servers a test starts later (an operator's webhook, its health port), picked below the
 * kernel's ephemeral range. A port the kernel hands out for {@code bind(0)} comes from that range,
 * the one it also takes the local ports of outgoing connections from: between picking it and the
 * server binding it, one of the many connections the tests open could take it (UpgradeIT failed
 * with a BindException that way). Below the range only explicit binds compete.
 */
public final class Ports {
  private static final Set<Integer> GIVEN = ConcurrentHashMap.newKeySet();
  private static final int SPAN = 16_000;

  private Ports() {}

  /** A port nothing listens on now, never handed out before in this JVM. */
  public static int free() {
    int high = ephemeralLow();
    int low = Math.max(1024, high - SPAN);
    for (int attempt = 0; attempt < 500; attempt++) {
      int port = ThreadLocalRandom.current().nextInt(low, high);
      if (!GIVEN.contains(port) && bindable(port) && GIVEN.add(port)) {
        return port;
      }
    }
    try (var socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static boolean bindable(int port) {
    try (var socket = new ServerSocket()) {
      socket.setReuseAddress(false);
      socket.bind(new InetSocketAddress(port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** The first port of the kernel's ephemeral range (32768 where it cannot be read). */
  static int ephemeralLow() {
    // read as a stream: proc files claim a size their content does not have (Files.readString
    // returned "3" of "32768\t60999" here)
    try (var in = Files.newInputStream(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))) {
      String range = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII).trim();
      return Integer.parseInt(range.split("\\s+")[0]);
    } catch (IOException | RuntimeException e) {
      return 32768;
    }
  }
}
