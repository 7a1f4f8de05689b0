package io.meshpulse.ingest.tail;

/**
 * The tailer's transaction was refused as fenced after it had been open for a good part of its timeout: most
 * likely the broker aborted it at the timeout (a broker outage or a broker too slow for the cycle), not another
 * tailer taking over the node. The Kafka client reports both the same way ({@code ProducerFencedException} with
 * transaction version 1, {@code InvalidProducerEpochException} with version 2). Nothing of the transaction was
 * committed: {@link TailRunner} resumes from the committed checkpoints with a new producer, as after any other
 * Kafka failure, instead of stopping as it does when fenced.
 */
final class TransactionExpiredException extends RuntimeException {
    TransactionExpiredException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Whether {@code e} or one of its causes is this exception. */
    static boolean in(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof TransactionExpiredException) return true;
        }
        return false;
    }
}
