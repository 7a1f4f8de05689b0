package io.meshpulse.alerts.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshpulse.model.Alert;
import io.meshpulse.model.LatencySummary;
import io.meshpulse.model.PairWindowStats;
import io.meshpulse.model.ServiceRef;
import io.meshpulse.model.Times;
import io.meshpulse.model.WorkloadRef;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Live, an early look can fire an alert on window W while the closed windows before W (still inside the grace
 * when W ended) are decided only afterwards. Those older windows were clean, but they are not evidence that the
 * failure that began in W is over: they must not resolve the alert.
 */
class AlertsProcessorEarlyTest {
    private static final String PAIR = "source|web/frontend|store/cart.store.svc.cluster.local";
    private static final long T0 = StageDriver.T0;
    private static final long SIZE = StageDriver.SIZE;

    private final StageDriver stage = new StageDriver();

    private static Observation window(int index, long requests, long uc, boolean early) {
        long ws = T0 + index * SIZE;
        Map<String, Long> byClass = new TreeMap<>();
        if (requests > uc) byClass.put("NONE", requests - uc);
        if (uc > 0) byClass.put("UC", uc);
        Map<String, Long> byCode = new TreeMap<>();
        if (requests > uc) byCode.put("2xx", requests - uc);
        if (uc > 0) byCode.put("5xx", uc);
        PairWindowStats s = new PairWindowStats(Times.rfc3339(ws), Times.rfc3339(ws + SIZE), "source",
                new WorkloadRef("web", "frontend"), new ServiceRef("store", "cart.store.svc.cluster.local", "cart"),
                requests, uc, 1.0 - (double) uc / requests, byClass, byCode, new LatencySummary(2.0, 4.0, 8.0), 0, 0);
        return new Observation(PAIR, s, Map.of(), early);
    }

    /** A look inside window {@code index}, {@code seconds} into it: a window from its start to that point. */
    private static Observation look(int index, long seconds, long requests, long uc) {
        Observation w = window(index, requests, uc, true);
        PairWindowStats s = w.stats();
        long ws = T0 + index * SIZE;
        PairWindowStats cut = new PairWindowStats(s.windowStart(), Times.rfc3339(ws + seconds * 1000), s.reporter(),
                s.source(), s.destination(), s.requests(), s.failures(), s.successRatio(), s.byClass(),
                s.byCodeClass(), s.latencyMs(), s.bytesSent(), s.bytesReceived());
        return new Observation(PAIR, cut, Map.of(), true);
    }

    private void send(Observation o) {
        stage.send(o);
    }

    private List<Alert> settle() {
        return stage.settle();
    }

    /**
     * A firing alert is sent again (same fingerprint, still firing) when its severity, diagnosis or evidence changes
     * or its ratio grows by half, and not for windows that change nothing.
     */
    @Test
    void aFailureThatGrowsIsUpdatedOnceAndNotForEveryWindow() {
        for (int i = 0; i < 10; i++) {
            send(window(i, 50, 0, false));
            settle();
        }
        send(window(10, 50, 8, false)); // 16 %: fires, as a warning
        List<Alert> fired = uc(settle());
        assertEquals(1, fired.size(), fired.toString());
        assertEquals("warning", fired.get(0).severity());
        send(window(11, 50, 9, false)); // 18 %: nothing new to say
        assertEquals(List.of(), uc(settle()));
        send(window(12, 50, 28, false)); // 56 %: more than half again as much, and critical now
        List<Alert> grown = uc(settle()); // (the burn rate of cart fires too)
        assertEquals(1, grown.size(), grown.toString());
        Alert u = grown.get(0);
        assertEquals(Alert.FIRING, u.status());
        assertEquals(fired.get(0).fingerprint(), u.fingerprint());
        assertEquals(fired.get(0).startsAt(), u.startsAt());
        assertEquals("critical", u.severity());
        assertEquals(0.56, u.observed().failureRatio(), 1e-9);
        send(window(13, 50, 27, false)); // 54 %: measured against the 56 % sent, nothing new
        assertEquals(List.of(), uc(settle()));
        for (int i = 14; i <= 16; i++) {
            send(window(i, 50, 0, false));
            settle();
        }
        Alert last = stage.current(u.fingerprint());
        assertEquals(Alert.RESOLVED, last.status());
        assertEquals("critical", last.severity(), "the resolution carries what was last sent");
    }

    private static List<Alert> uc(List<Alert> alerts) {
        return alerts.stream().filter(a -> a.failureClass().equals("UC")).toList();
    }

    /**
     * When a late punctuation (or a replay) finds a pair's closed windows and a newer window's early look due at
     * once, the closed ones are decided first: they are the pair's history, and the early look judges against it.
     * Fifteen percent of 40 calls is a clear change on a pair with 400 clean calls behind it, and too little to
     * tell on a pair with none.
     */
    @Test
    void anEarlyLookIsJudgedAgainstTheClosedWindowsDueWithIt() {
        for (int i = 0; i < 10; i++) send(window(i, 40, 0, false));
        send(window(10, 40, 6, true));
        List<Alert> fired = uc(settle());
        assertEquals(1, fired.size(), "fired from the early look, against the history: " + fired);
        assertEquals(Times.rfc3339(T0 + 10 * SIZE), fired.get(0).observed().windowStart());
    }

    /**
     * Live, a window closes a grace (half a minute) after its end, so when a look at window W comes, the pair's last
     * three or four windows are known only from their own looks. The look meets the state W's closing will meet:
     * those windows count as history. A thin pair (16 calls a window) whose 5 of 16 calls fail in W is paged on the
     * look at W, as a replay of the same windows (all closed) pages on W's closing; without those windows the
     * history is too short to tell 5 of 16 from the pair's usual, and the look waits for more evidence.
     */
    @Test
    void aLookIsJudgedWithTheWindowsSinceTheLastClosedOneAsTheirLooksSawThem() {
        for (int i = 0; i < 8; i++) {
            send(window(i, 16, 0, false));
            settle();
        }
        for (int i = 8; i < 12; i++) { // still in their grace: only looked at
            send(window(i, 16, 0, true));
            assertEquals(List.of(), uc(settle()));
        }
        send(window(12, 16, 5, true));
        List<Alert> fired = uc(settle());
        assertEquals(1, fired.size(), "fired on the look at window 12: " + fired);
        assertEquals(Times.rfc3339(T0 + 12 * SIZE), fired.get(0).observed().windowStart());

        StageDriver closed = new StageDriver(); // the same windows, all closed, as a replay has them
        for (int i = 0; i < 12; i++) {
            closed.send(window(i, 16, 0, false));
            closed.settle();
        }
        closed.send(window(12, 16, 5, false));
        List<Alert> replayed = uc(closed.settle());
        assertEquals(1, replayed.size(), "fired on window 12 closed: " + replayed);

        StageDriver unseen = new StageDriver(); // the same look with windows 8-11 unseen: too little history
        for (int i = 0; i < 8; i++) {
            unseen.send(window(i, 16, 0, false));
            unseen.settle();
        }
        unseen.send(window(12, 16, 5, true));
        assertEquals(List.of(), uc(unseen.settle()));
    }

    /**
     * Live, every parsing task marks each point it has sent its looks at. Once all have, the looks at that point are
     * complete: the stage judges them at once instead of after its settle delay (3 s of wall clock, checked once a
     * second), and commits the alert at once instead of at the next commit interval.
     */
    @Test
    void aPointEveryParsingTaskHasMarkedIsJudgedAtOnceAndItsAlertCommitted() {
        long middle = settledHistoryThenALookAtTheMiddleOfWindow10();
        send(look(11, 5, 20, 12)); // a later point's look, which no mark covers yet
        assertEquals(List.of(), stage.mark(middle, 0, 2), "task 1 of 2 has not looked at the point yet");
        assertFalse(stage.commitRequested());
        assertEquals(List.of(), stage.mark(middle - 5_000, 1, 2), "nor has it here");
        List<Alert> fired = uc(stage.mark(middle, 1, 2));
        assertEquals(1, fired.size(), "both tasks have looked: judged now, no wall-clock time passed");
        assertEquals(Times.rfc3339(middle), fired.get(0).observed().windowEnd());
        assertTrue(stage.commitRequested(), "and out at once");
        // A mark that decides nothing new asks for no commit.
        assertEquals(List.of(), stage.mark(middle, 0, 2));
        assertFalse(stage.commitRequested());
        // Task 0 restarted and forgot nothing, but the stage did not hear from task 1 past the middle: the look at
        // window 11 waits, then its settle delay decides it (the UC alert already fires: nothing new is sent).
        assertEquals(List.of(), stage.mark(T0 + 11 * SIZE + 5_000, 0, 2));
        assertEquals(1, stage.pages("UC"));
    }

    /**
     * A look every task has marked still comes after the closed windows before it that have arrived: they are the
     * history it is judged against. Here ten clean windows arrive at once and wait for their settle delay (as when a
     * task catches up on a backlog); the look at window 10 waits with them, and then fires against them.
     */
    @Test
    void aMarkedLookWaitsForTheClosedWindowsBeforeItThatAreStillSettling() {
        for (int i = 0; i < 10; i++) send(window(i, 40, 0, false));
        send(look(10, 5, 20, 6)); // 30 %: a change against 400 clean calls, too little to tell against none
        assertEquals(List.of(), stage.mark(T0 + 10 * SIZE + 5_000, 0, 1), "the history is still settling");
        List<Alert> fired = uc(settle());
        assertEquals(1, fired.size(), "judged after its history: " + fired);
        assertEquals(Times.rfc3339(T0 + 10 * SIZE + 5_000), fired.get(0).observed().windowEnd());
    }

    /**
     * Ten clean windows of 40 calls, each decided, then a look at the middle of window 10 with 12 UC of 20 calls;
     * returns that point.
     */
    private long settledHistoryThenALookAtTheMiddleOfWindow10() {
        for (int i = 0; i < 10; i++) {
            send(window(i, 40, 0, false));
            settle();
        }
        send(look(10, 5, 20, 12));
        return T0 + 10 * SIZE + 5_000;
    }

    @Test
    void withoutEveryTasksMarkALookWaitsForItsSettleDelayAsBefore() {
        long middle = settledHistoryThenALookAtTheMiddleOfWindow10();
        assertEquals(List.of(), stage.mark(middle, 0, 2));
        assertEquals(List.of(), stage.mark(middle, 2, 2), "no task 2 of 2: ignored");
        assertEquals(List.of(), stage.mark(middle, 1, 3), "three tasks now: 0 and 1 have marked, 2 has not");
        List<Alert> fired = uc(settle());
        assertEquals(1, fired.size(), "the settle delay decides: " + fired);
    }

    @Test
    void closedWindowsOlderThanAnEarlyFiringDoNotResolveIt() {
        for (int i = 0; i < 10; i++) { // a clean history
            send(window(i, 40, 0, false));
            assertEquals(List.of(), settle());
        }
        // W13 fails (half its calls end UC); its early look settles before the closed windows 10-12 (all clean),
        // still inside their grace, arrive
        send(window(13, 40, 20, true));
        List<Alert> first = settle();
        assertEquals(1, first.size(), first.toString());
        Alert fired = first.get(0);
        assertEquals(Alert.FIRING, fired.status());
        assertEquals("UC", fired.failureClass());
        assertEquals(Times.rfc3339(T0 + 13 * SIZE), fired.startsAt());
        for (int i = 10; i <= 12; i++) send(window(i, 40, 0, false));
        assertEquals(List.of(), settle(), "older and clean: they neither resolve nor fire anything");

        // the closed windows 13 and 14 go on failing: no second firing, no resolution
        List<Alert> later = new ArrayList<>();
        for (int i = 13; i <= 14; i++) {
            send(window(i, 40, 20, false));
            later.addAll(settle());
        }
        assertTrue(later.stream().noneMatch(a -> a.status().equals(Alert.RESOLVED)), later.toString());
        assertTrue(later.stream().noneMatch(a -> a.observed().windowStart().equals(fired.observed().windowStart())
                && a.status().equals(Alert.FIRING)), "the closed window 13 does not fire it again: " + later);

        // three clean windows end it, at the start of the first of them
        List<Alert> end = new ArrayList<>();
        for (int i = 15; i <= 17; i++) {
            send(window(i, 40, 0, false));
            end.addAll(settle());
        }
        assertEquals(1, end.size(), end.toString());
        assertEquals(Alert.RESOLVED, end.get(0).status());
        assertEquals(Times.rfc3339(T0 + 15 * SIZE), end.get(0).endsAt());
    }

    /**
     * A look inside a window (early looks every half window): a spike that began there fires at that point,
     * detected half a window before the window's end, and shown as the part of the window it saw. The look at the
     * window's end and the closed window find it firing: no second firing.
     */
    @Test
    void aLookInsideAWindowFiresAtItsPointAndTheWholeWindowDoesNotFireAgain() {
        for (int i = 0; i < 10; i++) send(window(i, 40, 0, false));
        settle();
        send(look(10, 5, 20, 10));
        List<Alert> fired = uc(settle());
        assertEquals(1, fired.size(), fired.toString());
        Alert a = fired.get(0);
        assertEquals(Times.rfc3339(T0 + 10 * SIZE + 5_000), a.detectedAt(), "detected at the look's point");
        assertEquals(Times.rfc3339(T0 + 10 * SIZE), a.startsAt());
        assertEquals(Times.rfc3339(T0 + 10 * SIZE + 5_000), a.observed().windowEnd());
        assertEquals(20, a.observed().requests());

        send(window(10, 40, 20, true));
        assertEquals(List.of(), uc(settle()), "the end look finds it firing");
        send(window(10, 40, 20, false));
        List<Alert> closed = uc(settle());
        assertTrue(closed.stream().noneMatch(x -> x.status().equals(Alert.RESOLVED)), closed.toString());
        assertEquals(a.startsAt(), stage.current(a.fingerprint()).startsAt());
    }

    /**
     * A replay, or a late punctuation, can find a window's look at its middle and its look at its end waiting
     * together: each is judged on its own counts, never added up (the end look holds the middle's calls too).
     * Three failures of 20 calls at the middle and of 40 at the end are not a spike on a clean pair; added up, six
     * of 60 with the same calls counted twice would be.
     */
    @Test
    void aWindowsLooksAtTwoPointsAreNotAddedUp() {
        for (int i = 0; i < 10; i++) send(window(i, 40, 0, false));
        settle();
        send(look(10, 5, 20, 3));
        send(window(10, 40, 3, true));
        assertEquals(List.of(), uc(settle()));
    }

    /**
     * A pair seen first in a look inside a window that fires: the pair's traffic level (requests per window, what
     * the silence check and its text go by) is a whole window's, taken from the closed window, not the part of it
     * the look saw. Twenty calls by the middle of a window of forty are not twenty calls a window.
     */
    @Test
    void aNewPairFiredByALookInsideAWindowLearnsItsTrafficFromTheWholeWindow() {
        send(look(0, 5, 20, 12));
        List<Alert> fired = uc(settle());
        assertEquals(1, fired.size(), "a new pair failing from its first calls fires at the point: " + fired);
        send(window(0, 40, 24, false));
        settle();
        io.meshpulse.alerts.detect.PairState ps = stage.pair(AlertsProcessor.stateKey(window(0, 40, 24, false).stats()));
        assertEquals(1, ps.windowsSeen);
        assertEquals(40.0, ps.requestsEwma, 1e-9, "one closed window of 40 calls seen");
    }
}
