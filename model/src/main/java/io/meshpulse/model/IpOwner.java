package io.meshpulse.model;

/**
 * Who holds a pod IP, learned from that pod's own access-log lines. Value of the compacted topic
 * {@code meshpulse.ip-owners}, keyed by the IP.
 *
 * @param seenAt the event time (epoch ms) of the line that revealed it; a newer sighting wins
 */
public record IpOwner(String namespace, String workload, String pod, long seenAt) {}
