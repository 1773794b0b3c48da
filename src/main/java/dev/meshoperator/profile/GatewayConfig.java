package dev.meshoperator.profile;

/** An enabled gateway. {@code name} is the unqualified name; the renderer adds the revision suffix. */
public record GatewayConfig(GatewayKind kind, String name, WorkloadConfig workload) {}
