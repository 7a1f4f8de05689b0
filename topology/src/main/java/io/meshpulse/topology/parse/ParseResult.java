package io.meshpulse.topology.parse;

/** The outcome of parsing one line: a record, or the reason the line is not an access log. */
public sealed interface ParseResult permits ParseResult.Parsed, ParseResult.Rejected {

    record Parsed(AccessLogRecord record) implements ParseResult {}

    record Rejected(String reason) implements ParseResult {}
}
