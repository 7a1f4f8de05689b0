package io.meshpulse.model;

/** The calling side of a pair: a workload in a namespace, or (namespace null) a bare caller IP. */
public record WorkloadRef(String namespace, String workload) {}
