package io.meshpulse.app.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "meshpulse", mixinStandardHelpOptions = true, versionProvider = Meshpulse.Version.class,
        description = "Per-workload-pair failure analytics for Istio meshes, from istio-proxy access logs, on Kafka Streams.",
        subcommands = {ParseCommand.class, ReplayCommand.class, DemoCommand.class, SimulateCommand.class,
                BrokerCommand.class, IngestCommand.class, RunCommand.class, TriageCommand.class, BenchCommand.class})
public final class Meshpulse {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String... args) {
        return commandLine().execute(args);
    }

    /** The command line as {@link #run} uses it (tests set its output streams). */
    static CommandLine commandLine() {
        return new CommandLine(new Meshpulse()).setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler(Meshpulse::settingsErrors);
    }

    /**
     * A {@link SettingsError} is the user's to fix: one line naming what is wrong, exit code 2. A
     * {@link io.meshpulse.app.kafka.StartupError} (nothing answers at the broker address, the broker's port is taken)
     * is one line too, exit code 1. Anything else is a bug or an outage, with its stack trace.
     */
    static int settingsErrors(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) throws Exception {
        Throwable said = e instanceof SettingsError ? e : null;
        for (Throwable t = e; said == null && t != null; t = t.getCause()) {
            if (t instanceof io.meshpulse.app.kafka.StartupError) said = t;
        }
        if (said == null) throw e;
        cmd.getErr().println(cmd.getCommandSpec().qualifiedName() + ": " + said.getMessage());
        return said instanceof SettingsError ? 2 : 1;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Meshpulse.class.getPackage().getImplementationVersion();
            return new String[] {"meshpulse " + (v == null ? "dev" : v)};
        }
    }
}
