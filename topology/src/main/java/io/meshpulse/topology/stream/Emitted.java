package io.meshpulse.topology.stream;

import io.meshpulse.model.DeadLetter;
import io.meshpulse.model.IpOwner;
import io.meshpulse.model.PairWindowStats;

/** What the stage processors emit; the topology routes each kind to its topic. */
public sealed interface Emitted permits Emitted.ToPartials, Emitted.Dead, Emitted.Ip, Emitted.Stats {

    record ToPartials(PartialMsg msg) implements Emitted {}

    record Dead(DeadLetter letter) implements Emitted {}

    record Ip(IpOwner owner) implements Emitted {}

    record Stats(PairWindowStats stats) implements Emitted {}
}
