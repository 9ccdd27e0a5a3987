package io.elbo.nn;

import com.sun.management.ThreadMXBean;
import io.elbo.autodiff.DType;
import io.elbo.autodiff.Tensor;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;
import org.apache.commons.rng.simple.RandomSource;

/**
 * The loader against thousands of mutated and truncated checkpoints: whatever the bytes, it either
 * loads or throws {@link CheckpointException} (nothing else), and its allocations stay bounded by
 * the file's size, never by sizes the file claims.
 */
@net.jqwik.api.statistics.StatisticsReport(onFailureOnly = true) // statistics are shown when a property fails
class CheckpointFuzzProperties {
    static byte[] valid;
    static Path file;
    static final long[] MAX_SEEN = {0};
    static final ThreadMXBean THREADS = (ThreadMXBean) ManagementFactory.getThreadMXBean();

    @BeforeContainer
    static void makeAValidCheckpoint() throws Exception {
        Path dir = Files.createTempDirectory("fuzz");
        file = dir.resolve("f.safetensors");
        Sequential net = model();
        Adam adam = Adam.adam(net.parameters(), 0.01);
        net.forward(Tensor.ones(DType.FLOAT32, 2, 3)).sum().backward();
        adam.step();
        Checkpoint.save(file, net, adam, RandomSource.XO_RO_SHI_RO_128_PP.create(1L), Map.of("epoch", "3", "note", "fuzz"));
        valid = Files.readAllBytes(file);
        // Warm up (class loading, JIT) so the allocation bound measures the loader, not the JVM.
        for (int i = 0; i < 200; i++) {
            byte[] b = i % 2 == 0 ? valid : Arrays.copyOf(valid, i * 7 % valid.length);
            Files.write(file, b);
            try {
                Checkpoint.load(file, model(), Adam.adam(model().parameters(), 0.01), RandomSource.XO_RO_SHI_RO_128_PP.create(3L));
            } catch (CheckpointException expected) {
                // warming up the rejection path too
            }
        }
    }

    @AfterContainer
    static void cleanUp() throws Exception {
        System.out.println("CheckpointFuzzProperties: largest allocation of one load: " + MAX_SEEN[0] + " bytes");
        Files.deleteIfExists(file);
        Files.deleteIfExists(file.getParent());
    }

    static Sequential model() {
        return MLP.of(RandomSource.XO_RO_SHI_RO_128_PP.create(2L), DType.FLOAT32, 3, 4, 2).build();
    }

    /** One way to damage a file. */
    interface Mutation {
        byte[] apply(byte[] b);
    }

    static int headerEnd() {
        return (int) (8 + ByteBuffer.wrap(valid).order(ByteOrder.LITTLE_ENDIAN).getLong(0));
    }

    @Provide
    Arbitrary<List<Mutation>> mutations() {
        Arbitrary<Integer> anywhere = Arbitraries.integers().between(0, valid.length - 1);
        Arbitrary<Integer> inHeader = Arbitraries.integers().between(8, headerEnd() - 1);
        Arbitrary<Mutation> flip = Combinators.combine(Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, inHeader), net.jqwik.api.Tuple.of(1, anywhere)), Arbitraries.integers().between(0, 7))
                .as((p, bit) -> b -> label("flip a bit", b.length == 0 ? b : set(b, p, (byte) (b[Math.min(p, b.length - 1)] ^ (1 << bit)))));
        Arbitrary<Mutation> digit = Combinators.combine(inHeader, Arbitraries.chars().range('0', '9'))
                .as((p, c) -> b -> label("change a header digit", replaceDigit(b, p, (byte) c.charValue())));
        Arbitrary<Mutation> truncate = Arbitraries.integers().between(0, valid.length - 1)
                .map(n -> b -> label("truncate", Arrays.copyOf(b, Math.min(n, b.length))));
        Arbitrary<Mutation> length = Arbitraries.oneOf(Arbitraries.longs(), Arbitraries.longs().between(0, valid.length + 16))
                .map(n -> b -> label("rewrite the header length", b.length < 8 ? b : lengthTo(b, n)));
        Arbitrary<Mutation> insert = Combinators.combine(anywhere, Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(16))
                .as((p, ins) -> b -> label("insert bytes", insert(b, Math.min(p, b.length), ins)));
        Arbitrary<Mutation> delete = Combinators.combine(anywhere, Arbitraries.integers().between(1, 64))
                .as((p, n) -> b -> label("delete bytes", delete(b, Math.min(p, b.length), n)));
        return Arbitraries.oneOf(flip, digit, truncate, length, insert, delete).list().ofMinSize(1).ofMaxSize(3);
    }

    static byte[] label(String what, byte[] b) {
        Statistics.label("mutation").collect(what);
        return b;
    }

    static byte[] set(byte[] b, int p, byte v) {
        byte[] c = b.clone();
        if (c.length > 0) c[Math.min(p, c.length - 1)] = v;
        return c;
    }

    static byte[] replaceDigit(byte[] b, int from, byte digit) {
        byte[] c = b.clone();
        for (int i = from; i < c.length; i++) {
            if (c[i] >= '0' && c[i] <= '9') {
                c[i] = digit;
                break;
            }
        }
        return c;
    }

    static byte[] lengthTo(byte[] b, long n) {
        byte[] c = b.clone();
        ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN).putLong(0, n);
        return c;
    }

    static byte[] insert(byte[] b, int p, byte[] ins) {
        byte[] c = new byte[b.length + ins.length];
        System.arraycopy(b, 0, c, 0, p);
        System.arraycopy(ins, 0, c, p, ins.length);
        System.arraycopy(b, p, c, p + ins.length, b.length - p);
        return c;
    }

    static byte[] delete(byte[] b, int p, int n) {
        int k = Math.min(n, b.length - p);
        byte[] c = new byte[b.length - k];
        System.arraycopy(b, 0, c, 0, p);
        System.arraycopy(b, p + k, c, p, b.length - p - k);
        return c;
    }

    /** Loads the file into a fresh model, optimiser and generator: "loaded", or "rejected" with a one-line message. */
    static String load() throws Exception {
        Sequential net = model();
        Adam adam = Adam.adam(net.parameters(), 0.01);
        var rng = RandomSource.XO_RO_SHI_RO_128_PP.create(3L);
        try {
            Checkpoint.load(file, net, adam, rng);
            // Whatever loaded is usable: each state tensor has its parameter's shape, and every value is finite.
            List<Parameter> ps = net.parameters();
            for (java.util.Map.Entry<String, io.elbo.autodiff.Tensor> e : adam.stateTensors().entrySet()) {
                int i = Integer.parseInt(e.getKey().substring(0, e.getKey().indexOf('.')));
                if (!java.util.Arrays.equals(ps.get(i).shape(), e.getValue().shape())) {
                    throw new AssertionError("state " + e.getKey() + " " + java.util.Arrays.toString(e.getValue().shape()) + " loaded for a parameter "
                            + java.util.Arrays.toString(ps.get(i).shape()));
                }
                if (!e.getValue().allFinite()) throw new AssertionError("non-finite state " + e.getKey() + " loaded");
            }
            for (Parameter p : ps) if (!p.value().allFinite()) throw new AssertionError("a non-finite parameter loaded");
            return "loaded";
        } catch (CheckpointException e) {
            if (e.getMessage() == null || e.getMessage().contains("\n")) throw new AssertionError("not a one-line message: " + e.getMessage());
            return "rejected";
        }
    }

    /**
     * Allocation allowed for one load: the file's own size for tensor data, a small multiple of it
     * for parsing the JSON header, and a fixed 64 KiB for everything else. Never the sizes claimed.
     */
    static long allowance(long fileSize) {
        return 8 * fileSize + (64 << 10);
    }

    @Property(tries = 3000)
    void theLoaderOnlyEverThrowsCheckpointExceptionAndAllocatesWithinTheFilesSize(@ForAll("mutations") List<Mutation> ms)
            throws Exception {
        byte[] b = valid;
        for (Mutation m : ms) b = m.apply(b);
        Files.write(file, b);
        String outcome = load();
        // Measure a second, identical load: the first one of a new code path also pays the JVM's
        // one-time linkage (string concatenation bootstraps, class loading), which is not the loader's.
        long before = THREADS.getCurrentThreadAllocatedBytes();
        load();
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
        Statistics.label("outcome").collect(outcome);
        Statistics.label("outcome").coverage(c -> {
            c.check("rejected").percentage(p -> p > 50);
            c.check("loaded").count(n -> n > 0);
        });
        Statistics.label("allocated / file size").collect(allocated <= b.length ? "<= 1x" : allocated <= 2L * b.length ? "<= 2x"
                : allocated <= 4L * b.length ? "<= 4x" : allocated <= 8L * b.length ? "<= 8x" : "fixed part");
        if (allocated > MAX_SEEN[0]) MAX_SEEN[0] = allocated;
        if (allocated > allowance(b.length)) {
            throw new AssertionError("a " + b.length + "-byte file made the loader allocate " + allocated + " bytes");
        }
    }
}
