package io.meshpulse.topology.parse;

/** The encoding of an access-log line: Istio's default TEXT layouts, or its JSON encoding. */
public enum LogFormat { TEXT, JSON }
