package io.meshpulse.topology.stream;

import io.meshpulse.model.DeadLetter;
import io.meshpulse.model.IpOwner;
import io.meshpulse.model.PairWindowStats;
import java.util.List;
import java.util.Map;

/** What the stage processors emit; the topology routes each kind to its topic. */
public sealed interface Emitted permits Emitted.ToPartials, Emitted.Dead, Emitted.Ip, Emitted.Stats,
        Emitted.Look, Emitted.End {

    record ToPartials(PartialMsg msg) implements Emitted {}

    record Dead(DeadLetter letter) implements Emitted {}

    record Ip(IpOwner owner) implements Emitted {}

    record Stats(PairWindowStats stats) implements Emitted {}

    /**
     * One parsing task's counts of a pair's window, sent once its event time passed the window's end (or, with
     * {@code Settings#earlyEvery()}, a point inside it: then the stats end at that point) by
     * {@code Settings#early()}: a first look for the alerts stage, not a closed window (other tasks add their own,
     * and late lines may still come). Never written to {@code meshpulse.pair.stats}.
     */
    record Early(PairWindowStats stats, Map<String, List<String>> exemplars) implements Look {}

    /** What the parsing tasks send the alerts stage between closed windows: their looks, and how far they got. */
    sealed interface Look extends Emitted permits Early, Looked {}

    /**
     * "Parsing task {@code partition} (of {@code partitions}) has sent all its early looks at points up to
     * {@code point}": sent after them, to every partition of the alerts stage's input, so that the stage can judge
     * a point as soon as every task has looked at it instead of waiting out its settle delay.
     */
    record Looked(long point, int partition, int partitions) implements Look {}

    /**
     * "Every window is out": the end of input reached the pair windows, after the last closed window. Sent only
     * where a later stage runs in the same task ({@code MeshpulseTopology.Wiring#SINGLE_TASK}), with the control
     * header {@code end-of-input}; never written to a topic.
     */
    record End() implements Emitted {}
}
