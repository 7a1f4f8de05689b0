package io.meshpulse.model;

/** The called side of a pair: a service FQDN (or external host) and the workload behind it, each null when unknown. */
public record ServiceRef(String namespace, String service, String workload) {}
