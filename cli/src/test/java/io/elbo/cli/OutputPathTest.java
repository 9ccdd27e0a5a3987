package io.elbo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every command that writes a file or a directory the user names refuses, before any work, a path
 * whose directory is a file (naming that file: "is not a directory", never "already exists") or does
 * not exist (never creating it, even as root).
 */
class OutputPathTest {
    @TempDir
    static Path tmp;
    static Path run;

    @BeforeAll
    static void train() {
        run = tmp.resolve("run");
        CliTest.vae(CliTest.with(CliTest.SHORT, "-e", "1", "--hidden", "8", "--latent", "2", "-o", run.toString())).assertOk();
    }

    /** Each command that writes, with {@code OUT} where its output goes. */
    static final List<String[]> WRITERS = List.of(
            new String[] {"export", "RUN", "-o", "OUT"},
            new String[] {"export", "RUN", "--names", "native", "--output", "OUT"},
            new String[] {"sample", "RUN", "-n", "4", "-o", "OUT"},
            new String[] {"reconstruct", "RUN", "-n", "2", "-o", "OUT"},
            new String[] {"interpolate", "RUN", "--steps", "2", "-o", "OUT"},
            new String[] {"import", "WEIGHTS", "-o", "OUT"},
            new String[] {"train", "--data", "sample", "--limit", "64", "-b", "64", "-e", "1", "--hidden", "8", "-o", "OUT"},
            new String[] {"parquet", "OUT", "--data", "sample"});

    static String[] args(String[] template, Path out) {
        return java.util.Arrays.stream(template).map(a -> a.equals("RUN") ? run.toString()
                : a.equals("WEIGHTS") ? run.resolve(Runs.CHECKPOINT).toString() : a.equals("OUT") ? out.toString() : a).toArray(String[]::new);
    }

    @Test
    void aFileWhereTheDirectoryShouldBeIsNamedAsNotADirectory() throws Exception {
        Path file = Files.writeString(tmp.resolve("plain-file"), "x");
        for (String[] w : WRITERS) {
            Path out = file.resolve("w.out");
            CliTest.vae(args(w, out)).assertOneLineError(1, file + " is not a directory");
            assertEquals("x", Files.readString(file), w[0]);
        }
    }

    @Test
    void aMissingDirectoryIsRefusedAndNeverCreated() {
        Path missing = tmp.resolve("nonexistentdir");
        for (String[] w : WRITERS) {
            CliTest.vae(args(w, missing.resolve("w.out"))).assertOneLineError(1, missing + " does not exist");
            assertFalse(Files.exists(missing), w[0] + " created " + missing);
        }
    }

    @Test
    void aDirectoryWhereAFileShouldBeIsSaid() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("a-directory"));
        CliTest.vae("export", run.toString(), "-o", dir.toString()).assertOneLineError(1, "it is a directory");
        CliTest.vae("sample", run.toString(), "-o", dir.toString()).assertOneLineError(1, "it is a directory");
    }
}
