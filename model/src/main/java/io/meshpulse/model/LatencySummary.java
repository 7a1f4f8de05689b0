package io.meshpulse.model;

/** Request duration quantiles in milliseconds, from a mergeable sketch (relative error at most 1%). */
public record LatencySummary(Double p50, Double p90, Double p99) {}
