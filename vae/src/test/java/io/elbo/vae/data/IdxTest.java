package io.elbo.vae.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.elbo.autodiff.TestData;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxTest {
    @TempDir
    Path dir;

    static byte[] idx(int type, int[] dims, int dataBytes) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + dataBytes);
        b.put((byte) 0).put((byte) 0).put((byte) type).put((byte) dims.length);
        for (int d : dims) b.putInt(d);
        for (int i = 0; i < dataBytes; i++) b.put((byte) i);
        return b.array();
    }

    Path file(byte[] content, boolean gzip) throws IOException {
        Path f = Files.createTempFile(dir, "idx", gzip ? ".gz" : "");
        if (gzip) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (GZIPOutputStream z = new GZIPOutputStream(out)) {
                z.write(content);
            }
            content = out.toByteArray();
        }
        Files.write(f, content);
        return f;
    }

    String error(Path f) {
        String m = assertThrows(IdxException.class, () -> Idx.read(f)).getMessage();
        assertEquals(1, m.lines().count(), "one line: " + m);
        return m.substring(m.indexOf(": ") + 2);
    }

    @Test
    void readsRawAndGzippedFilesAlike() throws Exception {
        for (boolean gz : new boolean[] {false, true}) {
            Idx.Array a = Idx.read(file(idx(8, new int[] {2, 3, 2}, 12), gz));
            assertArrayEquals(new int[] {2, 3, 2}, a.dims());
            assertEquals(6, a.itemSize());
            assertEquals(11, a.data()[11]);
        }
    }

    @Test
    void theEmbeddedFashionMnistSampleLoadsWithItsLabels() throws Exception {
        Path d = TestData.path("fashion-mnist");
        Dataset s = Dataset.load(d.resolve("t10k-images-idx3-ubyte.gz"), d.resolve("t10k-labels-idx1-ubyte.gz"));
        assertEquals(500, s.count());
        assertEquals(28, s.rows());
        assertEquals(9, s.labels()[0], "the first Fashion-MNIST test image is an ankle boot (class 9)");
    }

    @Test
    void badFilesAreOneLineErrorsNamingTheProblem() throws Exception {
        assertEquals("not an IDX file (magic number 50 4b 03 04, expected 00 00 08 0N)", error(file(new byte[] {0x50, 0x4b, 3, 4, 0, 0}, false)));
        assertEquals("element type 0x0d is not supported (only unsigned bytes, 0x08)", error(file(idx(0x0d, new int[] {2}, 8), false)));
        assertEquals("0 dimensions (expected 1 to 4)", error(file(idx(8, new int[] {}, 0), false)));
        // A 2-D header is 4 + 2·4 = 12 bytes, so [2, 3] needs 18.
        assertEquals("dimensions [2, 3] need 18 bytes, the file has 16 (truncated)", error(file(idx(8, new int[] {2, 3}, 4), false)));
        assertEquals("dimensions [2, 3] need 18 bytes, the file has 20", error(file(idx(8, new int[] {2, 3}, 8), false)));
        assertEquals("truncated (4 of the 6 bytes that [2, 3] needs)", error(file(idx(8, new int[] {2, 3}, 4), true)));
        assertEquals("data continues past the 6 elements of [2, 3]", error(file(idx(8, new int[] {2, 3}, 8), true)));
        assertEquals("dimensions [60000, 60000]... hold more than 1073741824 elements",
                error(file(idx(8, new int[] {60000, 60000, 1}, 0), true)));
        assertEquals("dimension 1 is 0", error(file(idx(8, new int[] {5, 0}, 0), false)));
        assertEquals("truncated (the file ends inside the dimensions)", error(file(new byte[] {0, 0, 8, 3, 0, 0}, false)));
        byte[] gz = Files.readAllBytes(file(idx(8, new int[] {4, 4}, 16), true));
        assertEquals("truncated (the file ends inside the gzip stream)", error(file(java.util.Arrays.copyOf(gz, gz.length - 12), false)));
        Path labels = file(idx(8, new int[] {3}, 3), false), images = file(idx(8, new int[] {2, 2, 2}, 8), false);
        String m = assertThrows(IdxException.class, () -> Dataset.load(images, labels)).getMessage();
        assertEquals(labels + ": [3] labels for 2 images", m);
    }
}
