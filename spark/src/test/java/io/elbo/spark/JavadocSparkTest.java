package io.elbo.spark;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The spark module's public API is documented and its links resolve (as {@code JavadocTest} and {@code JavadocAllModulesTest} check the others). The other
 * modules come from the class path, compiled: JDK 17's javadoc fails with an internal error on the cli's
 * records when their sources are on the source path too.
 */
class JavadocSparkTest {
    @Test
    void everyPublicTypeAndMethodOfTheSparkModuleIsDocumented(@TempDir Path out) throws IOException {
        io.elbo.autodiff.JavadocTest.assertDocumented(out, List.of("spark"), List.of("io.elbo.spark"));
    }
}
