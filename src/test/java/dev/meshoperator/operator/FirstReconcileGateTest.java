package dev.meshoperator.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class FirstReconcileGateTest {
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
  private final FirstReconcileGate gate = new FirstReconcileGate(inFlight::get, Duration.ofMillis(500), nanos::get);

  @Test
  void opensAtOnceWhenNothingIsReconcilingAndStaysOpen() {
    assertThat(gate.getAsBoolean()).isTrue();
    inFlight.set(2);
    assertThat(gate.getAsBoolean()).as("later reconciles do not take readiness away").isTrue();
  }

  @Test
  void holdsWhileTheFirstReconcileRunsThenOpensForGood() {
    inFlight.set(1);
    assertThat(gate.getAsBoolean()).isFalse();
    advance(300);
    assertThat(gate.getAsBoolean()).isFalse();
    inFlight.set(0);
    assertThat(gate.getAsBoolean()).isTrue();
    inFlight.set(1);
    advance(10_000);
    assertThat(gate.getAsBoolean()).isTrue();
  }

  @Test
  void opensAfterTheBoundFromWhenItFirstHeldEvenIfTheReconcileGoesOn() {
    inFlight.set(1);
    advance(5_000); // time before the first question does not count
    assertThat(gate.getAsBoolean()).isFalse();
    advance(499);
    assertThat(gate.getAsBoolean()).isFalse();
    advance(1);
    assertThat(gate.getAsBoolean()).isTrue();
    assertThat(gate.getAsBoolean()).isTrue();
  }

  private void advance(long millis) {
    nanos.addAndGet(millis * 1_000_000L);
  }
}
