package dev.meshoperator.testenv;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PortsTest {

  @Test
  void portsComeFromBelowTheEphemeralRangeAreBindableAndNotHandedOutTwice() throws Exception {
    int ephemeral = Ports.ephemeralLow();
    Set<Integer> seen = new HashSet<>();
    for (int i = 0; i < 50; i++) {
      int port = Ports.free();
      assertThat(port).isBetween(1024, ephemeral - 1);
      assertThat(seen.add(port)).as("handed out twice: %d", port).isTrue();
    }
    int port = Ports.free();
    try (var socket = new ServerSocket(port)) {
      assertThat(socket.getLocalPort()).isEqualTo(port);
    }
    // control: bind(0) gives a port from the ephemeral range, the one Ports avoids
    try (var socket = new ServerSocket(0)) {
      assertThat(socket.getLocalPort()).isGreaterThanOrEqualTo(ephemeral);
    }
  }
}
