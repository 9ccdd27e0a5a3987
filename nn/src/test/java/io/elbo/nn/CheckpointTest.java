package io.elbo.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.elbo.autodiff.DType;
import io.elbo.autodiff.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.commons.rng.simple.RandomSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {
    @TempDir
    Path dir;

    static Sequential net(long seed) {
        return MLP.of(RandomSource.XO_RO_SHI_RO_128_PP.create(seed), DType.FLOAT32, 3, 4, 2).build();
    }

    /** A file with a hand-written header and data section. */
    Path raw(String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        Path f = Files.createTempFile(dir, "raw", ".safetensors");
        Files.write(f, b.array());
        return f;
    }

    String readError(Path f) {
        String m = assertThrows(CheckpointException.class, () -> SafeTensors.read(f)).getMessage();
        return m.substring(m.indexOf(": ") + 2);
    }

    @Test
    void modelOptimizerAndGeneratorStateRoundTripExactly() throws Exception {
        Sequential a = net(1);
        SGD opt = new SGD(a.parameters(), 0.1).momentum(0.9);
        a.forward(Tensor.ones(DType.FLOAT32, 2, 3)).sum().backward();
        opt.step();
        var rng = RandomSource.XO_RO_SHI_RO_128_PP.create(3L);
        rng.nextLong();
        Path f = dir.resolve("c.safetensors");
        Checkpoint.save(f, a, opt, rng, Map.of("epoch", "7"));

        Sequential b = net(2);
        SGD opt2 = new SGD(b.parameters(), 0.5).momentum(0.9);
        var rng2 = RandomSource.XO_RO_SHI_RO_128_PP.create(4L);
        Map<String, String> meta = Checkpoint.load(f, b, opt2, rng2);
        assertEquals("7", meta.get("epoch"));
        assertEquals(Checkpoint.FORMAT, meta.get("format"));
        for (String n : a.namedParameters().keySet()) {
            assertArrayEquals(a.namedParameters().get(n).value().toFloatArray(), b.namedParameters().get(n).value().toFloatArray(), 0f, n);
        }
        assertEquals(0.1, opt2.lr());
        assertEquals(rng.nextLong(), rng2.nextLong(), "the generator continues where it was saved");
        assertArrayEquals(opt.stateTensors().get("0.momentum_buffer").toFloatArray(), opt2.stateTensors().get("0.momentum_buffer").toFloatArray(), 0f);
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary file is left behind");
        }
    }

    @Test
    void aFailedSaveLeavesThePreviousCheckpointIntact() throws Exception {
        Path f = dir.resolve("c.safetensors");
        Checkpoint.save(f, net(1), null, null, Map.of());
        byte[] before = Files.readAllBytes(f);
        Map<String, SafeTensors.Entry> broken = new LinkedHashMap<>();
        broken.put("ok", SafeTensors.Entry.of(Tensor.ones(DType.FLOAT32, 1000)));
        broken.put("broken", new SafeTensors.Entry(SafeTensors.ElementType.F32, new int[] {4}, null, null)); // fails mid-write
        assertThrows(RuntimeException.class, () -> SafeTensors.write(f, broken, Map.of()));
        assertArrayEquals(before, Files.readAllBytes(f));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(1, files.count(), "the temporary file was removed");
        }
    }

    @Test
    void loadingChecksNamesShapesDtypesAndStateBeforeChangingAnything() throws Exception {
        Path f = dir.resolve("c.safetensors");
        Sequential a = net(1);
        Adam adam = Adam.adam(a.parameters(), 0.01);
        a.forward(Tensor.ones(DType.FLOAT32, 2, 3)).sum().backward();
        adam.step();
        Checkpoint.save(f, a, adam, RandomSource.XO_RO_SHI_RO_128_PP.create(3L), Map.of());

        Sequential wider = MLP.of(RandomSource.XO_RO_SHI_RO_128_PP.create(1L), DType.FLOAT32, 3, 5, 2).build();
        float before = wider.parameters().get(0).value().toFloatArray()[0];
        String m = assertThrows(CheckpointException.class, () -> Checkpoint.load(f, wider, null, null)).getMessage();
        assertTrue(m.endsWith("tensor 'model.0.weight' has shape [4, 3], expected [5, 3]"), m);
        assertEquals(before, wider.parameters().get(0).value().toFloatArray()[0], "the model is untouched");

        Sequential deeper = MLP.of(RandomSource.XO_RO_SHI_RO_128_PP.create(1L), DType.FLOAT32, 3, 4, 4, 2).build();
        m = assertThrows(CheckpointException.class, () -> Checkpoint.load(f, deeper, null, null)).getMessage();
        assertTrue(m.contains("tensor 'model.2.weight' has shape [2, 4], expected [4, 4]"), m);

        Sequential shallow = MLP.of(RandomSource.XO_RO_SHI_RO_128_PP.create(1L), DType.FLOAT32, 3, 2).build();
        m = assertThrows(CheckpointException.class, () -> Checkpoint.load(f, shallow, null, null)).getMessage();
        assertTrue(m.endsWith("tensor 'model.0.weight' has shape [4, 3], expected [2, 3]"), m);

        Sequential f64 = MLP.of(RandomSource.XO_RO_SHI_RO_128_PP.create(1L), DType.FLOAT64, 3, 4, 2).build();
        m = assertThrows(CheckpointException.class, () -> Checkpoint.load(f, f64, null, null)).getMessage();
        assertTrue(m.endsWith("tensor 'model.0.weight' is F32, expected F64"), m);

        Sequential b = net(2);
        m = assertThrows(CheckpointException.class, () -> Checkpoint.load(f, b, new SGD(b.parameters(), 0.1), null)).getMessage();
        assertTrue(m.endsWith("optimizer state is for 'adam', not 'sgd'"), m);

        m = assertThrows(CheckpointException.class,
                () -> Checkpoint.load(f, b, null, RandomSource.create(RandomSource.MT))).getMessage();
        assertTrue(m.contains("tensor 'rng.state' has 32 bytes, this generator's state has 2504"), m);

        Path noOptimizer = dir.resolve("model-only.safetensors");
        Checkpoint.save(noOptimizer, a, null, null, Map.of());
        m = assertThrows(CheckpointException.class, () -> Checkpoint.load(noOptimizer, b, Adam.adam(b.parameters(), 0.1), null)).getMessage();
        assertTrue(m.endsWith("holds no optimizer state"), m);

        Map<String, SafeTensors.Entry> extra = new LinkedHashMap<>();
        a.namedParameters().forEach((n, p) -> extra.put("model." + n, SafeTensors.Entry.of(p.value())));
        extra.put("model.3.weight", SafeTensors.Entry.of(Tensor.ones(DType.FLOAT32, 1)));
        Path withExtra = dir.resolve("extra.safetensors");
        SafeTensors.write(withExtra, extra, Map.of());
        m = assertThrows(CheckpointException.class, () -> Checkpoint.load(withExtra, b, null, null)).getMessage();
        assertTrue(m.endsWith("tensor 'model.3.weight' is not a parameter of this model"), m);

        extra.remove("model.0.bias");
        extra.remove("model.3.weight");
        SafeTensors.write(withExtra, extra, Map.of());
        m = assertThrows(CheckpointException.class, () -> Checkpoint.load(withExtra, b, null, null)).getMessage();
        assertTrue(m.endsWith("missing tensor 'model.0.bias' (float32 [4])"), m);
    }

    @Test
    void malformedFilesAreOneLineErrorsNamingTheTensorAndTheProblem() throws Exception {
        String ok = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        assertEquals("not a safetensors file (the header length its first 8 bytes give, 1000, does not fit in the file's " + (8 + ok.length())
                + " bytes)",
                readError(patchLength(raw(ok, 0), 1000)));
        Path truncated = raw(ok, 8);
        byte[] whole = Files.readAllBytes(truncated);
        Files.write(truncated, java.util.Arrays.copyOf(whole, whole.length - 4));
        assertEquals("tensor 'a': data_offsets [0, 8] lie outside the data section (4 bytes)", readError(truncated));
        assertEquals("the header is not valid JSON", readError(raw("{\"a\":", 0)));
        assertEquals("the header is not valid JSON", readError(raw("{a: 1}", 0)));
        assertEquals("the header is not a JSON object", readError(raw("[1, 2]", 0)));
        assertEquals("tensor 'a': unsupported dtype 'BF16' (F32, F64, U8)",
                readError(raw("{\"a\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4)));
        assertEquals("tensor 'a': F32 [3] needs 12 bytes, data_offsets give 8",
                readError(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8)));
        assertEquals("tensor 'a': F64 [1000000000, 1000000000] needs 8000000000000000000 bytes, data_offsets give 8",
                readError(raw("{\"a\":{\"dtype\":\"F64\",\"shape\":[1000000000,1000000000],\"data_offsets\":[0,8]}}", 8)));
        assertEquals("tensor 'a': F64 [2147483647, 2147483647, 2147483647] needs over 2^63 bytes, data_offsets give 8",
                readError(raw("{\"a\":{\"dtype\":\"F64\",\"shape\":[2147483647,2147483647,2147483647],\"data_offsets\":[0,8]}}", 8)));
        assertEquals("tensor 'a': data_offsets [0, 800] lie outside the data section (8 bytes)",
                readError(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[200],\"data_offsets\":[0,800]}}", 8)));
        assertEquals("tensor 'a': shape holds -2, not a non-negative integer",
                readError(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8)));
        assertEquals("tensor 'b' overlaps the previous tensor", readError(raw(
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8)));
        assertEquals("tensor 'a' leaves a gap before it",
                readError(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8)));
        assertEquals("the data section has 4 bytes that no tensor uses",
                readError(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 8)));
        assertEquals("__metadata__ value 'n' is not a string", readError(raw("{\"__metadata__\":{\"n\":3}}", 0)));
        assertEquals("tensor 'a': unknown field 'extra'",
                readError(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"extra\":1}}", 4)));
        Path tiny = dir.resolve("tiny");
        Files.write(tiny, new byte[3]);
        assertEquals("3 bytes is too short for a safetensors file", readError(tiny));
        String m = assertThrows(CheckpointException.class, () -> SafeTensors.read(dir.resolve("absent"))).getMessage();
        assertTrue(m.startsWith("cannot read "), m);
    }

    private Path patchLength(Path f, long n) throws IOException {
        byte[] b = Files.readAllBytes(f);
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, n);
        Files.write(f, b);
        return f;
    }

    /** An Adam checkpoint after one step, read back as entries and metadata to tamper with. */
    SafeTensors.Contents adamCheckpoint() throws Exception {
        Sequential a = net(1);
        Adam opt = Adam.adam(a.parameters(), 0.01);
        a.forward(Tensor.ones(DType.FLOAT32, 2, 3)).sum().backward();
        opt.step();
        Path f = dir.resolve("adam.safetensors");
        Checkpoint.save(f, a, opt, RandomSource.XO_RO_SHI_RO_128_PP.create(3L), Map.of());
        return SafeTensors.read(f);
    }

    String loadError(Map<String, SafeTensors.Entry> entries, Map<String, String> meta) throws Exception {
        Path f = dir.resolve("tampered.safetensors");
        SafeTensors.write(f, entries, meta);
        Sequential b = net(2);
        Adam opt = Adam.adam(b.parameters(), 0.01);
        return assertThrows(CheckpointException.class, () -> Checkpoint.load(f, b, opt, RandomSource.XO_RO_SHI_RO_128_PP.create(4L)))
                .getMessage();
    }

    /** Optimiser state whose shape, dtype or count does not match the parameters is refused, with the tensor named. */
    @Test
    void optimizerStateOfAnotherShapeDtypeOrCountIsRefused() throws Exception {
        SafeTensors.Contents c = adamCheckpoint();
        Map<String, SafeTensors.Entry> shape = new LinkedHashMap<>(c.entries());
        shape.put("optimizer.0.exp_avg", SafeTensors.Entry.of(Tensor.zeros(DType.FLOAT32, 3, 4)));
        assertTrue(loadError(shape, c.metadata()).endsWith("tensor 'optimizer.0.exp_avg' has shape [3, 4], expected [4, 3]"));

        Map<String, SafeTensors.Entry> dtype = new LinkedHashMap<>(c.entries());
        dtype.put("optimizer.1.exp_avg_sq", SafeTensors.Entry.of(Tensor.zeros(DType.FLOAT64, 4)));
        assertTrue(loadError(dtype, c.metadata()).endsWith("tensor 'optimizer.1.exp_avg_sq' is F64, expected F32"));

        Map<String, SafeTensors.Entry> missing = new LinkedHashMap<>(c.entries());
        missing.remove("optimizer.2.exp_avg_sq");
        assertTrue(loadError(missing, c.metadata()).endsWith("optimizer state: the state of parameter 2 is incomplete"));

        Map<String, SafeTensors.Entry> extra = new LinkedHashMap<>(c.entries());
        extra.put("optimizer.9.exp_avg", SafeTensors.Entry.of(Tensor.zeros(DType.FLOAT32, 2)));
        assertTrue(loadError(extra, c.metadata()).endsWith("tensor 'optimizer.9.exp_avg' is not state of this optimizer"));

        Map<String, String> steps = new LinkedHashMap<>(c.metadata());
        steps.put("optimizer.steps", "1,1");
        assertTrue(loadError(c.entries(), steps).endsWith("optimizer state has 2 step counts for 4 parameters"));
    }
}
