package io.meshpulse.app.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.meshpulse.ingest.kafka.RawLineProducer;
import io.meshpulse.topology.Names;
import org.junit.jupiter.api.Test;

/** The ingest side writes control records that the topology reads; neither module sees the other's constants. */
class ControlHeadersTest {
    @Test
    void producerAndTopologyAgreeOnTheControlRecords() {
        assertEquals(Names.CONTROL_HEADER, RawLineProducer.CONTROL_HEADER);
        assertEquals(Names.END_OF_INPUT, RawLineProducer.END_OF_INPUT);
        assertEquals(Names.COMMIT_NOW, RawLineProducer.COMMIT_NOW);
        assertEquals(Names.IP_TABLE_SETTLED_HEADER, RawLineProducer.IP_TABLE_SETTLED_HEADER);
        assertEquals(Names.HEARTBEAT, io.meshpulse.ingest.kafka.Heartbeats.HEARTBEAT);
    }
}
