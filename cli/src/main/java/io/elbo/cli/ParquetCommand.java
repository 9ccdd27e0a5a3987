package io.elbo.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vae parquet}: an IDX data set as Parquet, for {@code vae train --spark} on data that lives in HDFS or S3. */
@Command(name = "parquet", mixinStandardHelpOptions = true, showDefaultValues = true, abbreviateSynopsis = true, sortOptions = false,
        description = {"Convert IDX images (MNIST's format) to Parquet for vae train --spark (needs a build with -Pspark); writes:",
                "  OUT/train.parquet, OUT/test.parquet and OUT/dataset.json"})
final class ParquetCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    SharedOptions.ParquetData data;

    @Parameters(index = "0", paramLabel = "OUT", description = "the directory to write")
    Path out;

    @Option(names = "--spark", defaultValue = "local[*]", paramLabel = "MASTER", description = "Spark master that writes the files")
    String master;

    @Override
    public Integer call() {
        Data d = Data.load(Data.resolve(data.value));
        Outputs.directory(out);
        spec.commandLine().getOut().print(Text.wrap("data: ", d.description()));
        SparkSupport.find().toParquet(d, out, master, spec.commandLine().getOut());
        return 0;
    }
}
