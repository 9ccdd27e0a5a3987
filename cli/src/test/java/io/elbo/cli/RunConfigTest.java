package io.elbo.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.elbo.autodiff.DType;
import io.elbo.nn.SafeTensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one typed configuration: written once and read once, one line per bad field, enums written as their
 * command-line names, and a format-1 configuration (what vae wrote before the parts had names) read with the
 * parts every run had then, so an old checkpoint evaluates and resumes with the bits of a run never stopped.
 */
class RunConfigTest {
    /** config.json as vae wrote it before format 2 (no format, posterior or prior). */
    static final String FORMAT_1 = """
            {
              "data": "sample", "pixels": "grey", "limit": 512, "rows": 28, "cols": 28, "hidden": [64], "latent": 4,
              "activation": "relu", "likelihood": "bernoulli", "sigma": 0.1, "epochs": 2, "batchSize": 64, "optimizer": "adam",
              "lr": 0.001, "beta": 1.0, "klWarmup": 0, "samples": 1, "iwaeK": 1, "seed": 3, "dtype": "float32"
            }""";

    @Test
    void aFormatOneConfigurationReadsWithTheDefaultPartsAndRoundTrips() {
        RunConfig c = RunConfig.fromJson(FORMAT_1, "old.json");
        assertEquals(RunConfig.FORMAT, c.format());
        assertEquals("gaussian", c.posterior());
        assertEquals("standard-normal", c.prior());
        assertEquals("mlp", c.arch(), "a configuration without an architecture is an MLP's");
        assertEquals(Data.Pixels.GREY, c.pixels());
        assertEquals(RunConfig.Optimizer.ADAM, c.optimizer());
        assertEquals(DType.FLOAT32, c.dtype());
        String json = c.toJson();
        assertTrue(json.contains("\"pixels\": \"grey\"") && json.contains("\"optimizer\": \"adam\"") && json.contains("\"dtype\": \"float32\""),
                "enums are written as their command-line names: " + json);
        RunConfig back = RunConfig.fromJson(json, "new.json");
        assertEquals(json, back.toJson(), "written once, read once: the round trip is the identity");
        assertArrayEquals(c.hidden(), back.hidden());
    }

    /** A format-2 configuration (before several stochastic layers: one int latent) reads as the one-layer model it is. */
    @Test
    void aFormatTwoConfigurationReadsAsOneStochasticLayer() {
        RunConfig c = RunConfig.fromJson(FORMAT_1.replace("{", "{ \"format\": 2, \"posterior\": \"gaussian\", \"prior\": \"standard-normal\","),
                "two.json");
        assertEquals(RunConfig.FORMAT, c.format());
        assertEquals(4, c.latent());
        assertArrayEquals(new int[0], c.upperLatents());
        assertEquals(1, c.vaeConfig().layers());
        assertTrue(c.toJson().replaceAll("\\s", "").contains("\"upperLatents\":[]"), c.toJson());
    }

    @Test
    void eachBadFieldIsOneLineNamingIt() {
        String[][] cases = {
            {"\"optimizer\": \"adam\"", "\"optimizer\": \"nadam\"", "unknown --optimizer 'nadam'"},
            {"\"pixels\": \"grey\"", "\"pixels\": \"sepia\"", "unknown pixel preprocessing 'sepia'"},
            {"\"dtype\": \"float32\"", "\"dtype\": \"float16\"", "unknown dtype 'float16'"},
            {"\"likelihood\": \"bernoulli\",", "", "has no 'likelihood'"},
            {"\"likelihood\": \"bernoulli\"", "\"likelihood\": \"poisson\"", "unknown likelihood 'poisson'"},
            {"\"latent\": 4", "\"latent\": 0", "--latent must be at least 1"},
            {"{", "{ \"format\": 7, \"posterior\": \"gaussian\", \"prior\": \"standard-normal\",", "format is 7"},
            {"{", "{ \"format\": 2, \"prior\": \"standard-normal\",", "has no 'posterior'"},
            {"{", "{ \"format\": 3, \"posterior\": \"gaussian\", \"prior\": \"standard-normal\",", "has no 'upperLatents'"},
            {"{", "{ \"format\": 3, \"posterior\": \"gaussian\", \"prior\": \"standard-normal\", \"upperLatents\": [2, 0],",
                "--latent sizes must be at least 1, got 4,2,0"},
            {"{", "{ \"arch\": \"resnet\",", "unknown --arch 'resnet' (mlp or conv)"},
            {"{", "{ \"arch\": \"conv\",", "--hidden sets the MLP's widths; --arch conv has its own layers"},
            {"\"rows\": 28", "\"arch\": \"conv\", \"rows\": 32", "--arch conv takes 28×28 single-channel images; these are 32×28"},
        };
        for (String[] c : cases) {
            String json = FORMAT_1.replace(c[0], c[1]);
            CliException e = assertThrows(CliException.class, () -> RunConfig.fromJson(json, "bad.json"), c[2]);
            assertTrue(e.getMessage().startsWith("bad.json: ") && e.getMessage().contains(c[2]), c[2] + ": " + e.getMessage());
            assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        }
    }

    /** A checkpoint whose run configuration is format 1 resumes to the bits of a run never stopped. */
    @Test
    void aFormatOneCheckpointResumesBitIdentically(@TempDir Path tmp) throws Exception {
        Path straight = tmp.resolve("straight"), old = tmp.resolve("old");
        String[] args = {"train", "--data", "sample", "--limit", "512", "-b", "64", "--hidden", "64", "--latent", "4", "--seed", "3",
            "--threads", "1"};
        CliTest.vae(CliTest.with(args, "-e", "2", "-o", straight.toString())).assertOk();
        CliTest.vae(CliTest.with(args, "-e", "1", "-o", old.toString())).assertOk();
        Path file = old.resolve(Runs.CHECKPOINT);
        SafeTensors.Contents k = SafeTensors.read(file);
        Map<String, String> meta = new LinkedHashMap<>(k.metadata());
        meta.put(Runs.RUN, FORMAT_1.replace("\"epochs\": 2", "\"epochs\": 1"));
        SafeTensors.write(file, k.entries(), meta);
        Files.writeString(old.resolve(Runs.CONFIG), FORMAT_1);
        CliTest.Result r = CliTest.vae("train", "--resume", old.toString(), "-e", "2", "--threads", "1");
        r.assertOk();
        CliTest.assertSameState(straight, old);
    }
}
