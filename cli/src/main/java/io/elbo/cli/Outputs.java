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
     * Creates the directory {@code dir} a command writes into, or reuses it: only {@code dir} itself is
     * created, so its parent must exist ({@code createParents}: the parents too, for a default such as
     * {@code runs/vae-DATE}).
     */
    static Path directory(Path dir, boolean createParents) {
        Path abs = dir.toAbsolutePath().normalize();
        if (Files.isDirectory(abs)) return dir;
        if (Files.exists(abs)) throw new CliException(dir + ": cannot create the output directory (a file of that name exists)");
        if (!createParents) requireDirectory(abs.getParent(), dir);
        try {
            if (createParents) Files.createDirectories(abs);
            else Files.createDirectory(abs);
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
