package io.elbo.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.Gson;
import io.elbo.autodiff.DType;
import io.elbo.autodiff.Tensor;
import io.elbo.autodiff.TestData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.commons.rng.simple.RandomSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our safetensors files against an independent implementation: {@code test-data/safetensors/interop.py},
 * a reader and writer in Python's standard library. Python reads what we write, we read what it writes.
 */
class PythonInteropTest {
    static final Path SCRIPT = TestData.path("safetensors", "interop.py");

    @TempDir
    Path dir;

    static String python(String... args) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of("python3", SCRIPT.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("python3 timed out");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), "python3 " + String.join(" ", args) + " said: " + out);
        return out;
    }

    static Map<String, SafeTensors.Entry> known() {
        float[] ramp = new float[15];
        for (int i = 0; i < 15; i++) ramp[i] = (float) (i * 0.25 - 1);
        double[] wave = new double[24];
        for (int i = 0; i < 24; i++) wave[i] = 1000 * Math.sin(i);
        byte[] bytes = new byte[256];
        for (int i = 0; i < 256; i++) bytes[i] = (byte) i;
        Map<String, SafeTensors.Entry> m = new LinkedHashMap<>();
        m.put("ramp32", SafeTensors.Entry.of(Tensor.of(ramp, 3, 5)));
        m.put("wave64", SafeTensors.Entry.of(Tensor.of(wave, 2, 3, 4)));
        m.put("bytes", SafeTensors.Entry.ofBytes(bytes));
        return m;
    }

    static final Map<String, String> METADATA = Map.of("greeting", "h\u00e9llo \u2713", "answer", "42");

    @Test
    void pythonReadsTheTensorsAndMetadataWeWrite() throws Exception {
        Path f = dir.resolve("known.safetensors");
        SafeTensors.write(f, known(), METADATA);
        python("check", f.toString());
    }

    @Test
    void pythonReadsATrainedModelCheckpointExactly() throws Exception {
        Sequential net = MLP.of(RandomSource.XO_RO_SHI_RO_128_PP.create(5L), DType.FLOAT32, 3, 4, 2).build();
        Adam opt = Adam.adam(net.parameters(), 0.01);
        Tensor x = Tensor.uniform(RandomSource.XO_RO_SHI_RO_128_PP.create(6L), -1, 1, DType.FLOAT32, 16, 3);
        for (int i = 0; i < 5; i++) {
            opt.zeroGrad();
            net.forward(x).square().mean().backward();
            opt.step();
        }
        Path f = dir.resolve("model.safetensors");
        Checkpoint.save(f, net, opt, RandomSource.XO_RO_SHI_RO_128_PP.create(7L), Map.of("epoch", "5"));
        Map<String, Object> expected = new LinkedHashMap<>();
        for (Map.Entry<String, SafeTensors.Entry> e : SafeTensors.read(f).entries().entrySet()) {
            SafeTensors.Entry t = e.getValue();
            Object values = t.dtype() == SafeTensors.ElementType.U8 ? toInts(t.bytes()) : t.tensor().toDoubleArray();
            expected.put(e.getKey(), Map.of("dtype", t.dtype().name(), "shape", t.shape(), "values", values));
        }
        assertEquals(1 + 4 + 8, expected.size(), "model, Adam's two buffers per parameter, generator state");
        Path json = dir.resolve("expected.json");
        Files.writeString(json, new Gson().toJson(expected));
        python("check-model", f.toString(), json.toString());
    }

    static int[] toInts(byte[] b) {
        int[] out = new int[b.length];
        for (int i = 0; i < b.length; i++) out[i] = b[i] & 0xff;
        return out;
    }

    @Test
    void weReadWhatPythonWrites() throws Exception {
        Path f = dir.resolve("python.safetensors");
        python("write", f.toString());
        SafeTensors.Contents c = SafeTensors.read(f);
        assertEquals(METADATA, c.metadata());
        Map<String, SafeTensors.Entry> known = known();
        for (String name : List.of("ramp32", "wave64")) {
            assertArrayEquals(known.get(name).shape(), c.entries().get(name).shape());
            assertArrayEquals(known.get(name).tensor().toDoubleArray(), c.entries().get(name).tensor().toDoubleArray(),
                    1e-12 * 1000, name);
        }
        assertArrayEquals(known.get("bytes").bytes(), c.entries().get("bytes").bytes());

        // The MLP weights Python wrote load into our model (a file with no optimiser or generator state).
        Sequential net = MLP.of(RandomSource.XO_RO_SHI_RO_128_PP.create(1L), DType.FLOAT32, 3, 4, 2).build();
        Checkpoint.load(f, net, null, null);
        int k = 0;
        for (Parameter p : net.parameters()) {
            float[] v = p.value().toFloatArray();
            for (int i = 0; i < v.length; i++) assertEquals((float) (0.01 * i - 0.1 * k), v[i], name(net, p) + "[" + i + "]");
            k++;
        }
    }

    static String name(Module m, Parameter p) {
        return m.namedParameters().entrySet().stream().filter(e -> e.getValue() == p).findFirst().orElseThrow().getKey();
    }
}
