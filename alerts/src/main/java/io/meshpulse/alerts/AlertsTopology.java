package io.meshpulse.alerts;

import io.meshpulse.alerts.catalog.Catalog;
import io.meshpulse.alerts.detect.BurnState;
import io.meshpulse.alerts.detect.PairState;
import io.meshpulse.alerts.stream.AlertNames;
import io.meshpulse.alerts.stream.AlertsStage;
import io.meshpulse.alerts.stream.Observation;
import io.meshpulse.alerts.stream.ObservationSerde;
import io.meshpulse.model.Alert;
import io.meshpulse.model.PairWindowStats;
import io.meshpulse.model.Topics;
import io.meshpulse.topology.MeshpulseTopology;
import io.meshpulse.topology.Names;
import io.meshpulse.topology.stream.JsonSerde;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.KStream;

/**
 * The alerts sub-topology, attached to the spine's stream of closed pair windows:
 *
 * <pre>
 * closed windows (pair key) ─▶ alerts-exemplars (reads pair-exemplars, same task)
 *   ─▶ merged with early looks (live: windows past their end, before the grace) ─▶ re-key by destination namespace ─▶ repartition alerts-by-destination-namespace
 *   ─▶ alerts-detect (stores alerts-pending, alerts-pair-state, alerts-burn, alerts-current)
 *   ─▶ meshpulse.alerts (key fingerprint, value Alert JSON)
 * </pre>
 */
public final class AlertsTopology {
    public static final Serde<Alert> ALERT_SERDE = new JsonSerde<>(Alert.class);
    public static final Serde<Observation> OBSERVATION_SERDE = new ObservationSerde();
    public static final Serde<PairState> PAIR_STATE_SERDE = new JsonSerde<>(PairState.class);
    public static final Serde<BurnState> BURN_SERDE = new JsonSerde<>(BurnState.class);

    private AlertsTopology() {}

    /**
     * @param exemplarsStore the name of the spine's exemplar window store ({@link Names#PAIR_EXEMPLARS_STORE}) when
     *                       the spine registers it, or null: alerts then carry no example lines and infer causes
     *                       from counts alone
     */
    public static KStream<String, Alert> addTo(StreamsBuilder builder, KStream<String, PairWindowStats> stats,
                                               Topics topics, AlertSettings settings, String exemplarsStore) {
        return AlertsStage.addTo(builder, stats, topics, settings, Catalog.load(), exemplarsStore);
    }

    /**
     * Attached to the whole spine: closed windows, and the early looks that let an alert fire before a window's
     * grace has passed (when the spine sends them, see {@code Settings#early}).
     */
    public static KStream<String, Alert> addTo(StreamsBuilder builder, MeshpulseTopology.Spine spine, Topics topics,
                                               AlertSettings settings) {
        return AlertsStage.addTo(builder, spine.windows(), spine.early(), spine.ends(), topics, settings,
                Catalog.load(), Names.PAIR_EXEMPLARS_STORE);
    }

    /** Same, with the spine's exemplar store. */
    public static KStream<String, Alert> addTo(StreamsBuilder builder, KStream<String, PairWindowStats> stats,
                                               Topics topics, AlertSettings settings) {
        return addTo(builder, stats, topics, settings, Names.PAIR_EXEMPLARS_STORE);
    }

    public static String currentStore() {
        return AlertNames.CURRENT_STORE;
    }
}
