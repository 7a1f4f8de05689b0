package io.meshpulse.app.cli;

import io.meshpulse.ingest.framing.Frame;
import io.meshpulse.ingest.framing.LineFramer;
import io.meshpulse.ingest.framing.NewlineReader;
import io.meshpulse.topology.parse.AccessLogParser;
import io.meshpulse.topology.parse.ParseResult;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "parse", mixinStandardHelpOptions = true,
        description = {"Parse istio-proxy access-log lines and print one JSON object per input line, in order.",
                "Lines may carry a kubelet CRI, docker json-file or `kubectl logs --timestamps` envelope;",
                "a CRI partial chunk prints {\"ok\":false} and its joined line is reported on the final chunk."})
final class ParseCommand implements Callable<Integer> {
    @Parameters(arity = "0..*", paramLabel = "FILE", description = "Files to read (.gz allowed); standard input when none.")
    List<Path> files = List.of();

    @Override
    public Integer call() throws IOException {
        AccessLogParser parser = new AccessLogParser();
        BufferedWriter w = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), 1 << 16);
        ParseOutput out = new ParseOutput(w);
        int failed = 0;
        if (files.isEmpty()) {
            parseStream(System.in, parser, out);
        } else {
            for (Path f : files) {
                // A file that cannot be read is reported and skipped: the others are still parsed.
                String problem = Files.isDirectory(f) ? "is a directory"
                        : !Files.exists(f) ? "no such file" : !Files.isReadable(f) ? "not readable" : null;
                if (problem == null) {
                    try (InputStream in = open(f)) {
                        parseStream(in, parser, out);
                    } catch (IOException e) {
                        problem = e.getMessage() != null ? e.getMessage() : e.toString();
                    }
                }
                if (problem != null) {
                    failed++;
                    out.flush();
                    w.flush();
                    System.err.println("meshpulse parse: " + f + ": " + problem);
                }
            }
        }
        out.flush();
        w.flush();
        return failed == 0 ? 0 : 1;
    }

    private static InputStream open(Path f) throws IOException {
        return io.meshpulse.ingest.files.LogFileSet.open(f); // gzip told by its first bytes, as replay tells it
    }

    private static void parseStream(InputStream in, AccessLogParser parser, ParseOutput out) throws IOException {
        LineFramer framer = new LineFramer();
        NewlineReader r = new NewlineReader(in);
        for (String line = r.readLine(); line != null; line = r.readLine()) {
            Frame f = framer.frame(line, r.lineBuffer(), r.lineOffset(), r.lineLength());
            if (f.kind() == Frame.Kind.PARTIAL) {
                out.error("partial line (" + f.envelope() + "): continued on a following line");
                continue;
            }
            emit(f, parser, out);
        }
        // A partial chunk whose line never ended (input cut after a CRI `P` or a docker chunk without its newline)
        // was already answered {"ok":false} on its own input line. Printing the leftover here would add an output
        // line that no input line matches, and every consumer that pairs input and output line by line would be
        // shifted; so the leftover is dropped (each file has its own framer: nothing carries over to the next one).
    }

    private static void emit(Frame f, AccessLogParser parser, ParseOutput out) throws IOException {
        ParseResult res = parser.parse(f.content());
        if (res instanceof ParseResult.Parsed p) out.record(p.record());
        else out.error(((ParseResult.Rejected) res).reason());
    }
}
