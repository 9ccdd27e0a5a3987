package io.elbo.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One writer per run directory: {@code vae train} (and {@code --resume}) hold an OS lock on
 * {@code DIR/.lock} while they write the directory. The operating system releases it when the process
 * ends, however it ends (kill -9 included), so a lock is never stale. The file holds the writer's pid,
 * for the message a second writer gets. Readers (eval, sample, ...) never take it.
 */
final class RunLock implements AutoCloseable {
    static final String FILE = ".lock";

    private final FileChannel channel;
    private final FileLock lock;

    private RunLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the directory's lock, or fails with one line naming the process that holds it. */
    static RunLock acquire(Path dir) {
        Path file = dir.resolve(FILE);
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new CliException(file + ": cannot open the run's lock file (" + io.elbo.nn.IoErrors.reason(e) + ")");
        }
        try {
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException e) { // held by this very process
                lock = null;
            }
            if (lock == null) {
                String holder = holder(ch);
                ch.close();
                throw new CliException(dir + " is being written by another vae train (pid " + holder + "); wait for it to finish,"
                        + " or write to another --out");
            }
            ch.truncate(0);
            ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
            return new RunLock(ch, lock);
        } catch (IOException e) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // the lock, if any, goes with the channel
            }
            throw new CliException(file + ": cannot lock the run directory (" + io.elbo.nn.IoErrors.reason(e) + ")");
        }
    }

    private static String holder(FileChannel ch) {
        try {
            ByteBuffer b = ByteBuffer.allocate(32);
            ch.read(b, 0);
            String s = new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).trim();
            return s.matches("[0-9]{1,19}") ? s : "unknown";
        } catch (IOException e) {
            return "unknown";
        }
    }

    /**
     * Removes what a killed writer left: temporary files ({@code .NAME....tmp}) that were never moved into
     * place. Called with the lock held, so no live writer owns them.
     */
    static int removeLeftovers(Path dir) {
        int removed = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, ".*.tmp")) {
            for (Path f : files) {
                if (Files.isRegularFile(f) && Files.deleteIfExists(f)) removed++;
            }
        } catch (IOException e) {
            throw new CliException(dir + ": cannot clean up temporary files (" + io.elbo.nn.IoErrors.reason(e) + ")");
        }
        return removed;
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException ignored) {
            // the OS releases the lock with the process anyway
        }
    }
}
