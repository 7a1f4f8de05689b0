package io.meshpulse.topology.stream;

import io.meshpulse.model.DeadLetter;
import io.meshpulse.model.IpOwner;
import io.meshpulse.model.PairWindowStats;
import java.util.List;
import java.util.Map;

/** What the stage processors emit; the topology routes each kind to its topic. */
public sealed interface Emitted permits Emitted.ToPartials, Emitted.Dead, Emitted.Ip, Emitted.Stats,
        Emitted.Early {

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
    record Early(PairWindowStats stats, Map<String, List<String>> exemplars) implements Emitted {}
}
