package io.elbo.cli;

import io.elbo.autodiff.JavadocTest;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole project's public API is documented and its links resolve: javadoc builds nn, vae and cli with
 * doclint, no error, no broken reference, and every public type, method and field with a comment (autodiff
 * has its own test, {@link JavadocTest}; the spark module its own).
 */
class JavadocAllModulesTest {
    @Test
    void everyPublicTypeAndMethodOfNnVaeAndCliIsDocumented(@TempDir Path out) throws IOException {
        JavadocTest.assertDocumented(out, List.of("autodiff", "nn", "vae", "cli"), List.of("io.elbo.nn", "io.elbo.vae", "io.elbo.vae.data",
                "io.elbo.cli"));
    }
}
