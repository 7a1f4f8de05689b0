package io.meshpulse.ingest.poll;

/** A source read by polling: each call reads what is new since the checkpoint and says what the next one is. */
public interface Poller {

    /** The source's kind, the {@code source} tag of the ingest metrics: {@code prometheus}, {@code log-analytics}. */
    String source();

    /**
     * Reads what is new since {@code checkpoint} (null on the very first poll).
     *
     * @throws PollException when the source could not be read; nothing was consumed and the same checkpoint
     *                       will be offered again
     */
    Batch poll(String checkpoint);
}
