package io.meshpulse.app.replay;

/** Polling a condition against a deadline, for the waits at the end of a replay (conditions on Kafka's state). */
final class Waits {
    private Waits() {}

    interface Check {
        boolean done() throws Exception;
    }

    /**
     * True once {@code check} holds, false when {@code deadline} (a {@link System#nanoTime()}) passed first. A check
     * that throws counts as not yet (the group not known yet, a metadata refresh); {@code checkFailed} runs before
     * each try and may throw to give up at once.
     */
    static boolean until(long deadline, Runnable checkFailed, Check check) throws InterruptedException {
        while (true) {
            checkFailed.run();
            try {
                if (check.done()) return true;
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                // not yet: try again until the deadline
            }
            if (System.nanoTime() > deadline) return false;
            Thread.sleep(50); // polling a condition, bounded by the deadline
        }
    }
}
