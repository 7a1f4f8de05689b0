package io.meshpulse.topology.stream;

import io.meshpulse.topology.stats.PairKey;
import io.meshpulse.topology.stats.WindowCounts;

/**
 * What a parsing task sends to the pair-keyed stage: the partial counts of one pair in one closed window, or a
 * watermark — "task P will send nothing more for windows ending at or before T". Watermarks go to every partition,
 * so each pair-window task knows when all parsing tasks are done with a window: that is what makes a window's
 * count exact however far apart the tasks are in event time.
 */
public sealed interface PartialMsg permits PartialMsg.Partial, PartialMsg.Watermark {

    record Partial(long windowStart, PairKey pair, WindowCounts counts) implements PartialMsg {}

    record Watermark(int task, long closedUpTo) implements PartialMsg {}
}
