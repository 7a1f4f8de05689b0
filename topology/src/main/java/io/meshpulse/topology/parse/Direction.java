package io.meshpulse.topology.parse;

/**
 * Which side of a call the emitting sidecar is on: OUTBOUND (it is the client's proxy, or a gateway),
 * INBOUND (it is the server's proxy), or UNKNOWN when the line does not tell.
 */
public enum Direction { INBOUND, OUTBOUND, UNKNOWN }
