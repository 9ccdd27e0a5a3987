package io.elbo.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where a command writes, checked before any work: the directory a file goes into must exist and be a
 * directory (a command never creates one the user did not ask for), and a failure names its real cause:
 * {@code /etc/passwd/w.safetensors: cannot write (/etc/passwd is not a directory)}.
 */
final class Outputs {
    private Outputs() {}

    /** {@code file}, checked to be writable as a file: its directory exists, and it is not itself a directory. */
    static Path file(Path file) {
        Path abs = file.toAbsolutePath().normalize();
        requireDirectory(abs.getParent(), file);
        if (Files.isDirectory(abs)) throw new CliException(file + ": cannot write (it is a directory; name a file)");
        return file;
    }

    /**
     * Creates the directory {@code dir} a command writes its files into (a run, a Parquet set), with its
     * missing parents as {@code mkdir -p} does ({@code -o runs/w1} in a fresh checkout), or reuses it; a
     * file in its way is named. The directory is the command's output, and its first lines name it.
     */
    static Path directory(Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        if (Files.isDirectory(abs)) return dir;
        if (Files.exists(abs)) throw new CliException(dir + ": cannot create the output directory (a file of that name exists)");
        for (Path p = abs.getParent(); p != null; p = p.getParent()) {
            if (Files.exists(p) && !Files.isDirectory(p)) throw new CliException(dir + ": cannot create (" + p + " is not a directory)");
        }
        try {
            Files.createDirectories(abs);
        } catch (IOException e) {
            throw new CliException(dir + ": cannot create the output directory (" + io.elbo.nn.IoErrors.reason(e) + ")");
        }
        return dir;
    }

    /** The directory {@code parent} of {@code what} exists and is a directory; else one line naming the path that is not. */
    private static void requireDirectory(Path parent, Path what) {
        if (parent == null || Files.isDirectory(parent)) return;
        for (Path p = parent; p != null; p = p.getParent()) {
            if (Files.exists(p) && !Files.isDirectory(p)) throw new CliException(what + ": cannot write (" + p + " is not a directory)");
        }
        throw new CliException(what + ": cannot write (no such file or directory); " + parent + " does not exist");
    }
}
