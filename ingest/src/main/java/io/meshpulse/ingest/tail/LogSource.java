package io.meshpulse.ingest.tail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * The bytes of a followed file, read by position: the file itself, or the decompressed content of a rotation the
 * kubelet has gzipped. Positions are always in the content as written, so a checkpoint taken on a file stays valid
 * on its compressed copy. Used by one thread.
 */
sealed interface LogSource permits LogSource.Plain, LogSource.Gzipped {

    /** The content's length as far as known now (a plain file may still grow). */
    long size() throws IOException;

    /** Reads into {@code dst} from {@code position}; -1 at the end of the content. */
    int read(ByteBuffer dst, long position) throws IOException;

    /** A gzipped rotation never changes: no truncation or fingerprint checks apply. */
    boolean compressed();

    /** Closes the underlying file; never throws. */
    void close();

    static LogSource plain(FileChannel ch) {
        return new Plain(ch);
    }

    static LogSource gzipped(FileChannel ch) throws IOException {
        return new Gzipped(ch);
    }

    /** Reads the first {@code max} bytes of a gzipped file's content (fewer when it is shorter). */
    static byte[] gzipHead(FileChannel ch, int max) throws IOException {
        // a small stream, closed at once: its inflater's native memory is not left to the garbage collector
        try (InputStream in = new GZIPInputStream(new ChannelInput(ch), 512)) {
            byte[] head = new byte[max];
            int n = 0;
            while (n < max) {
                int r = in.read(head, n, max - n);
                if (r < 0) break;
                n += r;
            }
            return n == max ? head : Arrays.copyOf(head, n);
        }
    }

    record Plain(FileChannel ch) implements LogSource {
        @Override
        public long size() throws IOException {
            return ch.size();
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            return ch.read(dst, position);
        }

        @Override
        public boolean compressed() {
            return false;
        }

        @Override
        public void close() {
            TrackedFile.closeQuietly(ch);
        }
    }

    /**
     * A gzip file read forwards as a stream. Reading from an earlier position than the last one starts the
     * decompression over, which the tailer never needs (it reads each file once, in order); a later position skips.
     * Its length is the gzip trailer's ISIZE (the length mod 2^32) until the end has been reached, then exact.
     */
    final class Gzipped implements LogSource {
        private final FileChannel ch;
        private final long trailerSize;
        private InputStream in;
        private long pos;
        private long end = -1;

        private Gzipped(FileChannel ch) throws IOException {
            this.ch = ch;
            long fileSize = ch.size();
            long isize = 0;
            if (fileSize >= 18) { // the smallest gzip member: 10-byte header, empty deflate block, 8-byte trailer
                ByteBuffer t = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
                while (t.hasRemaining() && ch.read(t, fileSize - 4 + t.position()) > 0) { /* fill */ }
                if (!t.hasRemaining()) isize = t.getInt(0) & 0xFFFFFFFFL;
            }
            this.trailerSize = isize;
        }

        @Override
        public long size() {
            // The trailer may understate a content of 4 GiB or more (or of several members): one byte more than
            // what has been read keeps the reader going until the real end.
            return end >= 0 ? end : Math.max(trailerSize, pos + 1);
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            if (in == null || position < pos) reopen();
            while (pos < position) {
                long skipped = in.skip(position - pos);
                if (skipped <= 0) {
                    if (in.read() < 0) return atEnd();
                    skipped = 1;
                }
                pos += skipped;
            }
            if (!dst.hasRemaining()) return 0;
            int n = in.read(dst.array(), dst.arrayOffset() + dst.position(), dst.remaining());
            if (n < 0) return atEnd();
            dst.position(dst.position() + n);
            pos += n;
            return n;
        }

        private int atEnd() {
            end = pos;
            return -1;
        }

        private void reopen() throws IOException {
            closeStream();
            in = new GZIPInputStream(new ChannelInput(ch), 64 * 1024);
            pos = 0;
        }

        private void closeStream() {
            if (in == null) return;
            try {
                in.close(); // ends the inflater; the channel stays open (ChannelInput does not close it)
            } catch (IOException ignored) {
                // nothing to lose: the content was only read
            }
            in = null;
        }

        @Override
        public boolean compressed() {
            return true;
        }

        @Override
        public void close() {
            closeStream();
            TrackedFile.closeQuietly(ch);
        }
    }

    /** A file channel as a stream by absolute positions, leaving the channel open when the stream is dropped. */
    final class ChannelInput extends InputStream {
        private final FileChannel ch;
        private long at;

        ChannelInput(FileChannel ch) {
            this.ch = ch;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) return 0;
            int n = ch.read(ByteBuffer.wrap(b, off, len), at);
            if (n > 0) at += n;
            return n;
        }
    }
}
