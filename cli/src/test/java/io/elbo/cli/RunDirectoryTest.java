package io.elbo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.elbo.nn.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run directory has one writer: a second {@code vae train} on it is refused with the holder's pid
 * while readers go on; {@code kill -9} at any point leaves a checkpoint that loads and resumes, and the
 * next writer removes the temporary files it left; files get the umask's permissions; and a picture
 * that cannot be written costs a warning, not the epoch. The writer runs in a child JVM; the test waits
 * for what it observes (a checkpoint written), never for a length of time.
 */
class RunDirectoryTest {
    @TempDir
    Path tmp;

    static Process startTraining(Path dir) throws IOException {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g",
                "--add-modules=jdk.incubator.vector", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "train", "--data", "sample", "--limit", "512", "-b", "32", "-e", "100000", "--threads", "1", "-o", dir.toString());
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    /** Waits until {@code condition} holds; fails if the writer dies first (or after two minutes). */
    static void await(BooleanSupplier condition, Process writer, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (!condition.getAsBoolean()) {
            if (!writer.isAlive()) fail("the writer ended (exit " + writer.exitValue() + ") before " + what);
            if (System.nanoTime() > deadline) fail("no " + what + " within two minutes");
            Thread.sleep(10);
        }
    }

    static FileTime modified(Path f) {
        try {
            return Files.getLastModifiedTime(f);
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }

    @Test
    void aSecondWriterIsRefusedWithTheHoldersPidWhileReadersRead() throws Exception {
        Path dir = tmp.resolve("run");
        Process writer = startTraining(dir);
        try {
            await(() -> Files.exists(dir.resolve(Runs.CHECKPOINT)), writer, "first checkpoint");
            String held = "is being written by another vae train (pid " + writer.pid() + ")";
            CliTest.vae("train", "--data", "sample", "-e", "1", "-o", dir.toString()).assertOneLineError(1, held);
            CliTest.vae("train", "--resume", dir.toString()).assertOneLineError(1, held);
            CliTest.Result eval = CliTest.vae("eval", dir.toString(), "-k", "2", "-n", "4", "--threads", "1");
            assertEquals(0, eval.exit(), "a reader takes no lock: " + eval.err());
        } finally {
            writer.destroyForcibly().waitFor();
        }
    }

    @Test
    void killNineLeavesACheckpointThatLoadsAndResumesAndItsLeftoversAreRemoved() throws Exception {
        for (int trial = 0; trial < 4; trial++) {
            Path dir = tmp.resolve("kill" + trial), ckpt = dir.resolve(Runs.CHECKPOINT);
            Process writer = startTraining(dir);
            try {
                await(() -> Files.exists(ckpt), writer, "first checkpoint");
                for (int more = 0; more < trial; more++) { // each trial is killed after a different number of checkpoints
                    FileTime seen = modified(ckpt);
                    await(() -> !modified(ckpt).equals(seen), writer, "next checkpoint");
                }
            } finally {
                writer.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook, no cleanup
            }
            Path stale = dir.resolve("." + Runs.CHECKPOINT + ".99999-1f2e3d" + SafeTensors.TEMPORARY_SUFFIX);
            Files.write(stale, new byte[4096]); // as a writer killed mid-write leaves it
            CliTest.Result eval = CliTest.vae("eval", dir.toString(), "-k", "2", "-n", "4", "--threads", "1");
            assertEquals(0, eval.exit(), "trial " + trial + ": the last checkpoint loads: " + eval.err());
            int epoch = Integer.parseInt(SafeTensors.read(ckpt).metadata().get(Runs.EPOCH));
            CliTest.Result resumed = CliTest.vae("train", "--resume", dir.toString(), "--epochs", Integer.toString(epoch), "--threads", "1");
            assertEquals(0, resumed.exit(), "trial " + trial + ": resumes: " + resumed.err());
            try (Stream<Path> files = Files.list(dir)) {
                assertEquals(List.of(), files.filter(f -> f.getFileName().toString().endsWith(".tmp")).toList(),
                        "trial " + trial + ": no temporary file is left");
            }
        }
    }

    @Test
    void filesGetTheUmasksPermissionsAndAPictureThatCannotBeWrittenCostsOnlyAWarning() throws Exception {
        Path dir = tmp.resolve("run");
        Files.createDirectories(dir.resolve("samples-epoch-001.png").resolve("occupied")); // a directory where a picture goes
        CliTest.Result r = CliTest.vae(CliTest.with(CliTest.SHORT, "-e", "2", "-o", dir.toString()));
        assertEquals(0, r.exit(), r.err());
        String warning = Columns.assertOneMessage("the warning", r.err());
        assertTrue(warning.startsWith("vae: warning: ") && warning.contains("samples-epoch-001.png"), r.err());
        assertTrue(r.out().contains("\n2/2 "), "training went on: " + r.out());
        assertEquals("3", SafeTensors.read(dir.resolve(Runs.CHECKPOINT)).metadata().get(Runs.EPOCH), "both epochs are in the checkpoint");
        assertTrue(Files.exists(dir.resolve("samples-epoch-002.png")));
        if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Path probe = Files.createFile(dir.resolve("probe")); // created with the umask's permissions
            for (String f : new String[] {Runs.CHECKPOINT, Runs.METRICS, Runs.CONFIG, "loss.png"}) {
                assertEquals(Files.getPosixFilePermissions(probe), Files.getPosixFilePermissions(dir.resolve(f)), f);
            }
        }
        assertFalse(Files.exists(dir.resolve("." + Runs.CHECKPOINT + ".tmp")));
    }
}
