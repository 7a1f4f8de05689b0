package io.meshpulse.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code run --early-look-every}: half the window by default, once a window on request, else a divisor of it. */
class EarlyLookOptionsTest {
    private static final Duration TEN = Duration.ofSeconds(10);

    @Test
    void halfTheWindowByDefaultAndOnceAWindowOnRequest() {
        assertEquals(Duration.ofSeconds(5), RunCommand.earlyLookEvery("half", TEN));
        assertEquals(Duration.ofSeconds(5), RunCommand.earlyLookEvery(null, TEN));
        assertEquals(Duration.ofMillis(7_500), RunCommand.earlyLookEvery("half", Duration.ofSeconds(15)));
        assertNull(RunCommand.earlyLookEvery("half", Duration.ofMillis(1)), "no whole half: once a window");
        assertNull(RunCommand.earlyLookEvery("window", TEN));
        assertNull(RunCommand.earlyLookEvery("10s", TEN), "the window itself is once a window");
        assertEquals(Duration.ofSeconds(2), RunCommand.earlyLookEvery("2s", TEN));
    }

    @Test
    void aStepThatDoesNotDivideTheWindowIsTheUsersToFix() {
        String msg = assertThrows(SettingsError.class, () -> RunCommand.earlyLookEvery("3s", TEN)).getMessage();
        assertTrue(msg.contains("--early-look-every must divide --window") && msg.contains("3s"), msg);
        msg = assertThrows(SettingsError.class, () -> RunCommand.earlyLookEvery("often", TEN)).getMessage();
        assertTrue(msg.contains("'half', 'window' or a duration"), msg);
        assertThrows(SettingsError.class, () -> RunCommand.earlyLookEvery("0s", TEN));
    }

    /**
     * ISO-8601 durations are accepted (as for every duration option) and can hold less than a millisecond, which
     * the topology's steps are counted in: under one is said as the others are (it was an ArithmeticException, a
     * division by its zero milliseconds), and a fraction of one is not rounded away into another step.
     */
    @Test
    void aStepInFractionsOfAMillisecondIsTheUsersToFixToo() {
        String msg = assertThrows(SettingsError.class, () -> RunCommand.earlyLookEvery("PT0.0005S", TEN)).getMessage();
        assertTrue(msg.contains("--early-look-every"), msg);
        msg = assertThrows(SettingsError.class, () -> RunCommand.earlyLookEvery("PT2.0005S", TEN)).getMessage();
        assertTrue(msg.contains("--early-look-every"), msg);
        assertEquals(Duration.ofMillis(2_500), RunCommand.earlyLookEvery("PT2.5S", TEN));
    }

    /**
     * A look comes {@code --early-look} after its point; at or past the next point it would show the whole half
     * window (or more) labelled as the time up to its point, and judge the same calls twice.
     */
    @Test
    void aLookMustComeBeforeTheNextPoint() {
        RunCommand.checkEarlyLooks(Duration.ofSeconds(2), Duration.ofSeconds(5));
        RunCommand.checkEarlyLooks(Duration.ofSeconds(6), null); // once a window: the window is the step
        RunCommand.checkEarlyLooks(null, Duration.ofSeconds(5)); // looks off
        String msg = assertThrows(SettingsError.class,
                () -> RunCommand.checkEarlyLooks(Duration.ofSeconds(5), Duration.ofSeconds(5))).getMessage();
        assertTrue(msg.contains("--early-look (5s) must be shorter than --early-look-every (5s)"), msg);
    }
}
