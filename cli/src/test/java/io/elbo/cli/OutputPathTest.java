package io.elbo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every command that writes a file the user names refuses, before any work, a path whose directory is
 * a file (naming that file: "is not a directory", never "already exists") or does not exist (never
 * creating it, even as root). The commands whose output is a directory (a run, a Parquet set) create
 * it with its parents, as {@code mkdir -p} ({@code -o runs/w1} in a fresh checkout), but name a file in
 * its way.
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

    /** Each command that writes a file, with {@code OUT} where it goes. */
    static final List<String[]> FILE_WRITERS = List.of(
            new String[] {"export", "RUN", "-o", "OUT"},
            new String[] {"export", "RUN", "--names", "native", "--output", "OUT"},
            new String[] {"sample", "RUN", "-n", "4", "-o", "OUT"},
            new String[] {"reconstruct", "RUN", "-n", "2", "-o", "OUT"},
            new String[] {"interpolate", "RUN", "--steps", "2", "-o", "OUT"});

    /** Each command that writes a directory. */
    static final List<String[]> DIRECTORY_WRITERS = List.of(
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
        for (String[] w : java.util.stream.Stream.concat(FILE_WRITERS.stream(), DIRECTORY_WRITERS.stream()).toList()) {
            Path out = file.resolve("w.out");
            CliTest.vae(args(w, out)).assertOneLineError(1, file + " is not a directory");
            assertEquals("x", Files.readString(file), w[0]);
        }
    }

    @Test
    void aMissingDirectoryIsRefusedAndNeverCreated() {
        Path missing = tmp.resolve("nonexistentdir");
        for (String[] w : FILE_WRITERS) {
            CliTest.vae(args(w, missing.resolve("w.out"))).assertOneLineError(1, missing + " does not exist");
            assertFalse(Files.exists(missing), w[0] + " created " + missing);
        }
    }

    @Test
    void aRunDirectoryIsCreatedWithItsParents() {
        Path run = tmp.resolve("runs-not-yet").resolve("w1");
        CliTest.vae("train", "--data", "sample", "--limit", "64", "-b", "64", "-e", "1", "--hidden", "8", "--threads", "1",
                "-o", run.toString()).assertOk();
        assertTrue(Files.isRegularFile(run.resolve(Runs.CHECKPOINT)));
    }

    @Test
    void aDirectoryWhereAFileShouldBeIsSaid() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("a-directory"));
        CliTest.vae("export", run.toString(), "-o", dir.toString()).assertOneLineError(1, "it is a directory");
        CliTest.vae("sample", run.toString(), "-o", dir.toString()).assertOneLineError(1, "it is a directory");
    }
}
