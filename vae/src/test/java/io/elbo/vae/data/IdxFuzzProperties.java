package io.elbo.vae.data;

import com.sun.management.ThreadMXBean;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

/**
 * The IDX reader against thousands of damaged files (raw and gzipped): it reads them or throws
 * {@link IdxException} with a one-line message, nothing else, and never allocates for sizes the
 * file only claims.
 */
@net.jqwik.api.statistics.StatisticsReport(onFailureOnly = true) // statistics are shown when a property fails
class IdxFuzzProperties {
    static Path file;
    static byte[] valid;
    static final ThreadMXBean THREADS = (ThreadMXBean) ManagementFactory.getThreadMXBean();

    @BeforeContainer
    static void setUp() throws Exception {
        file = Files.createTempFile("idx-fuzz", ".bin");
        valid = IdxTest.idx(8, new int[] {20, 7, 5}, 700);
    }

    @AfterContainer
    static void tearDown() throws Exception {
        Files.deleteIfExists(file);
    }

    @Provide
    Arbitrary<byte[]> damaged() {
        Arbitrary<Integer> pos = Arbitraries.integers().between(0, valid.length - 1);
        Arbitrary<byte[]> flipHeader = Combinators.combine(Arbitraries.integers().between(0, 15), Arbitraries.bytes())
                .as((p, v) -> { byte[] b = valid.clone(); b[p] = v; return b; });
        Arbitrary<byte[]> truncated = pos.map(n -> Arrays.copyOf(valid, n));
        Arbitrary<byte[]> extended = Arbitraries.integers().between(1, 100).map(n -> Arrays.copyOf(valid, valid.length + n));
        Arbitrary<byte[]> hugeDims = Combinators.combine(Arbitraries.integers().between(0, 2), Arbitraries.integers())
                .as((d, v) -> { byte[] b = valid.clone(); java.nio.ByteBuffer.wrap(b).putInt(4 + 4 * d, v); return b; });
        Arbitrary<byte[]> noise = Arbitraries.bytes().array(byte[].class).ofMaxSize(64);
        // The intact file is one of the variants, so both outcomes always occur (coverage below).
        return Arbitraries.oneOf(flipHeader, truncated, extended, hugeDims, noise, Arbitraries.just(valid));
    }

    static byte[] gzip(byte[] b) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(b);
        }
        return out.toByteArray();
    }

    static String read() {
        try {
            Idx.read(file);
            return "read";
        } catch (IdxException e) {
            if (e.getMessage() == null || e.getMessage().contains("\n")) throw new AssertionError("not one line: " + e.getMessage());
            return "rejected";
        }
    }

    @Property(tries = 2000)
    void theReaderOnlyEverThrowsIdxExceptionAndAllocatesWithinWhatTheFileHolds(@ForAll("damaged") byte[] content, @ForAll boolean gz,
                                                                             @ForAll boolean cutGzip) throws Exception {
        byte[] bytes = gz ? gzip(content) : content;
        if (gz && cutGzip && bytes.length > 10) bytes = Arrays.copyOf(bytes, bytes.length / 2);
        Files.write(file, bytes);
        String outcome = read();
        long before = THREADS.getCurrentThreadAllocatedBytes();
        read(); // measured on a second, identical read: the first of a code path also pays JVM linkage
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
        Statistics.label("outcome").collect(outcome);
        Statistics.label("outcome").coverage(c -> {
            c.check("read").count(n -> n > 0);
            c.check("rejected").percentage(p -> p > 50);
        });
        // What the reader may allocate: the decompressed bytes actually present (at most 2x while its
        // buffer grows), the gzip window and stream buffers (~200 KiB), never a claimed size (up to 1 GiB).
        long present = content.length;
        if (allocated > 2 * present + (400 << 10)) {
            throw new AssertionError("a file of " + present + " decompressed bytes made the reader allocate " + allocated);
        }
    }
}
