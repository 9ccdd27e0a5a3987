package io.elbo.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The {@code vae} command. Exit codes: 0 ok, 1 failure (bad data, bad checkpoint, training
 * diverged), 2 usage (unknown option, impossible value), 130 stopped by Ctrl-C after saving.
 */
@Command(name = "vae", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Train, evaluate and sample variational autoencoders on image data (IDX files: MNIST, Fashion-MNIST, ...).",
        subcommands = {TrainCommand.class, EvalCommand.class, SampleCommand.class, ReconstructCommand.class,
                InterpolateCommand.class, PlotCommand.class, ExportCommand.class, ImportCommand.class, ParquetCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Exit codes: 0 ok, 1 failure, 2 usage error, 130 stopped by Ctrl-C (after saving a checkpoint)."})
public final class Main implements Runnable {
    static final int INTERRUPTED = 130;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        List<String> names = new ArrayList<>(spec.subcommands().keySet());
        names.remove("help");
        throw new ParameterException(spec.commandLine(), "a command is needed: " + String.join(", ", names.subList(0, names.size() - 1))
                + " or " + names.get(names.size() - 1));
    }

    /** The command line with this project's error handling: one line per failure, never a stack trace. */
    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine cmd = ex.getCommandLine();
            cmd.getOut().flush();
            cmd.getErr().print(Text.wrap(cmd.getCommandSpec().qualifiedName() + ": ", ex.getMessage().lines().findFirst().orElse("")
                    + " (see " + cmd.getCommandSpec().qualifiedName() + " --help)"));
            cmd.getErr().flush();
            return 2;
        });
        cl.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
            cmd.getOut().flush();
            cmd.getErr().print(Text.wrap("vae: ", describe(ex)));
            cmd.getErr().flush();
            if (System.getenv("VAE_DEBUG") != null) ex.printStackTrace(cmd.getErr());
            return 1;
        });
        return cl;
    }

    /** What the command is doing, for the one line an Error becomes ("reading the data", "training epoch 3", ...). */
    private static volatile String doing = "starting";

    /** Says what the command is doing now (for the message of an Error that may follow). */
    public static void doing(String what) {
        doing = what;
    }

    /**
     * Runs the command line and returns its exit code. An Error (picocli hands only Exceptions to its
     * handler) becomes one line too, naming what was being done and the heap the JVM had, with exit 1;
     * {@code VAE_DEBUG=1} adds the stack trace.
     */
    static int execute(CommandLine cl, String... args) {
        doing("starting");
        try {
            return cl.execute(args);
        } catch (Error e) {
            cl.getOut().flush();
            cl.getErr().print(Text.wrap("vae: ", describe(e)));
            if (System.getenv("VAE_DEBUG") != null) e.printStackTrace(cl.getErr());
            cl.getErr().flush();
            return 1;
        } finally {
            cl.getOut().flush();
        }
    }

    /** One line for any failure: the message of ours, or the exception's kind and message for a surprise. */
    static String describe(Throwable ex) {
        if (ex instanceof CliException) return ex.getMessage();
        // A class that refused its configuration when it loaded (-Delbo.gemm.tile=5x5): its reason.
        if (ex instanceof ExceptionInInitializerError && ex.getCause() instanceof IllegalArgumentException) return describe(ex.getCause());
        if (ex instanceof OutOfMemoryError) {
            return "out of memory while " + doing + " (the JVM's heap is " + RunConfig.gib(Runtime.getRuntime().maxMemory())
                    + "); give it more with JAVA_OPTS=-Xmx8g, or use smaller sizes (--batch-size, --hidden, --samples)";
        }
        if (ex instanceof Error) {
            return "internal error while " + doing + ": " + ex + " (set VAE_DEBUG=1 for the stack trace)";
        }
        String m = ex.getMessage() == null ? "" : ex.getMessage().lines().findFirst().orElse("");
        String kind = ex instanceof IllegalArgumentException || ex instanceof IOException ? "" : ex.getClass().getSimpleName() + ": ";
        return kind + m + (kind.isEmpty() ? "" : " (set VAE_DEBUG=1 for the stack trace)");
    }

    /** Runs the {@code vae} command on {@code args} and exits with its code; exits with 2 if the Vector API module is not enabled. */
    public static void main(String[] args) {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            System.err.print(Text.wrap("vae: ", "the JDK Vector API module is not enabled; start with bin/vae, or with "
                    + "java --add-modules=jdk.incubator.vector -jar cli/target/vae.jar"));
            System.exit(2);
        }
        System.setProperty("java.awt.headless", "true");
        System.exit(execute(commandLine(), args));
    }

    /** {@code --version}: the project's version, the JVM and the Vector API's float lanes. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties p = new Properties();
            try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
                if (in != null) p.load(in);
            }
            return new String[] {
                "vae " + p.getProperty("version", "unknown") + " (elbo: reverse-mode autodiff and VAEs for the JVM)",
                "JVM " + System.getProperty("java.vm.name") + " " + Runtime.version() + ", " + Runtime.getRuntime().availableProcessors()
                        + " cores"
            };
        }
    }
}
