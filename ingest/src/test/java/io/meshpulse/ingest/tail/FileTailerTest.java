package io.meshpulse.ingest.tail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshpulse.model.DeadLetter;
import io.meshpulse.model.RawLogLine;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tailer on real files, with its output in {@link MemoryKafka}: each poll is driven by the test, so every
 * scenario is deterministic (no timing, no sleeps).
 */
class FileTailerTest {
    @TempDir
    Path root;

    private final MemoryKafka kafka = new MemoryKafka();
    private MeterRegistry registry = new SimpleMeterRegistry();

    private TailConfig config() {
        return TailConfig.defaults(List.of(root + "/*/*/*.log"), "node-1")
                .withTimings(Duration.ofMillis(10), Duration.ZERO, Duration.ZERO);
    }

    /** The configuration the crash test's restarted tailers use. */
    private TailConfig crashConfig;

    private FileTailer started(TailConfig c, TailSink sink) {
        FileTailer t = new FileTailer(c, sink, registry);
        t.start();
        return t;
    }

    /** A tailer (from the beginning) that reads what there is in one cycle and stops, leaving its checkpoints. */
    private void readOnceAndStop() {
        FileTailer t = started(config().withFromBeginning(true), kafka.sink());
        t.pollOnce();
        t.close();
    }

    /** A tailer from the beginning whose cycle clock (the gone-file memories' and waits') is {@code nanos[0]}. */
    private FileTailer startedOnClock(long[] nanos) {
        FileTailer t = new FileTailer(config().withFromBeginning(true), kafka.sink(), registry);
        t.cycleClock(() -> nanos[0]);
        t.start();
        return t;
    }

    private List<String> contents() {
        return kafka.lines.stream().map(RawLogLine::line).toList();
    }

    @Test
    void aFirstStartFollowsFromTheEndAndLaterFilesFromTheirStart() {
        KubeletDir a = new KubeletDir(root, "shop", "cart-1", "istio-proxy").line("old 1").line("old 2");
        FileTailer t = started(config(), kafka.sink());
        t.pollOnce();
        assertEquals(List.of(), contents());
        a.line("new 1");
        KubeletDir b = new KubeletDir(root, "shop", "pay-7", "istio-proxy").line("b 1");
        t.pollOnce();
        assertEquals(List.of("new 1", "b 1"), contents());
        RawLogLine first = kafka.lines.get(0);
        assertEquals("shop", first.namespace());
        assertEquals("cart-1", first.pod());
        assertEquals("istio-proxy", first.container());
        assertEquals("node-1", first.node());
        assertEquals("shop/cart-1", first.key());
        assertTrue(first.origin().startsWith("file:") && first.origin().endsWith("/0.log"), first.origin());
        assertTrue(first.ts().startsWith("2026-11-20T10:00:00.0"), first.ts());
        assertEquals(2.0, registry.get("meshpulse.ingest.lines.produced").counter().count());
        t.close();
        b.line("unused");
    }

    @Test
    void aPathThatMatchesNoFileIsSaidInTheLogOnce() {
        java.io.PrintStream err = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            FileTailer t = started(config(), kafka.sink());
            t.pollOnce();
            t.pollOnce();
            new KubeletDir(root, "shop", "cart-1", "istio-proxy").line("a 1");
            t.pollOnce();
            t.close();
        } finally {
            System.setErr(err);
        }
        String log = captured.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(1, log.split("no file matches", -1).length - 1, log);
        assertTrue(log.contains(root + "/*/*/*.log"), log);
    }

    @Test
    void fromBeginningReadsWhatIsThereRotatedFilesFirst() {
        KubeletDir a = new KubeletDir(root, "shop", "cart-1", "istio-proxy").line("r1");
        a.rotate();
        a.line("live 1");
        FileTailer t = started(config().withFromBeginning(true), kafka.sink());
        t.pollOnce();
        assertEquals(List.of("r1"), contents(), "the live file waits until the rotated one is finished");
        t.pollOnce();
        assertEquals(List.of("r1", "live 1"), contents());
        t.close();
    }

    @Test
    void otherContainersAreLeftAlone() {
        new KubeletDir(root, "shop", "cart-1", "app").line("app line");
        new KubeletDir(root, "shop", "cart-1", "istio-proxy").line("proxy line");
        FileTailer t = started(config().withFromBeginning(true), kafka.sink());
        t.pollOnce();
        assertEquals(List.of("proxy line"), contents());
        t.close();
    }

    @Test
    void rotationFinishesTheRenamedFileBeforeTheNewOne() {
        KubeletDir a = new KubeletDir(root, "shop", "cart-1", "istio-proxy");
        FileTailer t = started(config(), kafka.sink());
        a.line("1").line("2");
        t.pollOnce();
        a.raw(a.cri("F", "3")).raw("2026-11-20T10:00:09.000000000Z stdout F unterminated");
        a.rotate();
        a.line("4");
        t.pollOnce(); // sees the rotation: the renamed file is read to its end, its last line handed out whole
        t.pollOnce();
        a.line("5");
        t.pollOnce();
        assertEquals(List.of("1", "2", "3", "unterminated", "4", "5"), contents());
        assertEquals(1.0, registry.get("meshpulse.ingest.file.rotations").counter().count());
        assertTrue(kafka.checkpoints.values().stream().anyMatch(Checkpoint::done), "the rotated file is marked done");
        t.close();
    }

    /**
     * The kubelet rotates a file in the instant between the tailer listing it and opening it, right after a restart:
     * the file must be resumed under its new name from its checkpoint (not read again from its start, not mixed up
     * with the new file now at its old path), and finished before the new file is read.
     */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aRotationBetweenListingAndOpeningIsFollowedUnderTheNewName(boolean newFileAtOnce) {
        KubeletDir a = new KubeletDir(root, "shop", "cart-1", "istio-proxy").line("1").line("2");
        readOnceAndStop();
        a.line("3");
        FileTailer again = new FileTailer(config().withFromBeginning(true), kafka.sink(), registry);
        boolean[] rotated = {false};
        again.beforeOpen(p -> {
            if (!rotated[0] && p.equals(a.live())) {
                rotated[0] = true;
                a.rotate();
                if (newFileAtOnce) a.line("4");
            }
        });
        again.start();
        assertTrue(rotated[0], "the hook ran");
        for (int i = 0; i < 3; i++) again.pollOnce();
        if (!newFileAtOnce) a.line("4");
        for (int i = 0; i < 3; i++) again.pollOnce();
        assertEquals(List.of("1", "2", "3", "4"), contents());
        again.close();
    }

    /** The same race on a file seen for the first time while running: it is read once, before the newer file. */
    @Test
    void aNewFileRotatedBeforeItIsOpenedIsReadOnceInOrder() {
        KubeletDir a = new KubeletDir(root, "shop", "cart-1", "istio-proxy");
        FileTailer t = new FileTailer(config(), kafka.sink(), registry);
        boolean[] rotated = {false};
        long beforeStart = System.currentTimeMillis();
        t.beforeOpen(p -> {
            if (!rotated[0] && p.equals(a.live())) {
                rotated[0] = true;
                a.line("2");
                Path old = a.rotate();
                a.line("3");
                // the kernel's coarse file clock can stamp a file written just after the start with a time just
                // before it (CI lost lines 1 and 2 that way): give the rotated file such a time
                try {
                    Files.setLastModifiedTime(old, FileTime.fromMillis(beforeStart - 1));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        });
        t.start();
        a.line("1");
        for (int i = 0; i < 4; i++) t.pollOnce();
        assertTrue(rotated[0], "the hook ran");
        assertEquals(List.of("1", "2", "3"), contents());
        t.close();
    }

    /**
     * A directory listing taken while the kubelet compresses a rotation (a new {@code .gz} entry, then the original's
     * removal) can hold neither name: the rotation is found a listing later, after its container's newer files. It is
     * still older than they are, and is read before them. (Seen in TailKillNineIT: a restarted tailer read a rotation
     * found one listing late after the newer file, which had been rotated meanwhile.)
     */
    @Test
    void aRotationFoundAfterItsNewerFilesIsStillReadBeforeThem() throws IOException {
        KubeletDir a = new KubeletDir(root, "shop", "cart-1", "istio-proxy").line("1");
        a.rotate();
        a.line("2");
        Path middle = a.rotate();
        a.line("3");
        Path hidden = root.resolve("hidden");
        Files.move(middle, hidden); // not in the first listing
        TailConfig c = TailConfig.defaults(List.of(root + "/*/*/*.log"), "node-1")
                .withTimings(Duration.ofMillis(10), Duration.ZERO, Duration.ofMillis(300))
                .withFromBeginning(true);
        FileTailer t = started(c, kafka.sink());
        t.pollOnce(); // the first rotation is read, and holds the live file back while it stays quiet
        assertEquals(List.of("1"), contents());
        Files.move(hidden, middle); // found by the next listing, after the live file
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (contents().size() < 3 && System.nanoTime() < deadline) t.pollOnce();
        assertEquals(List.of("1", "2", "3"), contents());
        t.close();
    }

    /**
     * The tailer stops in the middle of a file; while it is down the kubelet rotates that file and, at its next
     * rotation, gzips it and removes the original. The restart finds the file's content in the compressed copy and
     * resumes it where it stopped, then reads the newer files in order.
     */
    @Test
    void aFileCompressedWhileTheTailerWasDownIsResumedFromItsCopy() {
        KubeletDir a = new KubeletDir(root, "shop", "cart-1", "istio-proxy").line("1").line("2");
        readOnceAndStop();
        a.line("3").split("4 " + "x".repeat(40), 3);
        a.rotate();
        a.line("5");
        a.rotateCompressing();
        a.line("6");
        assertEquals(1, a.uncompressed().size(), "one plain rotation left beside the gzipped one");
        FileTailer again = started(config().withFromBeginning(true), kafka.sink());
        for (int i = 0; i < 6; i++) again.pollOnce();
        assertEquals(List.of("1", "2", "3", "4 " + "x".repeat(40), "5", "6"), contents());
        assertEquals(1.0, registry.get("meshpulse.ingest.file.decompressed").counter().count());
        assertTrue(registry.find("meshpulse.ingest.file.errors").counters().isEmpty(), "nothing lost");
        again.close();
    }

    /** A file read to its end is not read again when its gzipped copy appears, beside it or after it, nor after a restart. */
    @Test
    void compressedCopiesOfFinishedFilesAreNotReadAgain() {
        KubeletDir a = new KubeletDir(root, "shop", "cart-1", "istio-proxy").line("1");
        FileTailer t = started(config().withFromBeginning(true), kafka.sink());
        Path first = a.rotate();
        a.line("2");
        for (int i = 0; i < 3; i++) t.pollOnce();
        a.compress(first, false); // the copy is in place, the original not yet removed
        t.pollOnce();
        a.line("3");
        t.pollOnce();
        assertTrue(first.toFile().delete());
        a.rotateCompressing();
        a.line("4");
        for (int i = 0; i < 3; i++) t.pollOnce();
        t.close();
        a.rotateCompressing();
        a.line("5");
        FileTailer again = started(config().withFromBeginning(true), kafka.sink());
        for (int i = 0; i < 4; i++) again.pollOnce();
        assertEquals(List.of("1", "2", "3", "4", "5"), contents());
        assertEquals(0.0, registry.get("meshpulse.ingest.file.decompressed").counter().count(), "no copy was read");
        again.close();
    }

    /**
     * The kubelet compresses a rotation and removes it between the listing that saw it and the cycle that finishes
     * it: the finished file is then at no path, and its copy is listed only afterwards. The copy must still be
     * recognised (once the finished file's entry was dropped at once, and the copy was read again whole).
     */
    @Test
    void aRotationCompressedAndRemovedJustBeforeItIsFinishedIsNotReadAgain() {
        KubeletDir a = new KubeletDir(root, "shop", "cart-1", "istio-proxy").line("1");
        FileTailer t = new FileTailer(config().withFromBeginning(true), kafka.sink(), registry);
        t.start();
        t.pollOnce(); // "1" read from the live file
        Path first = a.rotate();
        a.line("2");
        // while this cycle's listing opens the new live file, the kubelet compresses the rotation and removes it;
        // the same cycle then finds the rotation read to its end and finishes it
        t.beforeOpen(p -> {
            if (p.getFileName().toString().equals("0.log") && Files.exists(first)) a.compress(first, true);
        });
        t.pollOnce();
        for (int i = 0; i < 3; i++) t.pollOnce(); // the copy is listed
        assertEquals(List.of("1", "2"), contents());
        assertEquals(0.0, registry.get("meshpulse.ingest.file.decompressed").counter().count(), "no copy was read");
        t.close();
    }

    /**
     * A directory listing taken while the kubelet renames a rotation's gzipped copy into place and removes the original
     * may hold neither name. The finished original is then found on no path, and its copy is listed only by a later
     * discovery: it must still be known as a copy (TailKillNineIT once had such a copy's 414 lines sent twice), also
     * when the tailer is killed while the copy is out of sight.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aCopyMissingFromTheListingThatLostItsOriginalIsNotReadAgain(boolean restart) {
        KubeletDir a = new KubeletDir(root, "shop", "cart-1", "istio-proxy").line("1");
        FileTailer t = started(config().withFromBeginning(true), kafka.sink());
        Path first = a.rotate();
        a.line("2");
        for (int i = 0; i < 3; i++) t.pollOnce(); // the rotation read to its end and finished
        KubeletDir.OutOfSight copy = a.compressOutOfSight(first);
        t.pollOnce(); // the listing holds neither the original nor its copy
        if (restart) {
            t.close(); // (what it committed is what a kill -9 would leave)
            t = started(config().withFromBeginning(true), kafka.sink());
        }
        copy.show();
        for (int i = 0; i < 3; i++) t.pollOnce(); // the copy is listed
        a.line("3");
        for (int i = 0; i < 3; i++) t.pollOnce();
        assertEquals(List.of("1", "2", "3"), contents());
        assertEquals(0.0, registry.get("meshpulse.ingest.file.decompressed").counter().count(), "no copy was read");
        t.close();
    }

    /**
     * The tailer stops part-way through a rotation; while it is down the kubelet compresses that rotation, and the
     * restart's first listing is taken while the copy is being renamed into place, so it holds neither name. The
     * rotation is not given up as lost: its copy, listed next, is resumed where the tailer stopped.
     */
    @Test
    void aRotationBeingCompressedAtTheRestartsFirstListingIsResumedFromItsCopy() throws IOException {
        KubeletDir a = new KubeletDir(root, "shop", "cart-1", "istio-proxy").line("1").line("2");
        readOnceAndStop();
        a.line("3");
        Path first = a.rotate();
        a.line("4");
        KubeletDir.OutOfSight copy = a.compressOutOfSight(first);
        FileTailer again = started(config().withFromBeginning(true), kafka.sink());
        again.pollOnce();
        copy.show();
        for (int i = 0; i < 5; i++) again.pollOnce();
        assertEquals(List.of("1", "2", "3", "4"), contents());
        assertTrue(registry.find("meshpulse.ingest.file.errors").counters().isEmpty(), "nothing lost");
        again.close();
    }

    /**
     * As above, and the file system gave the removed rotation's inode to a file created after it: the live file, or
     * (after one more rotation) a rotated one. The restart finds a file with other content on the checkpoint's inode.
     * The checkpoint is kept for the copy listed next, which is resumed; the newer files wait for it. A second
     * restart while they wait finds the same checkpoint (the new file has not written its own over it yet).
     */
    @ParameterizedTest(name = "the inode goes to a {0} file; restarted while waiting: {1}")
    @CsvSource({"live, false", "live, true", "rotated, false", "rotated, true"})
    void aRotationCompressedWhileDownWhoseInodeWentToANewFileIsResumedFromItsCopy(String owner, boolean restart)
            throws IOException {
        KubeletDir a = new KubeletDir(root, "shop", "cart-1", "istio-proxy");
        KubeletDir.OutOfSight copy = inodeGivenToTheLiveFileWhileDown(a);
        a.line("5");
        if (owner.equals("rotated")) a.rotate();
        a.line("6");
        FileTailer again = started(config().withFromBeginning(true), kafka.sink());
        again.pollOnce();
        if (restart) {
            again.close();
            again = started(config().withFromBeginning(true), kafka.sink());
            again.pollOnce();
        }
        copy.show();
        for (int i = 0; i < 5; i++) again.pollOnce();
        assertEquals(List.of("1", "2", "3", "4", "5", "6"), contents());
        assertTrue(registry.find("meshpulse.ingest.file.errors").counters().isEmpty(), "nothing lost");
        again.close();
    }

    /**
     * The tailer reads lines 1 and 2 of a container's live file and stops. While it is down, 3 is written and the
     * file rotated, 4 is written and rotated too, and the kubelet compresses the first rotation while the file system
     * gives its inode to the new live file; the copy is out of sight of a listing until {@link KubeletDir.OutOfSight#show()}.
     */
    private KubeletDir.OutOfSight inodeGivenToTheLiveFileWhileDown(KubeletDir a) {
        a.line("1").line("2");
        readOnceAndStop();
        a.line("3");
        Path first = a.rotate();
        a.line("4").rotate();
        return a.compressOutOfSightGivingInodeTo(first, a.live());
    }

    /**
     * A rotation read to its end, then compressed while the tailer is down with its inode given to the new live file
     * (rotated in turn, or not): its copy, listed after the restart's first listing, is known as read (not opened),
     * and the newer lines follow once.
     */
    @ParameterizedTest(name = "the inode goes to a {0} file")
    @ValueSource(strings = {"live", "rotated"})
    void aFinishedRotationWhoseInodeWentToANewFileIsKnownByItsCopy(String owner) throws IOException {
        KubeletDir a = new KubeletDir(root, "shop", "cart-1", "istio-proxy").line("1").line("2");
        FileTailer t = started(config().withFromBeginning(true), kafka.sink());
        t.pollOnce();
        Path first = a.rotate();
        a.line("3");
        for (int i = 0; i < 3; i++) t.pollOnce();
        assertTrue(kafka.checkpoints.values().stream().anyMatch(c -> c.done() && first.toString().equals(c.path())),
                "the rotation is finished: " + kafka.checkpoints.values());
        t.close();
        a.rotate();
        KubeletDir.OutOfSight copy = a.compressOutOfSightGivingInodeTo(first, a.live());
        a.line("4");
        if (owner.equals("rotated")) a.rotate();
        a.line("5");
        FileTailer again = started(config().withFromBeginning(true), kafka.sink());
        again.pollOnce();
        copy.show();
        for (int i = 0; i < 5; i++) again.pollOnce();
        assertEquals(List.of("1", "2", "3", "4", "5"), contents());
        assertTrue(registry.find("meshpulse.ingest.file.decompressed").counters().stream().allMatch(c -> c.count() == 0),
                "the copy is not opened");
        assertTrue(kafka.checkpoints.values().stream().anyMatch(c -> c.done() && copy.gz().toString().equals(c.path())),
                "the copy is recorded as finished: " + kafka.checkpoints.values());
        again.close();
    }

    /**
     * While the tailer runs, the kubelet removes a container's oldest gzipped rotation (beyond its file limit) and the
     * file system gives that inode to the next copy it writes. The removed file's content is copied nowhere, so
     * nothing is waited for: the container's newer lines go on at once, and the new copy is known as read.
     */
    @Test
    void anOldCopyRemovedWhoseInodeGoesToTheNextCopyHoldsNothingBack() {
        KubeletDir a = new KubeletDir(root, "shop", "cart-1", "istio-proxy").line("1");
        FileTailer t = new FileTailer(config().withFromBeginning(true), kafka.sink(), registry);
        t.cycleClock(() -> 0L); // no wait would ever end
        t.start();
        a.rotate();
        a.line("2");
        for (int i = 0; i < 3; i++) t.pollOnce();
        a.rotateCompressing(); // the first rotation gzipped, the second made
        a.line("3");
        for (int i = 0; i < 3; i++) t.pollOnce();
        Path oldGz = a.compressed().get(0);
        a.compressIntoInodeOf(a.uncompressed().get(0), oldGz);
        a.line("4");
        for (int i = 0; i < 3; i++) t.pollOnce();
        assertEquals(List.of("1", "2", "3", "4"), contents());
        assertTrue(registry.find("meshpulse.ingest.file.decompressed").counters().stream().allMatch(c -> c.count() == 0),
                "no copy is opened");
        t.close();
    }

    /**
     * As above with no copy at all (it never gets its name): after the wait the rotation is lost, once, and the file
     * now on its inode keeps the checkpoint entry they share.
     */
    @Test
    void aRotationWhoseInodeWentToTheLiveFileAndWhoseCopyNeverCameIsGivenUpAfterAFewSeconds() throws IOException {
        KubeletDir a = new KubeletDir(root, "shop", "cart-1", "istio-proxy");
        KubeletDir.OutOfSight copy = inodeGivenToTheLiveFileWhileDown(a);
        Files.delete(copy.hidden());
        a.line("5");
        long[] nanos = {System.nanoTime()};
        FileTailer again = startedOnClock(nanos);
        for (int i = 0; i < 3; i++) again.pollOnce();
        assertEquals(List.of("1", "2"), contents(), "the newer files wait for a copy of the rotation");
        nanos[0] += Duration.ofSeconds(6).toNanos();
        for (int i = 0; i < 3; i++) again.pollOnce();
        assertEquals(List.of("1", "2", "4", "5"), contents());
        assertEquals(1.0, registry.get("meshpulse.ingest.file.errors").tag("reason", "lost").counter().count());
        Object liveInode = Files.getAttribute(a.live(), "unix:ino");
        assertTrue(kafka.checkpoints.values().stream().anyMatch(c -> !c.done() && c.path() != null
                        && c.path().endsWith("0.log") && Long.valueOf(c.ino()).equals(((Number) liveInode).longValue())),
                "the live file's entry stays: " + kafka.checkpoints.values());
        again.close();
    }

    /**
     * A rotation the tailer was reading is removed while it is down, uncompressed. The restart waits a few discoveries
     * for a copy of it (its container's live file waits too, and the heartbeat vouches for nothing new), then says it
     * is lost, once, deletes its entry and goes on.
     */
    @Test
    void aRotationRemovedWhileTheTailerWasDownIsGivenUpAfterAFewSeconds() throws IOException {
        KubeletDir a = new KubeletDir(root, "shop", "cart-1", "istio-proxy").line("1");
        readOnceAndStop();
        a.line("2");
        Path first = a.rotate();
        a.line("3");
        Files.delete(first);
        long[] nanos = {System.nanoTime()};
        FileTailer again = startedOnClock(nanos);
        for (int i = 0; i < 3; i++) again.pollOnce();
        assertEquals(List.of("1"), contents(), "the live file waits for a copy of the rotation");
        assertTrue(registry.find("meshpulse.ingest.file.errors").counters().isEmpty(), "not lost yet");
        nanos[0] += Duration.ofSeconds(4).toNanos();
        again.pollOnce();
        assertEquals(List.of("1"), contents(), "still waiting after 4 s");
        nanos[0] += Duration.ofSeconds(2).toNanos();
        for (int i = 0; i < 3; i++) again.pollOnce();
        assertEquals(List.of("1", "3"), contents());
        assertEquals(1.0, registry.get("meshpulse.ingest.file.errors").tag("reason", "lost").counter().count());
        assertEquals(2, kafka.checkpoints.size(), "the node marker and the live file: the lost file's entry is deleted");
        again.close();
    }

    /** Rotations written and compressed entirely while the tailer was down are read whole, oldest first. */
    @Test
    void rotationsCompressedWhileDownAreReadWholeInOrder() {
        KubeletDir a = new KubeletDir(root, "shop", "cart-1", "istio-proxy").line("1");
        readOnceAndStop();
        a.line("2");
        a.rotate();
        a.line("3").line("4");
        a.rotateCompressing();
        a.line("5");
        a.rotateCompressing();
        a.line("6");
        a.rotateCompressing();
        a.line("7");
        assertEquals(1, a.uncompressed().size());
        FileTailer again = started(config().withFromBeginning(true), kafka.sink());
        for (int i = 0; i < 8; i++) again.pollOnce();
        assertEquals(List.of("1", "2", "3", "4", "5", "6", "7"), contents());
        again.close();
    }

    /**
     * On a first start that follows from the end, a rotation already there is not read, and neither is its gzipped
     * copy made later (whose file time is the compression's, not the content's).
     */
    @Test
    void aRotationFromBeforeTheFirstStartIsNotReadOnceCompressed() throws Exception {
        KubeletDir a = new KubeletDir(root, "shop", "cart-1", "istio-proxy")
                .clockAt(java.time.Instant.now().minus(Duration.ofHours(1))).line("old 1");
        Path old = a.rotate();
        Files.setLastModifiedTime(old, java.nio.file.attribute.FileTime.from(java.time.Instant.now().minus(Duration.ofHours(1))));
        a.line("old 2");
        FileTailer t = started(config(), kafka.sink());
        t.pollOnce();
        a.clockAt(java.time.Instant.now().plusSeconds(1)).line("new 1");
        t.pollOnce();
        a.rotateCompressing();
        a.line("new 2");
        for (int i = 0; i < 3; i++) t.pollOnce();
        t.close();
        FileTailer again = started(config(), kafka.sink());
        for (int i = 0; i < 3; i++) again.pollOnce();
        assertEquals(List.of("new 1", "new 2"), contents());
        again.close();
    }

    /** A gzipped rotation that cannot be decompressed is reported and counted, and the others are read. */
    @Test
    void aCorruptGzippedRotationIsReportedNotFatal() throws Exception {
        KubeletDir a = new KubeletDir(root, "shop", "cart-1", "istio-proxy");
        Files.write(a.dir.resolve("0.log.20261120-100000.gz"), new byte[] {0x1f, (byte) 0x8b, 8, 0, 1, 2, 3});
        a.line("1");
        FileTailer t = started(config().withFromBeginning(true), kafka.sink());
        for (int i = 0; i < 3; i++) t.pollOnce();
        assertEquals(List.of("1"), contents());
        assertEquals(1.0, registry.get("meshpulse.ingest.file.errors").tag("reason", "corrupt").counter().count());
        t.close();
    }

    @Test
    void anUnterminatedLineWaitsForItsNewline() {
        KubeletDir a = new KubeletDir(root, "shop", "cart-1", "istio-proxy");
        FileTailer t = started(config(), kafka.sink());
        a.raw("2026-11-20T10:00:00.000000000Z stdout F half");
        t.pollOnce();
        assertEquals(List.of(), contents());
        a.raw(" and the rest\n");
        t.pollOnce();
        assertEquals(List.of("half and the rest"), contents());
        t.close();
    }

    @Test
    void copytruncateStartsOverAndIsCounted() throws Exception {
        KubeletDir a = new KubeletDir(root, "shop", "cart-1", "istio-proxy");
        FileTailer t = started(config(), kafka.sink());
        a.line("before 1").line("before 2");
        t.pollOnce();
        try (RandomAccessFile f = new RandomAccessFile(a.live().toFile(), "rw")) {
            f.setLength(0);
        }
        a.line("after");
        t.pollOnce();
        assertEquals(List.of("before 1", "before 2", "after"), contents());
        assertEquals(1.0, registry.get("meshpulse.ingest.file.truncations").counter().count());
        t.close();
    }

    /**
     * A restart with a backlog (a kill -9 of {@code run}: its tailer starts only once Streams has rejoined the group,
     * about 50 s later, after the dead member's session timeout) must hand the backlog out in write order across the
     * node's files. The topology decides lateness on the newest start time its task has seen, so when one pod's whole
     * backlog (up to now) goes out before another pod's backlog, the second pod's lines older than the grace are
     * dead-lettered as late although they were written on time (live check: 356 of 23,417 lines over 4 kills).
     */
    @Test
    void aBacklogAfterARestartComesOutInWriteOrderAcrossFiles() {
        java.time.Instant t0 = java.time.Instant.parse("2026-11-20T10:00:00Z");
        KubeletDir a = new KubeletDir(root, "shop", "cart-1", "istio-proxy").clockAt(t0);
        KubeletDir b = new KubeletDir(root, "shop", "pay-7", "istio-proxy").clockAt(t0);
        FileTailer t = started(config(), kafka.sink());
        a.line("a 0");
        b.line("b 0");
        t.pollOnce();
        t.close(); // stopped right after a commit
        for (int s = 1; s <= 60; s++) { // a minute of traffic while it is down
            a.clockAt(t0.plusSeconds(s)).line("a " + s);
            b.clockAt(t0.plusSeconds(s)).line("b " + s);
        }
        FileTailer again = started(config(), kafka.sink());
        for (int i = 0; i < 10; i++) again.pollOnce();
        again.close();
        assertEquals(122, kafka.lines.size());
        long newest = Long.MIN_VALUE;
        long worst = 0;
        String worstLine = null;
        for (RawLogLine l : kafka.lines) {
            long ts = java.time.Instant.parse(l.ts()).toEpochMilli();
            newest = Math.max(newest, ts);
            if (newest - ts > worst) {
                worst = newest - ts;
                worstLine = l.line();
            }
        }
        assertTrue(worst <= 2_000, "'" + worstLine + "' was handed out " + worst
                + " ms after a line written that much later in another file (the grace is 30 s)");
    }

    /**
     * A first start with {@code fromBeginning} over rotated, gzipped and live files of two containers, each with a
     * minute of lines and CRI partials: every line once, and in write order across files within the slack. A
     * rotated file whose next line waits for another file's older lines is not at its end, so it must not be
     * finished (which hands out its unread rest as one last line).
     */
    @Test
    void rotatedAndGzippedBacklogsComeOutOnceInWriteOrder() {
        java.time.Instant t0 = java.time.Instant.parse("2026-11-20T10:00:00Z");
        KubeletDir a = new KubeletDir(root, "shop", "cart-1", "istio-proxy");
        KubeletDir b = new KubeletDir(root, "shop", "pay-7", "istio-proxy");
        List<String> expected = new ArrayList<>();
        for (int s = 0; s < 60; s++) {
            a.clockAt(t0.plusSeconds(s));
            if (s % 7 == 0) a.split("a " + s + " " + "x".repeat(40), 3);
            else a.line("a " + s);
            b.clockAt(t0.plusSeconds(s).plusMillis(500)).line("b " + s);
            expected.add(s % 7 == 0 ? "a " + s + " " + "x".repeat(40) : "a " + s);
            expected.add("b " + s);
            if (s == 19) a.compress(a.rotate(), true);
            if (s == 39) a.rotate();
        }
        FileTailer t = started(config().withFromBeginning(true), kafka.sink());
        for (int i = 0; i < 50 && (t.pollOnce() || i < 3); i++) { /* until nothing is left */ }
        t.close();
        List<String> got = contents();
        assertEquals(expected.stream().sorted().toList(), got.stream().sorted().toList(), "every line once");
        assertInWriteOrder(kafka.lines);
    }

    /**
     * A container's live file waits for its rotated file to stay quiet at its end ({@code rotateQuiet}) before it is
     * read; meanwhile the other files must wait for its lines too, not race ahead (a live check after a restart:
     * other pods' whole backlogs went out 10 s ahead of the rotated container's lines).
     */
    @Test
    void aRotationsQuietPeriodHoldsTheOtherFilesBack() {
        java.time.Instant t0 = java.time.Instant.parse("2026-11-20T10:00:00Z");
        KubeletDir a = new KubeletDir(root, "shop", "cart-1", "istio-proxy");
        KubeletDir b = new KubeletDir(root, "shop", "pay-7", "istio-proxy");
        for (int s = 0; s < 60; s++) {
            a.clockAt(t0.plusSeconds(s)).line("a " + s);
            b.clockAt(t0.plusSeconds(s).plusMillis(500)).line("b " + s);
            if (s == 29) a.rotate();
        }
        FileTailer t = started(config().withFromBeginning(true)
                .withTimings(Duration.ofMillis(10), Duration.ZERO, Duration.ofMillis(300)), kafka.sink());
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (kafka.lines.size() < 120 && System.nanoTime() < deadline) t.pollOnce();
        t.close();
        assertEquals(120, kafka.lines.size());
        assertInWriteOrder(kafka.lines);
    }

    /**
     * A file whose last line has no newline yet (a write in progress, or a container that died mid-line) does not
     * hold back other files; nor do lines without an envelope time.
     */
    @Test
    void anUnfinishedLineOrALineWithoutTimeHoldsNothingBack() {
        java.time.Instant t0 = java.time.Instant.parse("2026-11-20T10:00:00Z");
        KubeletDir a = new KubeletDir(root, "shop", "cart-1", "istio-proxy").clockAt(t0);
        KubeletDir b = new KubeletDir(root, "shop", "pay-7", "istio-proxy").clockAt(t0.plusSeconds(30));
        KubeletDir c = new KubeletDir(root, "shop", "web-2", "istio-proxy");
        a.line("a 0").raw(a.cri("F", "a 1").replace("\n", ""));
        for (int s = 0; s < 30; s++) b.clockAt(t0.plusSeconds(30 + s)).line("b " + s);
        c.raw("plain one\nplain two\n");
        FileTailer t = started(config().withFromBeginning(true), kafka.sink());
        for (int i = 0; i < 5; i++) t.pollOnce();
        t.close();
        List<String> got = contents();
        assertEquals(33, got.size(), got.toString());
        assertTrue(got.contains("b 29") && got.contains("plain two") && got.contains("a 0") && !got.contains("a 1"));
    }

    private static void assertInWriteOrder(List<RawLogLine> lines) {
        long newest = Long.MIN_VALUE;
        for (RawLogLine l : lines) {
            long ts = java.time.Instant.parse(l.ts()).toEpochMilli();
            newest = Math.max(newest, ts);
            assertTrue(newest - ts <= FileTailer.ORDER_SLACK_MS, "'" + l.line() + "' was handed out "
                    + (newest - ts) + " ms after a line written that much later in another file");
        }
    }

    @Test
    void criPartialsAreRejoinedAcrossPollsAndRestarts() {
        KubeletDir a = new KubeletDir(root, "shop", "cart-1", "istio-proxy");
        FileTailer t = started(config(), kafka.sink());
        a.line("whole").raw(a.cri("P", "first half "));
        t.pollOnce();
        assertEquals(List.of("whole"), contents(), "the P chunk waits for its final chunk");
        a.raw("2026-11-20T10:00:01.000000000Z stderr F on stderr\n");
        t.pollOnce();
        assertEquals(List.of("whole", "on stderr"), contents(), "stderr interleaves with the open stdout line");
        t.close(); // a restart while the stdout line is still open, after two lines past it were committed

        t = started(config(), kafka.sink());
        a.raw(a.cri("F", "second half"));
        t.pollOnce();
        assertEquals(List.of("whole", "on stderr", "first half second half"), contents());
        t.close();
    }

    /**
     * A chunk that the runtime's split ended inside a character: the character is whole in the joined line, also
     * when the tailer restarts between the chunk and the next one (the file position kept is the line's start, so
     * the held-back bytes are read again, neither lost nor doubled); a cut character whose line never ends is
     * dead-lettered as U+FFFD.
     */
    @Test
    void aCharacterCutByTheSplitIsWholeAcrossPollsAndRestarts() {
        KubeletDir a = new KubeletDir(root, "shop", "cart-1", "istio-proxy");
        FileTailer t = started(config(), kafka.sink());
        String text = "GET /caf\u00e9/\u20ac/\ud83d\ude00 end";
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        int e = byteAt(text, "\u00e9") + 1;            // one byte into the 2-byte character
        int euro = byteAt(text, "\u20ac") + 2;         // two bytes into the 3-byte one
        int emoji = byteAt(text, "\ud83d\ude00") + 3;  // three bytes into the 4-byte one
        a.line("whole").chunk("P", b, 0, e);
        t.pollOnce();
        a.chunk("P", b, e, euro).raw("2026-11-20T10:00:01.000000000Z stderr F \u00fcber\n");
        t.pollOnce();
        assertEquals(List.of("whole", "\u00fcber"), contents());
        t.close(); // a restart while the stdout line is open, two of its chunks read

        t = started(config(), kafka.sink());
        a.chunk("P", b, euro, emoji);
        t.pollOnce();
        t.close();
        t = started(config(), kafka.sink());
        a.chunk("F", b, emoji, b.length);
        t.pollOnce();
        assertEquals(List.of("whole", "\u00fcber", text), contents());

        a.chunk("P", b, 0, e);
        t.pollOnce();
        a.rotate();
        t.pollOnce();
        assertEquals(1, kafka.deadLetters.size());
        assertEquals("truncated", kafka.deadLetters.get(0).kind());
        assertEquals("GET /caf\ufffd", kafka.deadLetters.get(0).line());
        t.close();
    }

    /** Where {@code s} starts in {@code text}'s UTF-8 bytes. */
    static int byteAt(String text, String s) {
        return text.substring(0, text.indexOf(s)).getBytes(StandardCharsets.UTF_8).length;
    }

    @Test
    void newPodsAreFoundAsTheyStart() {
        FileTailer t = started(config(), kafka.sink());
        t.pollOnce();
        assertEquals(0, t.filesFollowed());
        new KubeletDir(root, "shop", "cart-1", "istio-proxy").line("hello");
        t.pollOnce();
        new KubeletDir(root, "ingress", "gw-1", "istio-proxy").line("gw");
        t.pollOnce();
        assertEquals(List.of("hello", "gw"), contents());
        assertEquals(2, t.filesFollowed());
        t.close();
    }

    @Test
    void badInputIsDeadLetteredAndCountedNeverFatal() {
        KubeletDir a = new KubeletDir(root, "shop", "cart-1", "istio-proxy");
        FileTailer t = started(config().withMaxLineChars(1000), kafka.sink());
        a.line("x".repeat(1500));                  // longer than the framer's cap
        a.raw("y".repeat(200_000) + "\n");         // a physical line far beyond the cap
        a.raw(new byte[] {0, 1, 2, (byte) 0xff, 0, '\n'}); // binary garbage
        a.line("fine");
        a.raw(a.cri("P", "never finished"));
        t.pollOnce();
        assertEquals(List.of("fine"), contents());
        a.rotate();
        t.pollOnce();
        assertEquals(List.of("fine"), contents());
        List<String> kinds = kafka.deadLetters.stream().map(DeadLetter::kind).toList();
        assertEquals(List.of("oversize", "oversize", "malformed", "truncated"), kinds);
        assertTrue(kafka.deadLetters.get(2).reason().startsWith("binary"));
        assertEquals(2.0, registry.get("meshpulse.ingest.lines.skipped").tag("reason", "oversize").counter().count());
        assertEquals(1.0, registry.get("meshpulse.ingest.lines.skipped").tag("reason", "binary").counter().count());
        assertEquals(1.0, registry.get("meshpulse.ingest.lines.skipped").tag("reason", "truncated").counter().count());
        t.close();
    }

    @Test
    void aFileRemovedMidReadIsReadToItsEnd() throws Exception {
        KubeletDir a = new KubeletDir(root, "shop", "cart-1", "istio-proxy");
        FileTailer t = started(config(), kafka.sink());
        long[] nanos = {0};
        t.cycleClock(() -> nanos[0]);
        a.line("1");
        t.pollOnce();
        a.line("2").line("3");
        Files.delete(a.live());
        t.pollOnce(); // sees it gone, reads on through the open channel
        t.pollOnce(); // nothing more: finished
        assertEquals(List.of("1", "2", "3"), contents());
        assertEquals(0, t.filesFollowed());
        // kept for a while, as a later listing could hold a gzipped copy of it to recognise; none comes
        t.pollOnce();
        assertEquals(2, kafka.checkpoints.size(), "the removed file's entry is kept for a while");
        nanos[0] += Duration.ofSeconds(29).toNanos();
        t.pollOnce();
        assertEquals(2, kafka.checkpoints.size(), "the removed file's entry is kept for 30 s");
        nanos[0] += Duration.ofSeconds(2).toNanos();
        t.pollOnce();
        assertEquals(1, kafka.checkpoints.size(), "only the node marker is left: the removed file's entry is deleted");
        t.close();
    }

    @Test
    void unreadableFilesAreReportedAndRetried() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeFalse("root".equals(System.getProperty("user.name")),
                "root reads files whatever their mode");
        KubeletDir a = new KubeletDir(root, "shop", "cart-1", "istio-proxy").line("secret");
        Files.setPosixFilePermissions(a.live(), Set.of());
        FileTailer t = started(config().withFromBeginning(true), kafka.sink());
        t.pollOnce();
        assertEquals(1.0, registry.get("meshpulse.ingest.file.errors").tag("reason", "unreadable").counter().count());
        Files.setPosixFilePermissions(a.live(), Set.of(java.nio.file.attribute.PosixFilePermission.OWNER_READ));
        t.pollOnce();
        assertEquals(List.of("secret"), contents());
        t.close();
    }

    /**
     * Crashes at random instants, in the middle of cycles too, while files grow, rotate (compressed, at times out of
     * sight of a listing, at times giving their inodes to newer files) and hold open CRI partial lines: every line is
     * committed exactly once, in order per container.
     */
    @ParameterizedTest
    @ValueSource(longs = {42, 7, 2026, 3, 6, 13, 21, 33, 44, 50})
    void crashesAtAnyInstantNeitherLoseNorDuplicate(long seed) {
        Random rnd = new Random(seed);
        List<KubeletDir> dirs = new ArrayList<>();
        int[] seq = new int[4];
        for (int i = 0; i < seq.length; i++) dirs.add(new KubeletDir(root, "ns", "pod-" + i, "istio-proxy"));
        // From the beginning: a tailer that dies before its first commit has promised nothing, so a restart that is
        // again a "first start" would rightly begin at the files' ends; this test is about what was committed.
        crashConfig = config().withFromBeginning(true);
        FileTailer t = started(crashConfig, kafka.sink());
        for (int step = 0; step < 400; step++) {
            int d = rnd.nextInt(seq.length);
            KubeletDir dir = dirs.get(d);
            String content = "pod-" + d + " seq=" + (seq[d]++);
            switch (rnd.nextInt(10)) {
                case 0 -> dir.split(content + " " + "z".repeat(rnd.nextInt(50)), 2 + rnd.nextInt(3));
                case 1 -> {
                    String l = dir.cri("F", content);
                    dir.raw(l.substring(0, l.length() / 2));
                    if (rnd.nextBoolean()) t = poll(t, rnd);
                    dir.raw(l.substring(l.length() / 2));
                }
                case 2 -> {
                    dir.line(content);
                    if (rnd.nextBoolean()) dir.rotate();
                    else dir.rotateCompressing(); // the kubelet gzips the older rotations as it rotates
                }
                case 3 -> {
                    // a listing taken while the kubelet renames a copy into place and removes its original may hold
                    // neither name: a cycle (or a crash and restart) sees a finished rotation gone and its copy not
                    // yet there. (A rotation the tailer has not seen yet that is out of sight would be read after
                    // newer lines: no tailer can keep the order of a file it cannot see.)
                    dir.line(content);
                    for (int i = 0; i < 3; i++) t.pollOnce();
                    for (Path p : dir.uncompressed()) {
                        KubeletDir.OutOfSight copy = dir.compressOutOfSight(p);
                        t = poll(t, rnd);
                        copy.show();
                    }
                    dir.rotate();
                }
                case 4 -> {
                    // The file system gives a removed rotation's inode to a file created after it. Nobody may hold
                    // the removed file open then, so the tailer is down: the kubelet rotates, compresses the oldest
                    // rotation out of sight of the restart's first listing, and the new live file gets its inode.
                    // The restart may crash again while it waits for the copy.
                    dir.line(content);
                    for (int i = 0; i < 3; i++) t.pollOnce();
                    List<Path> older = dir.uncompressed();
                    if (older.isEmpty()) break;
                    t.close();
                    dir.rotate();
                    KubeletDir.OutOfSight copy = dir.compressOutOfSightGivingInodeTo(older.get(0), dir.live());
                    for (Path p : older.subList(1, older.size())) dir.compress(p, true);
                    if (rnd.nextBoolean()) { // and the new file on that inode is rotated in turn
                        dir.line("pod-" + d + " seq=" + (seq[d]++));
                        dir.rotate();
                    }
                    t = started(crashConfig, kafka.sink());
                    t = poll(t, rnd);
                    t = poll(t, rnd);
                    copy.show();
                }
                default -> dir.line(content);
            }
            if (rnd.nextInt(4) == 0) {
                t = poll(t, rnd);
            }
        }
        for (int i = 0; i < 5; i++) t.pollOnce();
        t.close();
        assertTrue(crashes > 10, "crashed " + crashes + " times");
        for (int d = 0; d < seq.length; d++) {
            String prefix = "pod-" + d + " ";
            List<String> got = contents().stream().filter(l -> l.startsWith(prefix))
                    .map(l -> l.replaceAll(" z*$", "")).toList();
            List<String> want = new ArrayList<>();
            for (int s = 0; s < seq[d]; s++) want.add(prefix + "seq=" + s);
            if (!want.equals(got)) {
                int i = 0;
                while (i < Math.min(want.size(), got.size()) && want.get(i).equals(got.get(i))) i++;
                List<String> missing = new ArrayList<>(want);
                missing.removeAll(got);
                List<String> extra = new ArrayList<>(got);
                for (String w : want) extra.remove(w);
                assertEquals(want, got, "pod-" + d + ": " + want.size() + " lines written, " + got.size()
                        + " committed; first difference at " + i + " (" + got.subList(i, Math.min(got.size(), i + 5))
                        + "), missing " + missing + ", duplicated " + extra + " (read from "
                        + kafka.lines.stream().filter(l -> extra.contains(l.line().replaceAll(" z*$", "")))
                                .map(l -> l.origin().replaceAll(".*/", "")).toList() + ")");
            }
        }
    }

    private int crashes;

    /** One cycle on a sink that may fail part-way (a crash); a crash discards what was not committed. */
    private FileTailer poll(FileTailer t, Random rnd) {
        if (rnd.nextInt(3) == 0) {
            // replace the tailer's sink by one that dies after a few sends: simulated by a fresh tailer resumed
            // from the committed state, polled on a failing sink
            t.close();
            FileTailer doomed = new FileTailer(crashConfig != null ? crashConfig : config(),
                    kafka.sinkFailingAfter(1 + rnd.nextInt(6)), registry);
            try {
                doomed.start();
                doomed.pollOnce();
            } catch (MemoryKafka.Crash crash) {
                crashes++;
            } finally {
                doomed.close();
            }
            return started(crashConfig != null ? crashConfig : config(), kafka.sink());
        }
        t.pollOnce();
        return t;
    }
}
