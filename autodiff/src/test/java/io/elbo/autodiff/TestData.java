package io.elbo.autodiff;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the repository's {@code test-data/} directory from a module's working directory (shared by every module's tests). */
public final class TestData {
    private TestData() {}

    public static Path path(String... parts) {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("test-data"))) dir = dir.getParent();
        if (dir == null) throw new IllegalStateException("test-data/ not found above " + Path.of("").toAbsolutePath());
        return dir.resolve(Path.of("test-data", parts));
    }
}
