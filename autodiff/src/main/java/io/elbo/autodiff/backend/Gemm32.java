package io.elbo.autodiff.backend;

import java.util.Arrays;
import java.util.Locale;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * float32 matrix multiply, C = op(A)·op(B) with op(X) = X or Xᵀ, on {@code FloatVector}, for the three
 * layouts backprop needs (A·B, A·Bᵀ, Aᵀ·B) without materialising a transpose of either operand.
 *
 * <p>The loops are those of GotoBLAS and BLIS. op(B) is packed once per product into micro-panels of
 * KC × NR values (NR = NV vectors of L floats; an untransposed B is read in place unless the parameters
 * pack both operands, only its last partial panel packed; Bᵀ is packed by L × L transposes in registers,
 * {@link Transpose8} or {@link Transpose16}), shared by the threads; the depth k is cut into blocks of at
 * most KC; each thread, for each depth block and block of MC rows, packs op(A) into micro-panels of
 * MR × KC (an untransposed A, whose rows are contiguous, is read in place unless both are packed: then only
 * a last group of fewer than MR rows is packed), and a register-blocked micro-kernel multiplies a
 * micro-panel of A by one of B into an MR × NR tile of C held in MR·NV vector registers: per step p, NV
 * loads of B, MR broadcasts of A, MR·NV FMAs. A micro-panel of B stays in cache while the micro-panels of A
 * stream past it. Edges are zero-padded in the packs, so no masked vector op runs in the hot loop.
 *
 * <p>The {@link Params} (the {@link Tile} MR × NV, KC, and whether both operands are packed) are not
 * taken from a table of CPU families: {@link GemmTuner} derives candidates from the vector width, the
 * register count and the cache sizes, measures them on first use and caches the choice per CPU and JDK
 * ({@code -Delbo.gemm.tile=8x1/512/packed} or {@code ELBO_GEMM_TILE} forces one for every product).
 *
 * <p>Every element is C[i,j] = fma(A[i,k−1], B[k−1,j], ... fma(A[i,0], B[0,j], 0)), one sequence
 * whichever tile, packing, depth block or thread computes it (a depth block after the first resumes the
 * chain from the float32 value stored in C): <b>results depend neither on the thread count nor on the
 * kernel parameters</b>.
 * (A narrow A·Bᵀ, at most 2L columns, is computed as dot products of rows instead, in another fixed
 * order: see {@link #narrowABt}.) When the product is large enough to pay for the hand-over, the tiles
 * are cut into a few parts per thread, by rows, by columns, or both, whichever leaves the busiest part
 * the fewest tiles, and run by {@link Threads}.
 */
final class Gemm32 {
    private Gemm32() {}

    static final VectorSpecies<Float> S = VectorKernels32.S;
    static final int L = S.length();
    /**
     * What a tile's first depth block starts its chains from (a row of the widest tile: 4 vectors of zeros).
     * Every kernel chooses once, as the array its accumulators are loaded from (C's values after the first
     * depth block, these zeros before it), then loads them all the same way. With a choice per accumulator
     * ({@code resume ? load : zero}, 16 of them in the 8 × 2 kernel) C2 compiled the kernel after whichever
     * way its profile had seen them go, and in some JVMs kept the loads' row offsets live through the loop for
     * the stores after it and moved the loop's own array pointers out of vector registers every iteration:
     * the same W1 training took 2.4–3.1 s an epoch depending on the JVM, 2.0–2.5 s with one choice (Intel Xeon,
     * two threads; the 8 × 2 kernel compiled to 7 704 bytes in the slow JVMs, 7 000–7 224 now in every one).
     */
    private static final float[] ZEROS = new float[4 * L];
    /**
     * A·Bᵀ with at most this many columns takes the dot-product path ({@link #narrowABt}): a fixed count,
     * {@link VectorMath#V}, not the lane count, so that which order an element's terms are summed in does
     * not depend on the machine (it was 2L: 20 columns took the dot products with 16 lanes, the tiles with 8).
     */
    static final int NARROW = VectorMath.V;
    /**
     * An Aᵀ·B with at most this many columns (and more rows) is computed as (Bᵀ·A)ᵀ: its rows fill the
     * tile's vectors (on Zen 3, 400×20×128 took 29 GFLOP/s through the tiles' padded edges).
     */
    private static final int NARROW_ATB = 32;
    /** Each thread's Cᵀ of a product computed transposed ({@link #transposed}). */
    private static final ThreadLocal<float[]> TRANSPOSED = ThreadLocal.withInitial(() -> new float[0]);
    /** Rows per block of the dot-product path. */
    private static final int DOT_ROWS = 4;
    /** Below this many multiply-adds one thread is faster than handing work over (about 5 µs of work). */
    static final long PARALLEL_MIN = 1L << 19;

    /** The register tile of the micro-kernel, MR rows × NV vectors of L floats. */
    enum Tile {
        /** 4 × 3 vectors: 12 accumulators, 7 loads per 12 FMAs; all 16 registers of AVX2 live in its loop. */
        T4x3(4, 3),
        /** 5 × 4 vectors: 20 accumulators, 9 loads per 20 FMAs; 25 of the 32 registers of AVX-512 live in its loop. */
        T5x4(5, 4),
        /**
         * 6 × 4 vectors: 24 accumulators, 10 loads per 24 FMAs; 29 of AVX-512's 32 registers live in its
         * loop, which JDK 17's C2 does not always allocate: in 3 of 5 JVMs it spilled accumulators to the
         * stack inside the loop and ran at a third of the speed (JDK 25 kept them in registers in 5 of 5).
         * Never a candidate ({@link GemmTuner#candidates}); kept for measurements ({@code -Delbo.gemm.tile=6x4}).
         */
        T6x4(6, 4),
        /** 6 × 2 vectors: 12 accumulators, 8 loads per 12 FMAs; 15 of AVX2's 16 registers. */
        T6x2(6, 2),
        /** 5 × 2 vectors: 10 accumulators, 7 loads per 10 FMAs; 13 registers. */
        T5x2(5, 2),
        /** 8 × 1 vector: 8 accumulators, 9 loads per 8 FMAs; 10 registers, so C2 never spills it. */
        T8x1(8, 1),
        /** 8 × 2 vectors: 16 accumulators, 10 loads per 16 FMAs; 19 of AVX-512's 32 registers. */
        T8x2(8, 2),
        /** 12 × 2 vectors: 24 accumulators, 14 loads per 24 FMAs; 27 of AVX-512's 32 registers (BLIS's SkylakeX sgemm tile, 32 × 12, turned over). */
        T12x2(12, 2);

        final int mr, nv;

        Tile(int mr, int nv) {
            this.mr = mr;
            this.nv = nv;
        }

        int nr() {
            return nv * L;
        }

        /** Vector registers live in the loop: the accumulators, one vector of B per column vector, one broadcast of A. */
        int live() {
            return mr * nv + nv + 1;
        }

        /** Rows per block of packed A, a multiple of MR: MC × kc floats stay within half of L2. */
        int mc(int kc) {
            return Math.max(1, GemmTuner.L2_BYTES / 2 / 4 / kc / mr) * mr;
        }

        @Override
        public String toString() {
            return mr + "x" + nv;
        }

        static Tile parse(String s) {
            for (Tile t : values()) if (t.toString().equals(s)) return t;
            throw new IllegalArgumentException("elbo.gemm.tile: expected one of "
                    + Arrays.stream(values()).map(Tile::toString).collect(java.util.stream.Collectors.joining(" ")) + ", got " + s);
        }
    }

    /**
     * The kernel parameters: the register tile, the depth block kc (a micro-panel of B is kc × NR floats; a
     * depth is cut into equal blocks of at most 5/4 of kc), and whether both operands are packed before the
     * micro-kernel reads them. Packed, A's and B's steps
     * have constant strides (MR and NR floats), so C2 takes the bounds checks out of the micro-kernel's
     * loop ({@link #packedKernel}); in place, an untransposed A or B is read where it is, with the strides
     * of its rows, and its packing is saved. No parameter changes a result's bits.
     */
    record Params(Tile tile, int kc, boolean packed) {
        /** "8x1/512/packed", "4x3/1024/in-place": the form of {@link #parse} and of the cache file. */
        @Override
        public String toString() {
            return tile + "/" + kc + "/" + (packed ? "packed" : "in-place");
        }

        /** "TILE[/KC[/packed|in-place]]", e.g. "4x3", "8x1/512/packed"; kc defaults to the cache model's, packing to in place. */
        static Params parse(String s) {
            String[] f = s.trim().split("/", -1);
            Tile t = Tile.parse(f[0]);
            int kc;
            try {
                kc = f.length > 1 ? Integer.parseInt(f[1]) : GemmTuner.depthBlock(t);
            } catch (NumberFormatException e) {
                kc = 0;
            }
            if (f.length > 3 || kc < 1 || kc > 1 << 16 || f.length == 3 && !f[2].equals("packed") && !f[2].equals("in-place")) {
                throw new IllegalArgumentException("elbo.gemm.tile: expected TILE[/KC[/packed|in-place]] as 4x3 or 8x1/512/packed, got " + s);
            }
            return new Params(t, kc, f.length == 3 && f[2].equals("packed"));
        }
    }

    /** A product with m, n or k below this is thin: it has its own parameters ({@link GemmTuner.Choice#thin}). */
    static final int THIN = 64;

    /** The parameters this machine's m × n × k products use: forced, cached or measured on first use ({@link GemmTuner}). */
    static Params params(int m, int n, int k) {
        GemmTuner.Choice c = GemmTuner.current();
        return m < THIN || n < THIN || k < THIN ? c.thin() : c.params();
    }

    /** The machine and the kernel parameters, for a log line: "AMD EPYC (AuthenticAMD family 25 model 1), 8 float lanes, GEMM tile 8x1, kc 512, packed (measured in 0.21 s)". */
    static String describe() {
        String name = GemmTuner.cpuInfo("model name"), vendor = GemmTuner.cpuInfo("vendor_id");
        String family = GemmTuner.cpuInfo("cpu family"), model = GemmTuner.cpuInfo("model");
        String cpu = name.isEmpty() ? System.getProperty("os.arch")
                : name + " (" + vendor + (family.isEmpty() ? "" : " family " + family + " model " + model) + ")";
        GemmTuner.Choice c = GemmTuner.current();
        return String.format(Locale.ROOT, "%s, %d float lanes, GEMM %s (%s)", cpu, L, c.describe(), c.how());
    }

    /** Parts of a parallel product per thread (claimed by whichever thread is free: see {@link Threads#forEach}). */
    private static final int SLICES = 4;
    /** Below this many values of op(B) the caller packs it alone: a hand-over costs more than the copy. */
    private static final long PARALLEL_PACK_MIN = 1L << 16;
    /** Floats of packed op(B) per chunk of columns (8 MB): a wider product is multiplied chunk by chunk. */
    private static final int PACK_FLOATS = 1 << 21;
    /** Each thread's packed op(B): the caller's, which its helpers read when they share one, or a thread's own copy. */
    private static final ThreadLocal<float[]> SHARED_PACK = ThreadLocal.withInitial(() -> new float[0]);

    /** This thread's {@link #SHARED_PACK}, grown to at least need floats. */
    private static float[] packBuffer(int need) {
        float[] pack = SHARED_PACK.get();
        if (pack.length < need) SHARED_PACK.set(pack = new float[need]);
        return pack;
    }
    /** Each thread's packed op(A) and edge tile. */
    private static final ThreadLocal<float[][]> PACKS = ThreadLocal.withInitial(() -> new float[][] {new float[0], new float[0]});
    /** Offsets lane·(row length) of the gathers that pack Bᵀ. */
    private static final ThreadLocal<int[]> ROW_STARTS = ThreadLocal.withInitial(() -> new int[Math.max(2, L)]);

    static void gemm(float[] a, int aOff, boolean transA, float[] b, int bOff, boolean transB, float[] c, int cOff, int m, int n, int k) {
        gemm(params(m, n, k), true, a, aOff, transA, b, bOff, transB, c, cOff, m, n, k);
    }

    /** The product with tile t, depth blocks of at most kcMax, both operands packed or not (tests vary all three; the bits do not change). */
    static void gemm(Tile t, int kcMax, boolean packed, float[] a, int aOff, boolean transA, float[] b, int bOff, boolean transB,
                     float[] c, int cOff, int m, int n, int k) {
        gemm(new Params(t, kcMax, packed), true, a, aOff, transA, b, bOff, transB, c, cOff, m, n, k);
    }

    /** The product with parameters p, on the calling thread alone unless mayShare (the measurement times one thread). */
    static void gemm(Params p, boolean mayShare, float[] a, int aOff, boolean transA, float[] b, int bOff, boolean transB, float[] c, int cOff,
                     int m, int n, int k) {
        Tile t = p.tile();
        int kcMax = p.kc();
        if (m == 0 || n == 0) return;
        if (k == 0) {
            Arrays.fill(c, cOff, cOff + m * n, 0f);
            return;
        }
        if (transA && transB) { // Aᵀ·Bᵀ = (B·A)ᵀ: no layer needs it; one product and one transpose
            float[] tmp = new float[m * n];
            gemm(p, mayShare, b, bOff, false, a, aOff, false, tmp, 0, n, m, k);
            transposeInto(tmp, c, cOff, m, n, mayShare);
            return;
        }
        if (transB && !transA && n <= NARROW) {
            narrowABt(a, aOff, b, bOff, c, cOff, m, n, k, mayShare);
            return;
        }
        if (transA && !transB && n <= NARROW_ATB && m > NARROW_ATB) {
            // A narrow Aᵀ·B (as the gradient of a 20-column layer's weights): C has too few columns to
            // fill a tile's vectors, so compute Cᵀ = Bᵀ·A, whose rows are C's columns, and transpose it.
            // The same chains: fma(x, y, s) = fma(y, x, s).
            transposed(p, mayShare, b, bOff, true, a, aOff, false, c, cOff, m, n, k);
            return;
        }
        if (transB && !transA && m < n && m >= THIN && k >= THIN && (long) m * n <= PACK_FLOATS) {
            // An A·Bᵀ with fewer rows than columns (a layer's forward product x·Wᵀ, m the batch): packing
            // op(B) = Wᵀ transposes all n × k weights in registers, a sixth of the product's time; as
            // Cᵀ = B·Aᵀ, W's rows are op(A) and the batch's m × k is what is transposed, then C (m × n values,
            // at most PACK_FLOATS kept). The same chains: fma(x, y, s) = fma(y, x, s). Intel Xeon, one thread
            // (GemmCpuTime, medians of five alternations): 128×400×784 105 → 113 GFLOP/s, 128×784×400 105 →
            // 111; two threads, since each packs its own copy of the batch: 160–174 → 199–204 and 180–190 →
            // 194–198 (with one copy shared, 168 → 133 and 189 → 135).
            transposed(p, mayShare, b, bOff, false, a, aOff, true, c, cOff, m, n, k);
            return;
        }
        Operands o = new Operands(t, p.packed(), a, aOff, transA ? 1 : k, transA ? m : 1, b, bOff, transB ? 1 : n, transB ? k : 1, c, cOff, n, k);
        int mr = t.mr, nr = t.nr(), groups = ceilDiv(m, mr);
        // Equal blocks, no short last one, as few as blocks of up to 5/4 of kcMax allow: a depth just past a
        // multiple of kcMax is not given one more block of C's reads and writes (k = 400 with kcMax 192: two
        // blocks of 200, not three of 134; 512×784×400 A·B 125 → 133 GFLOP/s on an Intel Xeon, one thread)
        int depthBlocks = ceilDiv(k, kcMax + kcMax / 4), kc = ceilDiv(k, depthBlocks);
        int ncMax = Math.max(1, PACK_FLOATS / k / nr) * nr;
        boolean parallel = mayShare && (long) m * n * k >= PARALLEL_MIN && Threads.count() > 1;
        int need = Math.min(ceilDiv(n, nr) * nr, ncMax) * k;
        float[] pb = packBuffer(need);
        for (int jc = 0; jc < n; jc += ncMax) {
            int j0 = jc, nc = Math.min(ncMax, n - jc), panels = ceilDiv(nc, nr);
            // A thread given a slice of the columns reads all of op(A) (m·k) and its share of op(B) (k·n/t);
            // one given a slice of the rows reads its share of op(A) (m·k/t) and all of op(B) (k·n): fewer
            // values with columns where n ≥ m (a layer's forward product and its input gradient, m = the
            // batch). Then one slice per thread, each packing its own panels. Otherwise parts = rowParts ×
            // colParts, the factorisation that leaves the busiest part the fewest tiles (ties: more row
            // parts); a few parts per thread, so that while a helper wakes up the caller takes more than
            // its share.
            boolean byColumns = parallel && nc >= m;
            int parts = !parallel ? 1 : byColumns ? Math.min(Threads.count(), panels)
                    : (int) Math.min((long) SLICES * Threads.count(), (long) groups * panels), rowParts = 1;
            long best = Long.MAX_VALUE;
            for (int rp = byColumns ? 1 : parts; rp >= 1; rp--) {
                long busiest = (long) ceilDiv(groups, rp) * ceilDiv(panels, parts / rp);
                if (parts % rp == 0 && busiest < best) {
                    best = busiest;
                    rowParts = rp;
                }
            }
            int rp = rowParts, cp = parts / rowParts;
            if (rp == 1) {
                // Columns only, in one hand-over: each part packs the panels it multiplies, into its thread's own
                // buffer. The parts are equal shares of the FMAs: the cells (panel, group of MR rows), in panel-major
                // order, each weighing its panel's vectors, cut into equal runs; a cut inside a panel splits it
                // by rows. (Cut at panels, 400 columns were 192 and 208 on two threads, the 208 with the slow
                // one-vector edge, and the caller waited for the helper at every such product of a W1 step.)
                int nv = t.nv, lastVectors = ceilDiv(nc - (panels - 1) * nr, L);
                long total = ((long) (panels - 1) * nv + lastVectors) * groups;
                boolean finely = k >= THIN; // a thin depth: the cuts at whole panels (a band's own call cost more than the balance saved)
                Threads.forEach(parts, part -> {
                    long from = finely ? cell(total * part / parts, panels, nv, lastVectors, groups) : (long) (panels * part / parts) << 32;
                    long to = finely ? cell(total * (part + 1) / parts, panels, nv, lastVectors, groups) : (long) (panels * (part + 1) / parts) << 32;
                    int qs = (int) (from >>> 32), gs = (int) from, qe = (int) (to >>> 32), ge = (int) to;
                    float[] own = packBuffer(need);
                    for (int pc = 0; pc < k; pc += kc) for (int q = qs, end = ge > 0 ? qe + 1 : qe; q < end; q++) pack(o, own, pc, kc, q, j0, nc, nr);
                    // the row bands between the cuts, each taking one run of panels: op(A) packed once per row
                    for (int band = 0; band < 3; band++) {
                        int g0 = band == 0 ? 0 : band == 1 ? Math.min(gs, ge) : Math.max(gs, ge);
                        int g1 = band == 0 ? Math.min(gs, ge) : band == 1 ? Math.max(gs, ge) : groups;
                        if (g0 < g1) multiply(o, own, kc, j0, nc, g0 * mr, Math.min(m, g1 * mr), g0 >= gs ? qs : qs + 1, g0 < ge ? qe + 1 : qe);
                    }
                });
                continue;
            }
            // Rows split: every thread reads all panels, so they are packed first, once, shared (unless they
            // are few or the threads two: then by each thread for itself): unit u = (depth block u / panels,
            // panel u % panels).
            long packed = (long) k * (o.readsInPlace(nr) ? nc % nr == 0 ? 0 : nr : nc); // values copied: the panels not read in place
            int units = depthBlocks * panels, packParts = packed >= PARALLEL_PACK_MIN ? Math.min(parts, units) : 1;
            if ((packParts == 1 || Threads.count() <= 2) && packed > 0) {
                // Few values to pack, or two threads: each thread packs its own copy and multiplies its share
                // of the rows. Shared, few were packed by the caller alone while the helper waited, and all
                // went into lines the other core had just read in the product before, which then crossed
                // between the cores (Intel Xeon, two threads, GFLOP/s: 128×20×400 A·Bᵀ 45 → 79, the planar
                // heads' 160×128×400 120 → 174, 512×400×784 A·Bᵀ 200 → 220–226, 784×400×512 Aᵀ·B 210–212 →
                // 223–236). With more threads each copy would cost as much as all of them shared.
                int threadParts = Math.min(Threads.count(), groups);
                Threads.forEach(threadParts, part -> {
                    float[] own = packBuffer(need);
                    for (int u = 0; u < units; u++) pack(o, own, u / panels * kc, kc, u % panels, j0, nc, nr);
                    multiply(o, own, kc, j0, nc, Math.min(m, groups * part / threadParts * mr), Math.min(m, groups * (part + 1) / threadParts * mr), 0, panels);
                });
                continue;
            }
            Threads.forEach(packParts, part -> {
                for (int u = units * part / packParts, end = units * (part + 1) / packParts; u < end; u++) {
                    pack(o, pb, u / panels * kc, kc, u % panels, j0, nc, nr);
                }
            });
            Threads.forEach(parts, part -> {
                int gi = part % rp, gj = part / rp;
                multiply(o, pb, kc, j0, nc, Math.min(m, groups * gi / rp * mr), Math.min(m, groups * (gi + 1) / rp * mr),
                        panels * gj / cp, panels * (gj + 1) / cp);
            });
        }
    }

    /**
     * The cell (panel q, group g of MR rows) where a run of the column-split cells starts that many
     * vector-groups of work in, as q·2³² + g: cells in panel-major order, a full panel's weighing nv
     * vectors, the last panel's lastVectors; (panels, 0) at the end.
     */
    private static long cell(long work, int panels, int nv, int lastVectors, int groups) {
        long perPanel = (long) nv * groups, fullWork = (panels - 1) * perPanel;
        int q, g;
        if (work < fullWork) {
            q = (int) (work / perPanel);
            g = (int) (work % perPanel / nv);
        } else {
            q = panels - 1;
            g = (int) ((work - fullWork) / lastVectors);
            if (g >= groups) {
                q = panels;
                g = 0;
            }
        }
        return (long) q << 32 | g;
    }

    /**
     * C (m × n) = Pᵀ for the n × m product P = op(X)·op(Y), computed into this thread's {@link #TRANSPOSED}
     * and then transposed: for the products whose transpose the tiles compute faster. (P's own product never
     * takes this path again: its rows are C's columns.)
     */
    private static void transposed(Params p, boolean mayShare, float[] x, int xOff, boolean transX, float[] y, int yOff, boolean transY,
                                   float[] c, int cOff, int m, int n, int k) {
        float[] ct = TRANSPOSED.get();
        if (ct.length < m * n) TRANSPOSED.set(ct = new float[m * n]);
        gemm(p, mayShare, x, xOff, transX, y, yOff, transY, ct, 0, n, m, k);
        transposeInto(ct, c, cOff, m, n, mayShare);
    }

    /** Packs panel q of the depth block at pc (of at most kcMax) of the chunk of columns [j0, j0 + nc) where {@link #multiply} reads it. */
    private static void pack(Operands o, float[] packB, int pc, int kcMax, int q, int j0, int nc, int nr) {
        int kc = Math.min(kcMax, o.k - pc), j = j0 + q * nr;
        int w = Math.min(nr, j0 + nc - j);
        if (o.readsInPlace(w)) return; // multiply reads it in B
        packPanel(o, pc, kc, j, w, panelStride(w, nr), packB, pc * ceilDiv(nc, nr) * nr + q * kc * nr);
    }

    /**
     * The floats between the steps of a packed panel of w ≤ nr columns: a last panel of at most one vector
     * is packed densely (one vector a step), so a one-vector kernel reads it with its own constant stride.
     */
    private static int panelStride(int w, int nr) {
        return w <= L ? L : nr;
    }

    /**
     * C (m × n, at c[cOff]) = tᵀ for an n × m row-major t: L × L blocks in registers where vectors have 16
     * or 8 lanes, the edges one by one; rows of C split among threads where mayShare and there are many.
     * Only vectors of the machine's width: one 8 × 8 transpose (256-bit vectors) on a 16-lane machine made
     * the JIT's profile of {@code FloatVector.intoArray} see two vector classes, after which C2 left the
     * stores of every kernel compiled later to the Vector API's Java fallback (18 of Transpose16's 32 on an
     * Intel Xeon, JDK 17: a third of a W1 step).
     */
    private static void transposeInto(float[] t, float[] c, int cOff, int m, int n, boolean mayShare) {
        int b = Math.max(TRANSPOSE_BLOCK, 1), blocks = ceilDiv(m, b);
        int parts = mayShare && (long) m * n >= PARALLEL_PACK_MIN && Threads.count() > 1 ? Math.min(Threads.count(), blocks) : 1;
        if (parts == 1) {
            transposeRows(t, c, cOff, m, n, 0, m);
            return;
        }
        Threads.forEach(parts, part -> transposeRows(t, c, cOff, m, n, Math.min(m, blocks * part / parts * b),
                Math.min(m, blocks * (part + 1) / parts * b)));
    }

    /** The side of the blocks {@link #transposeInto} transposes in registers: the lane count where it is 16 or 8, else 0 (none). */
    private static final int TRANSPOSE_BLOCK = L == 16 || L == 8 ? L : 0;

    /** Rows [i0, i1) of C = tᵀ ({@link #transposeInto}), i0 a multiple of the block size. */
    private static void transposeRows(float[] t, float[] c, int cOff, int m, int n, int i0, int i1) {
        int b = TRANSPOSE_BLOCK, ib = b > 0 ? i1 - (i1 - i0) % b : i0, nb = b > 0 ? n - n % b : 0;
        if (b == 16) for (int i = i0; i < ib; i += 16) for (int j = 0; j < nb; j += 16) Transpose16.transpose(t, j * m + i, m, c, cOff + i * n + j, n);
        if (b == 8) for (int i = i0; i < ib; i += 8) for (int j = 0; j < nb; j += 8) Transpose8.transpose(t, j * m + i, m, c, cOff + i * n + j, n);
        // the last n mod L columns of the blocked rows, along t's rows (2.5 against 1.1 µs for W1's 400 × 20, one by one across)
        for (int j = nb; j < n; j++) for (int i = i0, s = j * m + i0, d = cOff + i0 * n + j; i < ib; i++, s++, d += n) c[d] = t[s];
        for (int i = ib; i < i1; i++) for (int j = 0; j < n; j++) c[cOff + i * n + j] = t[j * m + i];
    }

    private static int ceilDiv(int x, int y) {
        return (x + y - 1) / y;
    }

    /**
     * A product's operands: op(A)[i,p] = a[aOff + i·si + p·sp], op(B)[p,j] = b[bOff + p·bsp + j·bsj],
     * C[i,j] = c[cOff + i·n + j], depth k.
     */
    private record Operands(Tile t, boolean packed, float[] a, int aOff, int si, int sp, float[] b, int bOff, int bsp, int bsj,
                            float[] c, int cOff, int n, int k) {
        /** A whole panel (w = NR columns) of an untransposed B is read where it is, not packed. */
        boolean readsInPlace(int w) {
            return bsj == 1 && w == t.nr() && !packed;
        }
    }

    /**
     * A·Bᵀ with a narrow C (n ≤ {@value #NARROW} columns, as a layer of 20 outputs): packing Bᵀ into a
     * 3L-wide panel would leave most lanes idle, so each element is a dot product of two rows read in
     * place, A[i, :] and B[j, :], vectorised along k. Rows are split among threads in groups of
     * {@value #DOT_ROWS}; every element is computed by the same sequence ({@link #dot1x1}) whichever thread
     * or block computes it.
     */
    private static void narrowABt(float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, int m, int n, int k, boolean mayShare) {
        int groups = (m + DOT_ROWS - 1) / DOT_ROWS;
        int parts = mayShare && (long) m * n * k >= PARALLEL_MIN ? Math.min(Threads.count(), groups) : 1;
        if (parts == 1) {
            dotRows(a, aOff, b, bOff, c, cOff, n, k, 0, m);
            return;
        }
        Threads.forEach(parts, part -> dotRows(a, aOff, b, bOff, c, cOff, n, k,
                Math.min(m, groups * part / parts * DOT_ROWS), Math.min(m, groups * (part + 1) / parts * DOT_ROWS)));
    }

    /** Rows [i0, i1) of C = A·Bᵀ by dot products: 4 × 4 blocks, then single elements at the edges. */
    private static void dotRows(float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, int n, int k, int i0, int i1) {
        int i = i0;
        float[] acc = new float[16 * VectorMath.V];
        for (; i + DOT_ROWS <= i1; i += DOT_ROWS) {
            int j = 0;
            for (; j + 4 <= n; j += 4) dot4x4(a, aOff + i * k, b, bOff + j * k, c, cOff + i * n + j, n, k, acc);
            for (; j < n; j++) for (int r = 0; r < DOT_ROWS; r++) c[cOff + (i + r) * n + j] = dot1x1(a, aOff + (i + r) * k, b, bOff + j * k, k);
        }
        for (; i < i1; i++) for (int j = 0; j < n; j++) c[cOff + i * n + j] = dot1x1(a, aOff + i * k, b, bOff + j * k, k);
    }

    /**
     * Σ_p a[ai + p]·b[bj + p] in the one order every element of a narrow A·Bᵀ uses, whatever the lane
     * count: 16 FMA chains, chain v over the terms p ≡ v (mod 16) of the first k − k mod 16
     * ({@link VectorMath#V}), combined by {@link VectorMath#tree16}, then scalar FMAs over the last k mod 16
     * terms. The chains are computed L at a time, in 16 / L passes.
     */
    private static float dot1x1(float[] a, int ai, float[] b, int bj, int k) {
        int kv = k - k % VectorMath.V;
        float[] partial = new float[VectorMath.V];
        for (int h = 0; h < VectorMath.V; h += L) {
            FloatVector acc = FloatVector.zero(S);
            for (int p = h; p < kv; p += VectorMath.V) acc = FloatVector.fromArray(S, a, ai + p).fma(FloatVector.fromArray(S, b, bj + p), acc);
            acc.intoArray(partial, h);
        }
        return dotTail(a, ai, b, bj, kv, k, VectorMath.tree16(partial, 0));
    }

    private static float dotTail(float[] a, int ai, float[] b, int bj, int p, int k, float s) {
        for (; p < k; p++) s = Math.fma(a[ai + p], b[bj + p], s);
        return s;
    }

    /**
     * C[r, q] for r, q &lt; 4 = {@link #dot1x1} of rows ai + r·k of A and bj + q·k of B, 16 elements at once
     * (8 loads per 16 FMA), in 16 / L passes over k, each computing L of every element's 16 chains; acc
     * holds 16 × 16 floats.
     */
    private static void dot4x4(float[] a, int ai, float[] b, int bj, float[] c, int ci, int cs, int k, float[] acc) {
        int kv = k - k % VectorMath.V;
        for (int h = 0; h < VectorMath.V; h += L) {
            FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00;
            FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00, c30 = c00, c31 = c00, c32 = c00, c33 = c00;
            for (int p = h; p < kv; p += VectorMath.V) {
                FloatVector b0 = FloatVector.fromArray(S, b, bj + p), b1 = FloatVector.fromArray(S, b, bj + k + p);
                FloatVector b2 = FloatVector.fromArray(S, b, bj + 2 * k + p), b3 = FloatVector.fromArray(S, b, bj + 3 * k + p);
                FloatVector a0 = FloatVector.fromArray(S, a, ai + p);
                c00 = a0.fma(b0, c00);
                c01 = a0.fma(b1, c01);
                c02 = a0.fma(b2, c02);
                c03 = a0.fma(b3, c03);
                FloatVector a1 = FloatVector.fromArray(S, a, ai + k + p);
                c10 = a1.fma(b0, c10);
                c11 = a1.fma(b1, c11);
                c12 = a1.fma(b2, c12);
                c13 = a1.fma(b3, c13);
                FloatVector a2 = FloatVector.fromArray(S, a, ai + 2 * k + p);
                c20 = a2.fma(b0, c20);
                c21 = a2.fma(b1, c21);
                c22 = a2.fma(b2, c22);
                c23 = a2.fma(b3, c23);
                FloatVector a3 = FloatVector.fromArray(S, a, ai + 3 * k + p);
                c30 = a3.fma(b0, c30);
                c31 = a3.fma(b1, c31);
                c32 = a3.fma(b2, c32);
                c33 = a3.fma(b3, c33);
            }
            c00.intoArray(acc, h);
            c01.intoArray(acc, 16 + h);
            c02.intoArray(acc, 2 * 16 + h);
            c03.intoArray(acc, 3 * 16 + h);
            c10.intoArray(acc, 4 * 16 + h);
            c11.intoArray(acc, 5 * 16 + h);
            c12.intoArray(acc, 6 * 16 + h);
            c13.intoArray(acc, 7 * 16 + h);
            c20.intoArray(acc, 8 * 16 + h);
            c21.intoArray(acc, 9 * 16 + h);
            c22.intoArray(acc, 10 * 16 + h);
            c23.intoArray(acc, 11 * 16 + h);
            c30.intoArray(acc, 12 * 16 + h);
            c31.intoArray(acc, 13 * 16 + h);
            c32.intoArray(acc, 14 * 16 + h);
            c33.intoArray(acc, 15 * 16 + h);
        }
        for (int e = 0; e < 16; e++) {
            int r = e >> 2, q = e & 3;
            c[ci + r * cs + q] = dotTail(a, ai + r * k, b, bj + q * k, kv, k, VectorMath.tree16(acc, e * 16));
        }
    }

    /**
     * Rows [r0, r1) × panels [q0, q1) of the chunk of columns [j0, j0 + nc) of C, on one thread, from the
     * packed op(B) (depth block of kc at pc, panel q at packB[pc·panels·NR + q·kc·NR]): for each depth
     * block, for each block of MC rows, pack op(A) (unless its rows are read in place) and sweep the
     * panels, each micro-panel of B staying in cache while the row groups pass it.
     */
    private static void multiply(Operands o, float[] packB, int kcMax, int j0, int nc, int r0, int r1, int q0, int q1) {
        if (r0 >= r1 || q0 >= q1) return;
        Tile t = o.t;
        int mr = t.mr, nr = t.nr(), n = o.n, k = o.k, panels = ceilDiv(nc, nr);
        int mcMax = Math.min(t.mc(kcMax), ceilDiv(r1 - r0, mr) * mr);
        float[][] packs = PACKS.get();
        float[] packA = packs[0], tile = packs[1];
        if (packA.length < mcMax * kcMax) packs[0] = packA = new float[mcMax * kcMax];
        if (tile.length < mr * nr) packs[1] = tile = new float[mr * nr];
        boolean aInPlace = o.sp == 1 && !o.packed; // rows of op(A) contiguous: broadcast from A itself, unless packing both
        for (int pc = 0; pc < k; pc += kcMax) {
            int kc = Math.min(kcMax, k - pc);
            boolean resume = pc > 0;
            for (int ic = r0; ic < r1; ic += mcMax) {
                int mc = Math.min(mcMax, r1 - ic);
                if (!aInPlace) packA(o, ic, mc, pc, kc, mr, packA);
                else if (mc % mr != 0) packA(o, ic + mc / mr * mr, mc % mr, pc, kc, mr, packA); // the short last group, at 0
                for (int q = q0; q < q1; q++) {
                    int j = j0 + q * nr, w = Math.min(nr, j0 + nc - j), bq = pc * panels * nr + q * kc * nr;
                    boolean inPlace = o.readsInPlace(w);
                    for (int g = 0; g * mr < mc; g++) {
                        int i = ic + g * mr, h = Math.min(mr, ic + mc - i);
                        // row r, step p of the group's A at ap[ai + r·ars + p·aks]: in A itself, or packed
                        // (a short group is packed alone, at 0, where A is otherwise read in place)
                        boolean inA = aInPlace && h == mr;
                        float[] ap = inA ? o.a : packA;
                        int ars = inA ? o.si : 1, aks = inA ? o.sp : mr;
                        int ai = inA ? o.aOff + i * o.si + pc * o.sp : aInPlace ? 0 : g * kc * mr;
                        if (h == mr && w == nr) {
                            if (!inPlace && !inA) packedKernel(t, ap, ai, packB, bq, o.c, o.cOff + i * n + j, n, kc, resume);
                            else if (inPlace) kernel(t, ap, ai, ars, aks, o.b, o.bOff + pc * o.bsp + j, o.bsp, o.c, o.cOff + i * n + j, n, kc, resume);
                            else kernel(t, ap, ai, ars, aks, packB, bq, nr, o.c, o.cOff + i * n + j, n, kc, resume);
                        } else if (h == mr && w == L && !inA && t.mr == 8) { // packed densely: panelStride(L, nr) = L
                            // one whole vector of columns (400 = 25 × 16), both operands packed: the 8 × 1 tile's
                            // packed kernel, into C itself (through the general edge, 784×400×512 Aᵀ·B spent 6.5 %
                            // of its time on this 4 % of its FMAs; Intel Xeon)
                            packed8x1(ap, ai, packB, bq, o.c, o.cOff + i * n + j, n, kc, resume);
                        } else { // an edge: through a scratch tile, only the columns that hold data
                            if (resume) for (int r = 0; r < h; r++) System.arraycopy(o.c, o.cOff + (i + r) * n + j, tile, r * nr, w);
                            if (inPlace) edgeKernel(t, ap, ai, ars, aks, o.b, o.bOff + pc * o.bsp + j, o.bsp, tile, nr, kc, resume, w);
                            else edgeKernel(t, ap, ai, ars, aks, packB, bq, panelStride(w, nr), tile, nr, kc, resume, w);
                            for (int r = 0; r < h; r++) System.arraycopy(tile, r * nr, o.c, o.cOff + (i + r) * n + j, w);
                        }
                    }
                }
            }
        }
    }

    /** dst[off + p·NR + jj] = op(B)[pc + p, j + jj] for p &lt; kc, jj &lt; w; zero for w ≤ jj &lt; NR. */
    private static void packPanel(Operands o, int pc, int kc, int j, int w, int nr, float[] dst, int off) {
        float[] b = o.b;
        int whole = w - w % L;
        if (o.bsj == 1) { // rows of B are contiguous: copied a vector at a time (arraycopy's call costs more)
            // A whole panel of a two-vector tile, without the loops of the general case for each of its rows (a
            // loop over a whole panel's vectors instead of these two lines packed as slowly as the general case:
            // 15.3 % of a 128×400×784 A·B's samples against 12.0 %, Intel Xeon)
            if (w == nr && nr == 2 * L) {
                for (int p = 0, src = o.bOff + pc * o.bsp + j, d = off; p < kc; p++, src += o.bsp, d += nr) {
                    FloatVector.fromArray(S, b, src).intoArray(dst, d);
                    FloatVector.fromArray(S, b, src + L).intoArray(dst, d + L);
                }
                return;
            }
            for (int p = 0; p < kc; p++) {
                int src = o.bOff + (pc + p) * o.bsp + j, d = off + p * nr, jj = 0;
                for (; jj < whole; jj += L) FloatVector.fromArray(S, b, src + jj).intoArray(dst, d + jj);
                for (; jj < w; jj++) dst[d + jj] = b[src + jj];
                for (; jj < nr; jj++) dst[d + jj] = 0f;
            }
            return;
        }
        // Bᵀ: the panel's rows p hold element p of L rows of B: L × L blocks transposed in registers where
        // vectors have 16 or 8 lanes, else (and for the last kc % L steps) a gather per row
        int[] rowStarts = ROW_STARTS.get();
        if (rowStarts[1] != o.bsj) for (int lane = 0; lane < L; lane++) rowStarts[lane] = lane * o.bsj;
        for (int v = 0; v < whole; v += L) {
            int src = o.bOff + (j + v) * o.bsj + pc, p = 0;
            if (L == 16) for (; p + 16 <= kc; p += 16) Transpose16.transpose(b, src + p, o.bsj, dst, off + p * nr + v, nr);
            if (L == 8) for (; p + 8 <= kc; p += 8) Transpose8.transpose(b, src + p, o.bsj, dst, off + p * nr + v, nr);
            for (; p < kc; p++) FloatVector.fromArray(S, b, src + p, rowStarts, 0).intoArray(dst, off + p * nr + v);
        }
        if (w < nr) { // a narrow last panel: its rows past the whole vectors zeroed a vector at a time, then its last columns
            FloatVector zero = FloatVector.zero(S);
            for (int p = 0; p < kc; p++) for (int v = whole; v < nr; v += L) zero.intoArray(dst, off + p * nr + v);
        }
        for (int jj = whole; jj < w; jj++) {
            int src = o.bOff + (j + jj) * o.bsj + pc;
            for (int p = 0; p < kc; p++) dst[off + p * nr + jj] = b[src + p];
        }
    }

    /**
     * packA[g·kc·MR + p·MR + r] = op(A)[ic + g·MR + r, pc + p] for rows [ic, ic + mc), zero past them.
     * For op(A) = Aᵀ (A stored k × m) the MR values of a step p are contiguous in A's row p: where MR
     * divides L, a vector of the packed panel gathers L / MR steps; otherwise they are copied step by step
     * (read row by row instead, with A's stride of m, they made a 6-row tile's Aᵀ·B take twice its product's time).
     * The short last group of an A read in place is copied row by row.
     */
    private static void packA(Operands o, int ic, int mc, int pc, int kc, int mr, float[] packA) {
        float[] a = o.a;
        int si = o.si, sp = o.sp;
        int perVector = L / mr, vectorsPerPanel = L % mr == 0 ? kc / perVector : 0;
        int[] lanes = null;
        if (vectorsPerPanel > 0) {
            lanes = new int[L];
            for (int lane = 0; lane < L; lane++) lanes[lane] = (lane % mr) * si + (lane / mr) * sp;
        }
        for (int g = 0; g * mr < mc; g++) {
            int dst = g * kc * mr, rows = Math.min(mr, mc - g * mr), src = o.aOff + (ic + g * mr) * si + pc * sp;
            if (mr == L && rows == mr && si == 1) { // Aᵀ, a tile of L rows: each step's L values are one vector of A's row
                for (int p = 0; p < kc; p++) FloatVector.fromArray(S, a, src + p * sp).intoArray(packA, dst + p * mr);
                continue;
            }
            if (mr == 8 && L == 8 && rows == mr && sp == 1) { // A, a tile of 8 rows with 8-lane vectors: 8 × 8 blocks transposed in registers
                int p = 0;
                for (; p + 8 <= kc; p += 8) Transpose8.transpose(a, src + p, si, packA, dst + p * mr, mr);
                for (; p < kc; p++) for (int r = 0; r < mr; r++) packA[dst + p * mr + r] = a[src + r * si + p];
                continue;
            }
            if (vectorsPerPanel > 0 && rows == mr) {
                int p = 0;
                for (int v = 0; v < vectorsPerPanel; v++, p += perVector) {
                    FloatVector.fromArray(S, a, src + p * sp, lanes, 0).intoArray(packA, dst + p * mr);
                }
                for (; p < kc; p++) for (int r = 0; r < mr; r++) packA[dst + p * mr + r] = a[src + r * si + p * sp];
                continue;
            }
            if (si == 1) {
                for (int p = 0; p < kc; p++) {
                    int s = src + p * sp, d = dst + p * mr, r = 0;
                    for (; r < rows; r++) packA[d + r] = a[s + r];
                    for (; r < mr; r++) packA[d + r] = 0f;
                }
                continue;
            }
            for (int r = 0; r < mr; r++) {
                if (r < rows) for (int p = 0; p < kc; p++) packA[dst + p * mr + r] = a[src + r * si + p * sp];
                else for (int p = 0; p < kc; p++) packA[dst + p * mr + r] = 0f;
            }
        }
    }

    /** One full MR × NR tile of C at c[ci], row stride cs: C = (resume ? C : 0) + A-panel · B-panel over kc. */
    private static void kernel(Tile t, float[] ap, int ai, int ars, int aks, float[] bp, int bj, int bs, float[] c, int ci, int cs, int kc, boolean resume) {
        switch (t) {
            case T4x3 -> kernel4x3(ap, ai, ars, aks, bp, bj, bs, c, ci, cs, kc, resume);
            case T5x4 -> kernel5x4(ap, ai, ars, aks, bp, bj, bs, c, ci, cs, kc, resume);
            case T6x4 -> kernel6x4(ap, ai, ars, aks, bp, bj, bs, c, ci, cs, kc, resume);
            case T6x2 -> kernel6x2(ap, ai, ars, aks, bp, bj, bs, c, ci, cs, kc, resume);
            case T5x2 -> kernel5x2(ap, ai, ars, aks, bp, bj, bs, c, ci, cs, kc, resume);
            case T8x1 -> kernel8x1(ap, ai, ars, aks, bp, bj, bs, c, ci, cs, kc, resume);
            case T8x2 -> kernel8x2(ap, ai, ars, aks, bp, bj, bs, c, ci, cs, kc, resume);
            case T12x2 -> kernel12x2(ap, ai, ars, aks, bp, bj, bs, c, ci, cs, kc, resume);
        }
    }

    /**
     * A tile whose panel holds only w ≤ NR columns of data: the columns' vectors in groups of two and
     * one, so a narrow edge (a C of 20 columns) spends no FMAs on padding vectors.
     */
    private static void edgeKernel(Tile t, float[] ap, int ai, int ars, int aks, float[] bp, int bj, int bs, float[] tile, int nr, int kc, boolean resume, int w) {
        int vectors = ceilDiv(w, L), v = 0;
        if (vectors == t.nv) {
            kernel(t, ap, ai, ars, aks, bp, bj, bs, tile, 0, nr, kc, resume);
            return;
        }
        for (; v + 2 <= vectors; v += 2) {
            switch (t.mr) {
                case 4 -> kernel4x2(ap, ai, ars, aks, bp, bj + v * L, bs, tile, v * L, nr, kc, resume);
                case 5 -> kernel5x2(ap, ai, ars, aks, bp, bj + v * L, bs, tile, v * L, nr, kc, resume);
                case 6 -> kernel6x2(ap, ai, ars, aks, bp, bj + v * L, bs, tile, v * L, nr, kc, resume);
                case 8 -> kernel8x2(ap, ai, ars, aks, bp, bj + v * L, bs, tile, v * L, nr, kc, resume);
                case 12 -> kernel12x2(ap, ai, ars, aks, bp, bj + v * L, bs, tile, v * L, nr, kc, resume);
                default -> throw new AssertionError(t);
            }
        }
        if (v < vectors) {
            switch (t.mr) {
                case 4 -> kernel4x1(ap, ai, ars, aks, bp, bj + v * L, bs, tile, v * L, nr, kc, resume);
                case 5 -> kernel5x1(ap, ai, ars, aks, bp, bj + v * L, bs, tile, v * L, nr, kc, resume);
                case 6 -> kernel6x1(ap, ai, ars, aks, bp, bj + v * L, bs, tile, v * L, nr, kc, resume);
                case 8 -> kernel8x1(ap, ai, ars, aks, bp, bj + v * L, bs, tile, v * L, nr, kc, resume);
                case 12 -> kernel12x1(ap, ai, ars, aks, bp, bj + v * L, bs, tile, v * L, nr, kc, resume);
                default -> throw new AssertionError(t);
            }
        }
    }

    /** C[0..4, 0..3L) = (resume ? C : 0) + Σ_p A[ai + p·aks + r·ars]·(packed B)[bj + p·bs + 0..3L), one FMA per element per p, in order. */
    private static void kernel4x3(float[] ap, int ai, int ars, int aks, float[] bp, int bj, int bs, float[] c, int ci, int cs, int kc, boolean resume) {
        float[] from = resume ? c : ZEROS;
        int fi = resume ? ci : 0, fs = resume ? cs : 0;
        FloatVector c00 = FloatVector.fromArray(S, from, fi + 0 * fs + 0 * L), c01 = FloatVector.fromArray(S, from, fi + 0 * fs + 1 * L), c02 = FloatVector.fromArray(S, from, fi + 0 * fs + 2 * L);
        FloatVector c10 = FloatVector.fromArray(S, from, fi + 1 * fs + 0 * L), c11 = FloatVector.fromArray(S, from, fi + 1 * fs + 1 * L), c12 = FloatVector.fromArray(S, from, fi + 1 * fs + 2 * L);
        FloatVector c20 = FloatVector.fromArray(S, from, fi + 2 * fs + 0 * L), c21 = FloatVector.fromArray(S, from, fi + 2 * fs + 1 * L), c22 = FloatVector.fromArray(S, from, fi + 2 * fs + 2 * L);
        FloatVector c30 = FloatVector.fromArray(S, from, fi + 3 * fs + 0 * L), c31 = FloatVector.fromArray(S, from, fi + 3 * fs + 1 * L), c32 = FloatVector.fromArray(S, from, fi + 3 * fs + 2 * L);
        for (int p = 0, a = ai, b = bj; p < kc; p++, a += aks, b += bs) {
            FloatVector b0 = FloatVector.fromArray(S, bp, b), b1 = FloatVector.fromArray(S, bp, b + 1 * L), b2 = FloatVector.fromArray(S, bp, b + 2 * L);
            FloatVector a0 = FloatVector.broadcast(S, ap[a]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            c02 = a0.fma(b2, c02);
            FloatVector a1 = FloatVector.broadcast(S, ap[a + 1 * ars]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            c12 = a1.fma(b2, c12);
            FloatVector a2 = FloatVector.broadcast(S, ap[a + 2 * ars]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            c22 = a2.fma(b2, c22);
            FloatVector a3 = FloatVector.broadcast(S, ap[a + 3 * ars]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            c32 = a3.fma(b2, c32);
        }
        c00.intoArray(c, ci + 0 * cs + 0 * L);
        c01.intoArray(c, ci + 0 * cs + 1 * L);
        c02.intoArray(c, ci + 0 * cs + 2 * L);
        c10.intoArray(c, ci + 1 * cs + 0 * L);
        c11.intoArray(c, ci + 1 * cs + 1 * L);
        c12.intoArray(c, ci + 1 * cs + 2 * L);
        c20.intoArray(c, ci + 2 * cs + 0 * L);
        c21.intoArray(c, ci + 2 * cs + 1 * L);
        c22.intoArray(c, ci + 2 * cs + 2 * L);
        c30.intoArray(c, ci + 3 * cs + 0 * L);
        c31.intoArray(c, ci + 3 * cs + 1 * L);
        c32.intoArray(c, ci + 3 * cs + 2 * L);
    }

    /** C[0..4, 0..2L) = (resume ? C : 0) + Σ_p A[ai + p·aks + r·ars]·(packed B)[bj + p·bs + 0..2L), one FMA per element per p, in order. */
    private static void kernel4x2(float[] ap, int ai, int ars, int aks, float[] bp, int bj, int bs, float[] c, int ci, int cs, int kc, boolean resume) {
        float[] from = resume ? c : ZEROS;
        int fi = resume ? ci : 0, fs = resume ? cs : 0;
        FloatVector c00 = FloatVector.fromArray(S, from, fi + 0 * fs + 0 * L), c01 = FloatVector.fromArray(S, from, fi + 0 * fs + 1 * L);
        FloatVector c10 = FloatVector.fromArray(S, from, fi + 1 * fs + 0 * L), c11 = FloatVector.fromArray(S, from, fi + 1 * fs + 1 * L);
        FloatVector c20 = FloatVector.fromArray(S, from, fi + 2 * fs + 0 * L), c21 = FloatVector.fromArray(S, from, fi + 2 * fs + 1 * L);
        FloatVector c30 = FloatVector.fromArray(S, from, fi + 3 * fs + 0 * L), c31 = FloatVector.fromArray(S, from, fi + 3 * fs + 1 * L);
        for (int p = 0, a = ai, b = bj; p < kc; p++, a += aks, b += bs) {
            FloatVector b0 = FloatVector.fromArray(S, bp, b), b1 = FloatVector.fromArray(S, bp, b + 1 * L);
            FloatVector a0 = FloatVector.broadcast(S, ap[a]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, ap[a + 1 * ars]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, ap[a + 2 * ars]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, ap[a + 3 * ars]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
        }
        c00.intoArray(c, ci + 0 * cs + 0 * L);
        c01.intoArray(c, ci + 0 * cs + 1 * L);
        c10.intoArray(c, ci + 1 * cs + 0 * L);
        c11.intoArray(c, ci + 1 * cs + 1 * L);
        c20.intoArray(c, ci + 2 * cs + 0 * L);
        c21.intoArray(c, ci + 2 * cs + 1 * L);
        c30.intoArray(c, ci + 3 * cs + 0 * L);
        c31.intoArray(c, ci + 3 * cs + 1 * L);
    }

    /** C[0..4, 0..1L) = (resume ? C : 0) + Σ_p A[ai + p·aks + r·ars]·(packed B)[bj + p·bs + 0..1L), one FMA per element per p, in order. */
    private static void kernel4x1(float[] ap, int ai, int ars, int aks, float[] bp, int bj, int bs, float[] c, int ci, int cs, int kc, boolean resume) {
        float[] from = resume ? c : ZEROS;
        int fi = resume ? ci : 0, fs = resume ? cs : 0;
        FloatVector c00 = FloatVector.fromArray(S, from, fi + 0 * fs + 0 * L);
        FloatVector c10 = FloatVector.fromArray(S, from, fi + 1 * fs + 0 * L);
        FloatVector c20 = FloatVector.fromArray(S, from, fi + 2 * fs + 0 * L);
        FloatVector c30 = FloatVector.fromArray(S, from, fi + 3 * fs + 0 * L);
        for (int p = 0, a = ai, b = bj; p < kc; p++, a += aks, b += bs) {
            FloatVector b0 = FloatVector.fromArray(S, bp, b);
            FloatVector a0 = FloatVector.broadcast(S, ap[a]);
            c00 = a0.fma(b0, c00);
            FloatVector a1 = FloatVector.broadcast(S, ap[a + 1 * ars]);
            c10 = a1.fma(b0, c10);
            FloatVector a2 = FloatVector.broadcast(S, ap[a + 2 * ars]);
            c20 = a2.fma(b0, c20);
            FloatVector a3 = FloatVector.broadcast(S, ap[a + 3 * ars]);
            c30 = a3.fma(b0, c30);
        }
        c00.intoArray(c, ci + 0 * cs + 0 * L);
        c10.intoArray(c, ci + 1 * cs + 0 * L);
        c20.intoArray(c, ci + 2 * cs + 0 * L);
        c30.intoArray(c, ci + 3 * cs + 0 * L);
    }

    /** C[0..6, 0..4L) = (resume ? C : 0) + Σ_p A[ai + p·aks + r·ars]·(packed B)[bj + p·bs + 0..4L), one FMA per element per p, in order. */
    private static void kernel6x4(float[] ap, int ai, int ars, int aks, float[] bp, int bj, int bs, float[] c, int ci, int cs, int kc, boolean resume) {
        float[] from = resume ? c : ZEROS;
        int fi = resume ? ci : 0, fs = resume ? cs : 0;
        FloatVector c00 = FloatVector.fromArray(S, from, fi + 0 * fs + 0 * L), c01 = FloatVector.fromArray(S, from, fi + 0 * fs + 1 * L), c02 = FloatVector.fromArray(S, from, fi + 0 * fs + 2 * L), c03 = FloatVector.fromArray(S, from, fi + 0 * fs + 3 * L);
        FloatVector c10 = FloatVector.fromArray(S, from, fi + 1 * fs + 0 * L), c11 = FloatVector.fromArray(S, from, fi + 1 * fs + 1 * L), c12 = FloatVector.fromArray(S, from, fi + 1 * fs + 2 * L), c13 = FloatVector.fromArray(S, from, fi + 1 * fs + 3 * L);
        FloatVector c20 = FloatVector.fromArray(S, from, fi + 2 * fs + 0 * L), c21 = FloatVector.fromArray(S, from, fi + 2 * fs + 1 * L), c22 = FloatVector.fromArray(S, from, fi + 2 * fs + 2 * L), c23 = FloatVector.fromArray(S, from, fi + 2 * fs + 3 * L);
        FloatVector c30 = FloatVector.fromArray(S, from, fi + 3 * fs + 0 * L), c31 = FloatVector.fromArray(S, from, fi + 3 * fs + 1 * L), c32 = FloatVector.fromArray(S, from, fi + 3 * fs + 2 * L), c33 = FloatVector.fromArray(S, from, fi + 3 * fs + 3 * L);
        FloatVector c40 = FloatVector.fromArray(S, from, fi + 4 * fs + 0 * L), c41 = FloatVector.fromArray(S, from, fi + 4 * fs + 1 * L), c42 = FloatVector.fromArray(S, from, fi + 4 * fs + 2 * L), c43 = FloatVector.fromArray(S, from, fi + 4 * fs + 3 * L);
        FloatVector c50 = FloatVector.fromArray(S, from, fi + 5 * fs + 0 * L), c51 = FloatVector.fromArray(S, from, fi + 5 * fs + 1 * L), c52 = FloatVector.fromArray(S, from, fi + 5 * fs + 2 * L), c53 = FloatVector.fromArray(S, from, fi + 5 * fs + 3 * L);
        for (int p = 0, a = ai, b = bj; p < kc; p++, a += aks, b += bs) {
            FloatVector b0 = FloatVector.fromArray(S, bp, b), b1 = FloatVector.fromArray(S, bp, b + 1 * L), b2 = FloatVector.fromArray(S, bp, b + 2 * L), b3 = FloatVector.fromArray(S, bp, b + 3 * L);
            FloatVector a0 = FloatVector.broadcast(S, ap[a]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            c02 = a0.fma(b2, c02);
            c03 = a0.fma(b3, c03);
            FloatVector a1 = FloatVector.broadcast(S, ap[a + 1 * ars]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            c12 = a1.fma(b2, c12);
            c13 = a1.fma(b3, c13);
            FloatVector a2 = FloatVector.broadcast(S, ap[a + 2 * ars]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            c22 = a2.fma(b2, c22);
            c23 = a2.fma(b3, c23);
            FloatVector a3 = FloatVector.broadcast(S, ap[a + 3 * ars]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            c32 = a3.fma(b2, c32);
            c33 = a3.fma(b3, c33);
            FloatVector a4 = FloatVector.broadcast(S, ap[a + 4 * ars]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            c42 = a4.fma(b2, c42);
            c43 = a4.fma(b3, c43);
            FloatVector a5 = FloatVector.broadcast(S, ap[a + 5 * ars]);
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
            c52 = a5.fma(b2, c52);
            c53 = a5.fma(b3, c53);
        }
        c00.intoArray(c, ci + 0 * cs + 0 * L);
        c01.intoArray(c, ci + 0 * cs + 1 * L);
        c02.intoArray(c, ci + 0 * cs + 2 * L);
        c03.intoArray(c, ci + 0 * cs + 3 * L);
        c10.intoArray(c, ci + 1 * cs + 0 * L);
        c11.intoArray(c, ci + 1 * cs + 1 * L);
        c12.intoArray(c, ci + 1 * cs + 2 * L);
        c13.intoArray(c, ci + 1 * cs + 3 * L);
        c20.intoArray(c, ci + 2 * cs + 0 * L);
        c21.intoArray(c, ci + 2 * cs + 1 * L);
        c22.intoArray(c, ci + 2 * cs + 2 * L);
        c23.intoArray(c, ci + 2 * cs + 3 * L);
        c30.intoArray(c, ci + 3 * cs + 0 * L);
        c31.intoArray(c, ci + 3 * cs + 1 * L);
        c32.intoArray(c, ci + 3 * cs + 2 * L);
        c33.intoArray(c, ci + 3 * cs + 3 * L);
        c40.intoArray(c, ci + 4 * cs + 0 * L);
        c41.intoArray(c, ci + 4 * cs + 1 * L);
        c42.intoArray(c, ci + 4 * cs + 2 * L);
        c43.intoArray(c, ci + 4 * cs + 3 * L);
        c50.intoArray(c, ci + 5 * cs + 0 * L);
        c51.intoArray(c, ci + 5 * cs + 1 * L);
        c52.intoArray(c, ci + 5 * cs + 2 * L);
        c53.intoArray(c, ci + 5 * cs + 3 * L);
    }

    /** C[0..6, 0..2L) = (resume ? C : 0) + Σ_p A[ai + p·aks + r·ars]·(packed B)[bj + p·bs + 0..2L), one FMA per element per p, in order. */
    private static void kernel6x2(float[] ap, int ai, int ars, int aks, float[] bp, int bj, int bs, float[] c, int ci, int cs, int kc, boolean resume) {
        float[] from = resume ? c : ZEROS;
        int fi = resume ? ci : 0, fs = resume ? cs : 0;
        FloatVector c00 = FloatVector.fromArray(S, from, fi + 0 * fs + 0 * L), c01 = FloatVector.fromArray(S, from, fi + 0 * fs + 1 * L);
        FloatVector c10 = FloatVector.fromArray(S, from, fi + 1 * fs + 0 * L), c11 = FloatVector.fromArray(S, from, fi + 1 * fs + 1 * L);
        FloatVector c20 = FloatVector.fromArray(S, from, fi + 2 * fs + 0 * L), c21 = FloatVector.fromArray(S, from, fi + 2 * fs + 1 * L);
        FloatVector c30 = FloatVector.fromArray(S, from, fi + 3 * fs + 0 * L), c31 = FloatVector.fromArray(S, from, fi + 3 * fs + 1 * L);
        FloatVector c40 = FloatVector.fromArray(S, from, fi + 4 * fs + 0 * L), c41 = FloatVector.fromArray(S, from, fi + 4 * fs + 1 * L);
        FloatVector c50 = FloatVector.fromArray(S, from, fi + 5 * fs + 0 * L), c51 = FloatVector.fromArray(S, from, fi + 5 * fs + 1 * L);
        for (int p = 0, a = ai, b = bj; p < kc; p++, a += aks, b += bs) {
            FloatVector b0 = FloatVector.fromArray(S, bp, b), b1 = FloatVector.fromArray(S, bp, b + 1 * L);
            FloatVector a0 = FloatVector.broadcast(S, ap[a]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, ap[a + 1 * ars]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, ap[a + 2 * ars]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, ap[a + 3 * ars]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(S, ap[a + 4 * ars]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(S, ap[a + 5 * ars]);
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
        }
        c00.intoArray(c, ci + 0 * cs + 0 * L);
        c01.intoArray(c, ci + 0 * cs + 1 * L);
        c10.intoArray(c, ci + 1 * cs + 0 * L);
        c11.intoArray(c, ci + 1 * cs + 1 * L);
        c20.intoArray(c, ci + 2 * cs + 0 * L);
        c21.intoArray(c, ci + 2 * cs + 1 * L);
        c30.intoArray(c, ci + 3 * cs + 0 * L);
        c31.intoArray(c, ci + 3 * cs + 1 * L);
        c40.intoArray(c, ci + 4 * cs + 0 * L);
        c41.intoArray(c, ci + 4 * cs + 1 * L);
        c50.intoArray(c, ci + 5 * cs + 0 * L);
        c51.intoArray(c, ci + 5 * cs + 1 * L);
    }

    /** C[0..6, 0..1L) = (resume ? C : 0) + Σ_p A[ai + p·aks + r·ars]·(packed B)[bj + p·bs + 0..1L), one FMA per element per p, in order. */
    private static void kernel6x1(float[] ap, int ai, int ars, int aks, float[] bp, int bj, int bs, float[] c, int ci, int cs, int kc, boolean resume) {
        float[] from = resume ? c : ZEROS;
        int fi = resume ? ci : 0, fs = resume ? cs : 0;
        FloatVector c00 = FloatVector.fromArray(S, from, fi + 0 * fs + 0 * L);
        FloatVector c10 = FloatVector.fromArray(S, from, fi + 1 * fs + 0 * L);
        FloatVector c20 = FloatVector.fromArray(S, from, fi + 2 * fs + 0 * L);
        FloatVector c30 = FloatVector.fromArray(S, from, fi + 3 * fs + 0 * L);
        FloatVector c40 = FloatVector.fromArray(S, from, fi + 4 * fs + 0 * L);
        FloatVector c50 = FloatVector.fromArray(S, from, fi + 5 * fs + 0 * L);
        for (int p = 0, a = ai, b = bj; p < kc; p++, a += aks, b += bs) {
            FloatVector b0 = FloatVector.fromArray(S, bp, b);
            FloatVector a0 = FloatVector.broadcast(S, ap[a]);
            c00 = a0.fma(b0, c00);
            FloatVector a1 = FloatVector.broadcast(S, ap[a + 1 * ars]);
            c10 = a1.fma(b0, c10);
            FloatVector a2 = FloatVector.broadcast(S, ap[a + 2 * ars]);
            c20 = a2.fma(b0, c20);
            FloatVector a3 = FloatVector.broadcast(S, ap[a + 3 * ars]);
            c30 = a3.fma(b0, c30);
            FloatVector a4 = FloatVector.broadcast(S, ap[a + 4 * ars]);
            c40 = a4.fma(b0, c40);
            FloatVector a5 = FloatVector.broadcast(S, ap[a + 5 * ars]);
            c50 = a5.fma(b0, c50);
        }
        c00.intoArray(c, ci + 0 * cs + 0 * L);
        c10.intoArray(c, ci + 1 * cs + 0 * L);
        c20.intoArray(c, ci + 2 * cs + 0 * L);
        c30.intoArray(c, ci + 3 * cs + 0 * L);
        c40.intoArray(c, ci + 4 * cs + 0 * L);
        c50.intoArray(c, ci + 5 * cs + 0 * L);
    }

    /** C[0..5, 0..4L) = (resume ? C : 0) + Σ_p A[ai + p·aks + r·ars]·(packed B)[bj + p·bs + 0..4L), one FMA per element per p, in order. */
    private static void kernel5x4(float[] ap, int ai, int ars, int aks, float[] bp, int bj, int bs, float[] c, int ci, int cs, int kc, boolean resume) {
        float[] from = resume ? c : ZEROS;
        int fi = resume ? ci : 0, fs = resume ? cs : 0;
        FloatVector c00 = FloatVector.fromArray(S, from, fi + 0 * fs + 0 * L), c01 = FloatVector.fromArray(S, from, fi + 0 * fs + 1 * L), c02 = FloatVector.fromArray(S, from, fi + 0 * fs + 2 * L), c03 = FloatVector.fromArray(S, from, fi + 0 * fs + 3 * L);
        FloatVector c10 = FloatVector.fromArray(S, from, fi + 1 * fs + 0 * L), c11 = FloatVector.fromArray(S, from, fi + 1 * fs + 1 * L), c12 = FloatVector.fromArray(S, from, fi + 1 * fs + 2 * L), c13 = FloatVector.fromArray(S, from, fi + 1 * fs + 3 * L);
        FloatVector c20 = FloatVector.fromArray(S, from, fi + 2 * fs + 0 * L), c21 = FloatVector.fromArray(S, from, fi + 2 * fs + 1 * L), c22 = FloatVector.fromArray(S, from, fi + 2 * fs + 2 * L), c23 = FloatVector.fromArray(S, from, fi + 2 * fs + 3 * L);
        FloatVector c30 = FloatVector.fromArray(S, from, fi + 3 * fs + 0 * L), c31 = FloatVector.fromArray(S, from, fi + 3 * fs + 1 * L), c32 = FloatVector.fromArray(S, from, fi + 3 * fs + 2 * L), c33 = FloatVector.fromArray(S, from, fi + 3 * fs + 3 * L);
        FloatVector c40 = FloatVector.fromArray(S, from, fi + 4 * fs + 0 * L), c41 = FloatVector.fromArray(S, from, fi + 4 * fs + 1 * L), c42 = FloatVector.fromArray(S, from, fi + 4 * fs + 2 * L), c43 = FloatVector.fromArray(S, from, fi + 4 * fs + 3 * L);
        for (int p = 0, a = ai, b = bj; p < kc; p++, a += aks, b += bs) {
            FloatVector b0 = FloatVector.fromArray(S, bp, b), b1 = FloatVector.fromArray(S, bp, b + 1 * L), b2 = FloatVector.fromArray(S, bp, b + 2 * L), b3 = FloatVector.fromArray(S, bp, b + 3 * L);
            FloatVector a0 = FloatVector.broadcast(S, ap[a]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            c02 = a0.fma(b2, c02);
            c03 = a0.fma(b3, c03);
            FloatVector a1 = FloatVector.broadcast(S, ap[a + 1 * ars]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            c12 = a1.fma(b2, c12);
            c13 = a1.fma(b3, c13);
            FloatVector a2 = FloatVector.broadcast(S, ap[a + 2 * ars]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            c22 = a2.fma(b2, c22);
            c23 = a2.fma(b3, c23);
            FloatVector a3 = FloatVector.broadcast(S, ap[a + 3 * ars]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            c32 = a3.fma(b2, c32);
            c33 = a3.fma(b3, c33);
            FloatVector a4 = FloatVector.broadcast(S, ap[a + 4 * ars]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            c42 = a4.fma(b2, c42);
            c43 = a4.fma(b3, c43);
        }
        c00.intoArray(c, ci + 0 * cs + 0 * L);
        c01.intoArray(c, ci + 0 * cs + 1 * L);
        c02.intoArray(c, ci + 0 * cs + 2 * L);
        c03.intoArray(c, ci + 0 * cs + 3 * L);
        c10.intoArray(c, ci + 1 * cs + 0 * L);
        c11.intoArray(c, ci + 1 * cs + 1 * L);
        c12.intoArray(c, ci + 1 * cs + 2 * L);
        c13.intoArray(c, ci + 1 * cs + 3 * L);
        c20.intoArray(c, ci + 2 * cs + 0 * L);
        c21.intoArray(c, ci + 2 * cs + 1 * L);
        c22.intoArray(c, ci + 2 * cs + 2 * L);
        c23.intoArray(c, ci + 2 * cs + 3 * L);
        c30.intoArray(c, ci + 3 * cs + 0 * L);
        c31.intoArray(c, ci + 3 * cs + 1 * L);
        c32.intoArray(c, ci + 3 * cs + 2 * L);
        c33.intoArray(c, ci + 3 * cs + 3 * L);
        c40.intoArray(c, ci + 4 * cs + 0 * L);
        c41.intoArray(c, ci + 4 * cs + 1 * L);
        c42.intoArray(c, ci + 4 * cs + 2 * L);
        c43.intoArray(c, ci + 4 * cs + 3 * L);
    }

    /** C[0..5, 0..2L) = (resume ? C : 0) + Σ_p A[ai + p·aks + r·ars]·(packed B)[bj + p·bs + 0..2L), one FMA per element per p, in order. */
    private static void kernel5x2(float[] ap, int ai, int ars, int aks, float[] bp, int bj, int bs, float[] c, int ci, int cs, int kc, boolean resume) {
        float[] from = resume ? c : ZEROS;
        int fi = resume ? ci : 0, fs = resume ? cs : 0;
        FloatVector c00 = FloatVector.fromArray(S, from, fi + 0 * fs + 0 * L), c01 = FloatVector.fromArray(S, from, fi + 0 * fs + 1 * L);
        FloatVector c10 = FloatVector.fromArray(S, from, fi + 1 * fs + 0 * L), c11 = FloatVector.fromArray(S, from, fi + 1 * fs + 1 * L);
        FloatVector c20 = FloatVector.fromArray(S, from, fi + 2 * fs + 0 * L), c21 = FloatVector.fromArray(S, from, fi + 2 * fs + 1 * L);
        FloatVector c30 = FloatVector.fromArray(S, from, fi + 3 * fs + 0 * L), c31 = FloatVector.fromArray(S, from, fi + 3 * fs + 1 * L);
        FloatVector c40 = FloatVector.fromArray(S, from, fi + 4 * fs + 0 * L), c41 = FloatVector.fromArray(S, from, fi + 4 * fs + 1 * L);
        for (int p = 0, a = ai, b = bj; p < kc; p++, a += aks, b += bs) {
            FloatVector b0 = FloatVector.fromArray(S, bp, b), b1 = FloatVector.fromArray(S, bp, b + 1 * L);
            FloatVector a0 = FloatVector.broadcast(S, ap[a]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, ap[a + 1 * ars]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, ap[a + 2 * ars]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, ap[a + 3 * ars]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(S, ap[a + 4 * ars]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
        }
        c00.intoArray(c, ci + 0 * cs + 0 * L);
        c01.intoArray(c, ci + 0 * cs + 1 * L);
        c10.intoArray(c, ci + 1 * cs + 0 * L);
        c11.intoArray(c, ci + 1 * cs + 1 * L);
        c20.intoArray(c, ci + 2 * cs + 0 * L);
        c21.intoArray(c, ci + 2 * cs + 1 * L);
        c30.intoArray(c, ci + 3 * cs + 0 * L);
        c31.intoArray(c, ci + 3 * cs + 1 * L);
        c40.intoArray(c, ci + 4 * cs + 0 * L);
        c41.intoArray(c, ci + 4 * cs + 1 * L);
    }

    /** C[0..5, 0..1L) = (resume ? C : 0) + Σ_p A[ai + p·aks + r·ars]·(packed B)[bj + p·bs + 0..1L), one FMA per element per p, in order. */
    private static void kernel5x1(float[] ap, int ai, int ars, int aks, float[] bp, int bj, int bs, float[] c, int ci, int cs, int kc, boolean resume) {
        float[] from = resume ? c : ZEROS;
        int fi = resume ? ci : 0, fs = resume ? cs : 0;
        FloatVector c00 = FloatVector.fromArray(S, from, fi + 0 * fs + 0 * L);
        FloatVector c10 = FloatVector.fromArray(S, from, fi + 1 * fs + 0 * L);
        FloatVector c20 = FloatVector.fromArray(S, from, fi + 2 * fs + 0 * L);
        FloatVector c30 = FloatVector.fromArray(S, from, fi + 3 * fs + 0 * L);
        FloatVector c40 = FloatVector.fromArray(S, from, fi + 4 * fs + 0 * L);
        for (int p = 0, a = ai, b = bj; p < kc; p++, a += aks, b += bs) {
            FloatVector b0 = FloatVector.fromArray(S, bp, b);
            FloatVector a0 = FloatVector.broadcast(S, ap[a]);
            c00 = a0.fma(b0, c00);
            FloatVector a1 = FloatVector.broadcast(S, ap[a + 1 * ars]);
            c10 = a1.fma(b0, c10);
            FloatVector a2 = FloatVector.broadcast(S, ap[a + 2 * ars]);
            c20 = a2.fma(b0, c20);
            FloatVector a3 = FloatVector.broadcast(S, ap[a + 3 * ars]);
            c30 = a3.fma(b0, c30);
            FloatVector a4 = FloatVector.broadcast(S, ap[a + 4 * ars]);
            c40 = a4.fma(b0, c40);
        }
        c00.intoArray(c, ci + 0 * cs + 0 * L);
        c10.intoArray(c, ci + 1 * cs + 0 * L);
        c20.intoArray(c, ci + 2 * cs + 0 * L);
        c30.intoArray(c, ci + 3 * cs + 0 * L);
        c40.intoArray(c, ci + 4 * cs + 0 * L);
    }

    /** C[0..8, 0..1L) = (resume ? C : 0) + Σ_p A[ai + p·aks + r·ars]·(packed B)[bj + p·bs + 0..1L), one FMA per element per p, in order. */
    private static void kernel8x1(float[] ap, int ai, int ars, int aks, float[] bp, int bj, int bs, float[] c, int ci, int cs, int kc, boolean resume) {
        float[] from = resume ? c : ZEROS;
        int fi = resume ? ci : 0, fs = resume ? cs : 0;
        FloatVector c00 = FloatVector.fromArray(S, from, fi + 0 * fs + 0 * L);
        FloatVector c10 = FloatVector.fromArray(S, from, fi + 1 * fs + 0 * L);
        FloatVector c20 = FloatVector.fromArray(S, from, fi + 2 * fs + 0 * L);
        FloatVector c30 = FloatVector.fromArray(S, from, fi + 3 * fs + 0 * L);
        FloatVector c40 = FloatVector.fromArray(S, from, fi + 4 * fs + 0 * L);
        FloatVector c50 = FloatVector.fromArray(S, from, fi + 5 * fs + 0 * L);
        FloatVector c60 = FloatVector.fromArray(S, from, fi + 6 * fs + 0 * L);
        FloatVector c70 = FloatVector.fromArray(S, from, fi + 7 * fs + 0 * L);
        for (int p = 0, a = ai, b = bj; p < kc; p++, a += aks, b += bs) {
            FloatVector b0 = FloatVector.fromArray(S, bp, b);
            FloatVector a0 = FloatVector.broadcast(S, ap[a]);
            c00 = a0.fma(b0, c00);
            FloatVector a1 = FloatVector.broadcast(S, ap[a + 1 * ars]);
            c10 = a1.fma(b0, c10);
            FloatVector a2 = FloatVector.broadcast(S, ap[a + 2 * ars]);
            c20 = a2.fma(b0, c20);
            FloatVector a3 = FloatVector.broadcast(S, ap[a + 3 * ars]);
            c30 = a3.fma(b0, c30);
            FloatVector a4 = FloatVector.broadcast(S, ap[a + 4 * ars]);
            c40 = a4.fma(b0, c40);
            FloatVector a5 = FloatVector.broadcast(S, ap[a + 5 * ars]);
            c50 = a5.fma(b0, c50);
            FloatVector a6 = FloatVector.broadcast(S, ap[a + 6 * ars]);
            c60 = a6.fma(b0, c60);
            FloatVector a7 = FloatVector.broadcast(S, ap[a + 7 * ars]);
            c70 = a7.fma(b0, c70);
        }
        c00.intoArray(c, ci + 0 * cs + 0 * L);
        c10.intoArray(c, ci + 1 * cs + 0 * L);
        c20.intoArray(c, ci + 2 * cs + 0 * L);
        c30.intoArray(c, ci + 3 * cs + 0 * L);
        c40.intoArray(c, ci + 4 * cs + 0 * L);
        c50.intoArray(c, ci + 5 * cs + 0 * L);
        c60.intoArray(c, ci + 6 * cs + 0 * L);
        c70.intoArray(c, ci + 7 * cs + 0 * L);
    }

    /** C[0..8, 0..2L) = (resume ? C : 0) + Σ_p A[ai + p·aks + r·ars]·(packed B)[bj + p·bs + 0..2L), one FMA per element per p, in order. */
    private static void kernel8x2(float[] ap, int ai, int ars, int aks, float[] bp, int bj, int bs, float[] c, int ci, int cs, int kc, boolean resume) {
        float[] from = resume ? c : ZEROS;
        int fi = resume ? ci : 0, fs = resume ? cs : 0;
        FloatVector c00 = FloatVector.fromArray(S, from, fi + 0 * fs + 0 * L), c01 = FloatVector.fromArray(S, from, fi + 0 * fs + 1 * L);
        FloatVector c10 = FloatVector.fromArray(S, from, fi + 1 * fs + 0 * L), c11 = FloatVector.fromArray(S, from, fi + 1 * fs + 1 * L);
        FloatVector c20 = FloatVector.fromArray(S, from, fi + 2 * fs + 0 * L), c21 = FloatVector.fromArray(S, from, fi + 2 * fs + 1 * L);
        FloatVector c30 = FloatVector.fromArray(S, from, fi + 3 * fs + 0 * L), c31 = FloatVector.fromArray(S, from, fi + 3 * fs + 1 * L);
        FloatVector c40 = FloatVector.fromArray(S, from, fi + 4 * fs + 0 * L), c41 = FloatVector.fromArray(S, from, fi + 4 * fs + 1 * L);
        FloatVector c50 = FloatVector.fromArray(S, from, fi + 5 * fs + 0 * L), c51 = FloatVector.fromArray(S, from, fi + 5 * fs + 1 * L);
        FloatVector c60 = FloatVector.fromArray(S, from, fi + 6 * fs + 0 * L), c61 = FloatVector.fromArray(S, from, fi + 6 * fs + 1 * L);
        FloatVector c70 = FloatVector.fromArray(S, from, fi + 7 * fs + 0 * L), c71 = FloatVector.fromArray(S, from, fi + 7 * fs + 1 * L);
        for (int p = 0, a = ai, b = bj; p < kc; p++, a += aks, b += bs) {
            FloatVector b0 = FloatVector.fromArray(S, bp, b), b1 = FloatVector.fromArray(S, bp, b + 1 * L);
            FloatVector a0 = FloatVector.broadcast(S, ap[a]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, ap[a + 1 * ars]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, ap[a + 2 * ars]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, ap[a + 3 * ars]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(S, ap[a + 4 * ars]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(S, ap[a + 5 * ars]);
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
            FloatVector a6 = FloatVector.broadcast(S, ap[a + 6 * ars]);
            c60 = a6.fma(b0, c60);
            c61 = a6.fma(b1, c61);
            FloatVector a7 = FloatVector.broadcast(S, ap[a + 7 * ars]);
            c70 = a7.fma(b0, c70);
            c71 = a7.fma(b1, c71);
        }
        c00.intoArray(c, ci + 0 * cs + 0 * L);
        c01.intoArray(c, ci + 0 * cs + 1 * L);
        c10.intoArray(c, ci + 1 * cs + 0 * L);
        c11.intoArray(c, ci + 1 * cs + 1 * L);
        c20.intoArray(c, ci + 2 * cs + 0 * L);
        c21.intoArray(c, ci + 2 * cs + 1 * L);
        c30.intoArray(c, ci + 3 * cs + 0 * L);
        c31.intoArray(c, ci + 3 * cs + 1 * L);
        c40.intoArray(c, ci + 4 * cs + 0 * L);
        c41.intoArray(c, ci + 4 * cs + 1 * L);
        c50.intoArray(c, ci + 5 * cs + 0 * L);
        c51.intoArray(c, ci + 5 * cs + 1 * L);
        c60.intoArray(c, ci + 6 * cs + 0 * L);
        c61.intoArray(c, ci + 6 * cs + 1 * L);
        c70.intoArray(c, ci + 7 * cs + 0 * L);
        c71.intoArray(c, ci + 7 * cs + 1 * L);
    }

    /** C[0..12, 0..2L) = (resume ? C : 0) + Σ_p A[ai + p·aks + r·ars]·(packed B)[bj + p·bs + 0..2L), one FMA per element per p, in order. */
    private static void kernel12x2(float[] ap, int ai, int ars, int aks, float[] bp, int bj, int bs, float[] c, int ci, int cs, int kc, boolean resume) {
        float[] from = resume ? c : ZEROS;
        int fi = resume ? ci : 0, fs = resume ? cs : 0;
        FloatVector c00 = FloatVector.fromArray(S, from, fi + 0 * fs + 0 * L), c01 = FloatVector.fromArray(S, from, fi + 0 * fs + 1 * L);
        FloatVector c10 = FloatVector.fromArray(S, from, fi + 1 * fs + 0 * L), c11 = FloatVector.fromArray(S, from, fi + 1 * fs + 1 * L);
        FloatVector c20 = FloatVector.fromArray(S, from, fi + 2 * fs + 0 * L), c21 = FloatVector.fromArray(S, from, fi + 2 * fs + 1 * L);
        FloatVector c30 = FloatVector.fromArray(S, from, fi + 3 * fs + 0 * L), c31 = FloatVector.fromArray(S, from, fi + 3 * fs + 1 * L);
        FloatVector c40 = FloatVector.fromArray(S, from, fi + 4 * fs + 0 * L), c41 = FloatVector.fromArray(S, from, fi + 4 * fs + 1 * L);
        FloatVector c50 = FloatVector.fromArray(S, from, fi + 5 * fs + 0 * L), c51 = FloatVector.fromArray(S, from, fi + 5 * fs + 1 * L);
        FloatVector c60 = FloatVector.fromArray(S, from, fi + 6 * fs + 0 * L), c61 = FloatVector.fromArray(S, from, fi + 6 * fs + 1 * L);
        FloatVector c70 = FloatVector.fromArray(S, from, fi + 7 * fs + 0 * L), c71 = FloatVector.fromArray(S, from, fi + 7 * fs + 1 * L);
        FloatVector c80 = FloatVector.fromArray(S, from, fi + 8 * fs + 0 * L), c81 = FloatVector.fromArray(S, from, fi + 8 * fs + 1 * L);
        FloatVector c90 = FloatVector.fromArray(S, from, fi + 9 * fs + 0 * L), c91 = FloatVector.fromArray(S, from, fi + 9 * fs + 1 * L);
        FloatVector c100 = FloatVector.fromArray(S, from, fi + 10 * fs + 0 * L), c101 = FloatVector.fromArray(S, from, fi + 10 * fs + 1 * L);
        FloatVector c110 = FloatVector.fromArray(S, from, fi + 11 * fs + 0 * L), c111 = FloatVector.fromArray(S, from, fi + 11 * fs + 1 * L);
        for (int p = 0, a = ai, b = bj; p < kc; p++, a += aks, b += bs) {
            FloatVector b0 = FloatVector.fromArray(S, bp, b), b1 = FloatVector.fromArray(S, bp, b + 1 * L);
            FloatVector a0 = FloatVector.broadcast(S, ap[a]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, ap[a + 1 * ars]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, ap[a + 2 * ars]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, ap[a + 3 * ars]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(S, ap[a + 4 * ars]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(S, ap[a + 5 * ars]);
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
            FloatVector a6 = FloatVector.broadcast(S, ap[a + 6 * ars]);
            c60 = a6.fma(b0, c60);
            c61 = a6.fma(b1, c61);
            FloatVector a7 = FloatVector.broadcast(S, ap[a + 7 * ars]);
            c70 = a7.fma(b0, c70);
            c71 = a7.fma(b1, c71);
            FloatVector a8 = FloatVector.broadcast(S, ap[a + 8 * ars]);
            c80 = a8.fma(b0, c80);
            c81 = a8.fma(b1, c81);
            FloatVector a9 = FloatVector.broadcast(S, ap[a + 9 * ars]);
            c90 = a9.fma(b0, c90);
            c91 = a9.fma(b1, c91);
            FloatVector a10 = FloatVector.broadcast(S, ap[a + 10 * ars]);
            c100 = a10.fma(b0, c100);
            c101 = a10.fma(b1, c101);
            FloatVector a11 = FloatVector.broadcast(S, ap[a + 11 * ars]);
            c110 = a11.fma(b0, c110);
            c111 = a11.fma(b1, c111);
        }
        c00.intoArray(c, ci + 0 * cs + 0 * L);
        c01.intoArray(c, ci + 0 * cs + 1 * L);
        c10.intoArray(c, ci + 1 * cs + 0 * L);
        c11.intoArray(c, ci + 1 * cs + 1 * L);
        c20.intoArray(c, ci + 2 * cs + 0 * L);
        c21.intoArray(c, ci + 2 * cs + 1 * L);
        c30.intoArray(c, ci + 3 * cs + 0 * L);
        c31.intoArray(c, ci + 3 * cs + 1 * L);
        c40.intoArray(c, ci + 4 * cs + 0 * L);
        c41.intoArray(c, ci + 4 * cs + 1 * L);
        c50.intoArray(c, ci + 5 * cs + 0 * L);
        c51.intoArray(c, ci + 5 * cs + 1 * L);
        c60.intoArray(c, ci + 6 * cs + 0 * L);
        c61.intoArray(c, ci + 6 * cs + 1 * L);
        c70.intoArray(c, ci + 7 * cs + 0 * L);
        c71.intoArray(c, ci + 7 * cs + 1 * L);
        c80.intoArray(c, ci + 8 * cs + 0 * L);
        c81.intoArray(c, ci + 8 * cs + 1 * L);
        c90.intoArray(c, ci + 9 * cs + 0 * L);
        c91.intoArray(c, ci + 9 * cs + 1 * L);
        c100.intoArray(c, ci + 10 * cs + 0 * L);
        c101.intoArray(c, ci + 10 * cs + 1 * L);
        c110.intoArray(c, ci + 11 * cs + 0 * L);
        c111.intoArray(c, ci + 11 * cs + 1 * L);
    }

    /** C[0..12, 0..1L) = (resume ? C : 0) + Σ_p A[ai + p·aks + r·ars]·(packed B)[bj + p·bs + 0..1L), one FMA per element per p, in order. */
    private static void kernel12x1(float[] ap, int ai, int ars, int aks, float[] bp, int bj, int bs, float[] c, int ci, int cs, int kc, boolean resume) {
        float[] from = resume ? c : ZEROS;
        int fi = resume ? ci : 0, fs = resume ? cs : 0;
        FloatVector c00 = FloatVector.fromArray(S, from, fi + 0 * fs + 0 * L);
        FloatVector c10 = FloatVector.fromArray(S, from, fi + 1 * fs + 0 * L);
        FloatVector c20 = FloatVector.fromArray(S, from, fi + 2 * fs + 0 * L);
        FloatVector c30 = FloatVector.fromArray(S, from, fi + 3 * fs + 0 * L);
        FloatVector c40 = FloatVector.fromArray(S, from, fi + 4 * fs + 0 * L);
        FloatVector c50 = FloatVector.fromArray(S, from, fi + 5 * fs + 0 * L);
        FloatVector c60 = FloatVector.fromArray(S, from, fi + 6 * fs + 0 * L);
        FloatVector c70 = FloatVector.fromArray(S, from, fi + 7 * fs + 0 * L);
        FloatVector c80 = FloatVector.fromArray(S, from, fi + 8 * fs + 0 * L);
        FloatVector c90 = FloatVector.fromArray(S, from, fi + 9 * fs + 0 * L);
        FloatVector c100 = FloatVector.fromArray(S, from, fi + 10 * fs + 0 * L);
        FloatVector c110 = FloatVector.fromArray(S, from, fi + 11 * fs + 0 * L);
        for (int p = 0, a = ai, b = bj; p < kc; p++, a += aks, b += bs) {
            FloatVector b0 = FloatVector.fromArray(S, bp, b);
            FloatVector a0 = FloatVector.broadcast(S, ap[a]);
            c00 = a0.fma(b0, c00);
            FloatVector a1 = FloatVector.broadcast(S, ap[a + 1 * ars]);
            c10 = a1.fma(b0, c10);
            FloatVector a2 = FloatVector.broadcast(S, ap[a + 2 * ars]);
            c20 = a2.fma(b0, c20);
            FloatVector a3 = FloatVector.broadcast(S, ap[a + 3 * ars]);
            c30 = a3.fma(b0, c30);
            FloatVector a4 = FloatVector.broadcast(S, ap[a + 4 * ars]);
            c40 = a4.fma(b0, c40);
            FloatVector a5 = FloatVector.broadcast(S, ap[a + 5 * ars]);
            c50 = a5.fma(b0, c50);
            FloatVector a6 = FloatVector.broadcast(S, ap[a + 6 * ars]);
            c60 = a6.fma(b0, c60);
            FloatVector a7 = FloatVector.broadcast(S, ap[a + 7 * ars]);
            c70 = a7.fma(b0, c70);
            FloatVector a8 = FloatVector.broadcast(S, ap[a + 8 * ars]);
            c80 = a8.fma(b0, c80);
            FloatVector a9 = FloatVector.broadcast(S, ap[a + 9 * ars]);
            c90 = a9.fma(b0, c90);
            FloatVector a10 = FloatVector.broadcast(S, ap[a + 10 * ars]);
            c100 = a10.fma(b0, c100);
            FloatVector a11 = FloatVector.broadcast(S, ap[a + 11 * ars]);
            c110 = a11.fma(b0, c110);
        }
        c00.intoArray(c, ci + 0 * cs + 0 * L);
        c10.intoArray(c, ci + 1 * cs + 0 * L);
        c20.intoArray(c, ci + 2 * cs + 0 * L);
        c30.intoArray(c, ci + 3 * cs + 0 * L);
        c40.intoArray(c, ci + 4 * cs + 0 * L);
        c50.intoArray(c, ci + 5 * cs + 0 * L);
        c60.intoArray(c, ci + 6 * cs + 0 * L);
        c70.intoArray(c, ci + 7 * cs + 0 * L);
        c80.intoArray(c, ci + 8 * cs + 0 * L);
        c90.intoArray(c, ci + 9 * cs + 0 * L);
        c100.intoArray(c, ci + 10 * cs + 0 * L);
        c110.intoArray(c, ci + 11 * cs + 0 * L);
    }

    /**
     * One full MR × NR tile of C from packed A (step p's MR values at ap[ai + p·MR]) and packed B (step p's
     * NR values at bp[bj + p·NR]): the same FMA chains as {@link #kernel}, but with the strides constants
     * of the tile, so that C2 proves the loads in bounds before the loop instead of checking each (on Zen 3
     * the 8 × 1 tile ran at 65–69 GFLOP/s this way against 40 with A and B read in place). The loop counts
     * the steps p and computes both offsets from it, MR·p and NR·p from where the panels start. Stepping the
     * two offsets as two more variables of the loop saved a shift and an add a step, but left C2 a second
     * value carried from step to step to place, and in some JVMs (which, its profile decided) its register
     * allocator moved B's offset through a vector register and back every step, with B's loads bounds-checked
     * each step: the 8 × 2 kernel compiled to 8 088 bytes instead of 7 384, and a W1 epoch of `vae train` at
     * two threads took 1.9–2.5 s instead of 1.6–1.8 (9 JVMs of 24, Intel Xeon; not seen in the one-thread
     * benchmarks). Counted, the loop carries one variable; the epoch took 1.6–1.9 s in 20 JVMs of 20. The
     * price, against the stepped loop compiled well: 5–9 % on W2's large products (GemmCpuTime) and about
     * 2.5 % of the one-thread W1 step. (The in-place kernels, whose strides are not constants, still step.)
     */
    private static void packedKernel(Tile t, float[] ap, int ai, float[] bp, int bj, float[] c, int ci, int cs, int kc, boolean resume) {
        switch (t) {
            case T4x3 -> packed4x3(ap, ai, bp, bj, c, ci, cs, kc, resume);
            case T5x4 -> packed5x4(ap, ai, bp, bj, c, ci, cs, kc, resume);
            case T6x4 -> packed6x4(ap, ai, bp, bj, c, ci, cs, kc, resume);
            case T6x2 -> packed6x2(ap, ai, bp, bj, c, ci, cs, kc, resume);
            case T5x2 -> packed5x2(ap, ai, bp, bj, c, ci, cs, kc, resume);
            case T8x1 -> packed8x1(ap, ai, bp, bj, c, ci, cs, kc, resume);
            case T8x2 -> packed8x2(ap, ai, bp, bj, c, ci, cs, kc, resume);
            case T12x2 -> packed12x2(ap, ai, bp, bj, c, ci, cs, kc, resume);
        }
    }

    /** {@link #packedKernel} for the 4 × 3 tile. */
    private static void packed4x3(float[] ap, int ai, float[] bp, int bj, float[] c, int ci, int cs, int kc, boolean resume) {
        float[] from = resume ? c : ZEROS;
        int fi = resume ? ci : 0, fs = resume ? cs : 0;
        FloatVector c00 = FloatVector.fromArray(S, from, fi + 0 * fs + 0 * L), c01 = FloatVector.fromArray(S, from, fi + 0 * fs + 1 * L), c02 = FloatVector.fromArray(S, from, fi + 0 * fs + 2 * L);
        FloatVector c10 = FloatVector.fromArray(S, from, fi + 1 * fs + 0 * L), c11 = FloatVector.fromArray(S, from, fi + 1 * fs + 1 * L), c12 = FloatVector.fromArray(S, from, fi + 1 * fs + 2 * L);
        FloatVector c20 = FloatVector.fromArray(S, from, fi + 2 * fs + 0 * L), c21 = FloatVector.fromArray(S, from, fi + 2 * fs + 1 * L), c22 = FloatVector.fromArray(S, from, fi + 2 * fs + 2 * L);
        FloatVector c30 = FloatVector.fromArray(S, from, fi + 3 * fs + 0 * L), c31 = FloatVector.fromArray(S, from, fi + 3 * fs + 1 * L), c32 = FloatVector.fromArray(S, from, fi + 3 * fs + 2 * L);
        for (int p = 0; p < kc; p++) {
            int a = ai + 4 * p, b = bj + 3 * L * p;
            FloatVector b0 = FloatVector.fromArray(S, bp, b + 0 * L), b1 = FloatVector.fromArray(S, bp, b + 1 * L), b2 = FloatVector.fromArray(S, bp, b + 2 * L);
            FloatVector a0 = FloatVector.broadcast(S, ap[a + 0]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            c02 = a0.fma(b2, c02);
            FloatVector a1 = FloatVector.broadcast(S, ap[a + 1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            c12 = a1.fma(b2, c12);
            FloatVector a2 = FloatVector.broadcast(S, ap[a + 2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            c22 = a2.fma(b2, c22);
            FloatVector a3 = FloatVector.broadcast(S, ap[a + 3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            c32 = a3.fma(b2, c32);
        }
        c00.intoArray(c, ci + 0 * cs + 0 * L);
        c01.intoArray(c, ci + 0 * cs + 1 * L);
        c02.intoArray(c, ci + 0 * cs + 2 * L);
        c10.intoArray(c, ci + 1 * cs + 0 * L);
        c11.intoArray(c, ci + 1 * cs + 1 * L);
        c12.intoArray(c, ci + 1 * cs + 2 * L);
        c20.intoArray(c, ci + 2 * cs + 0 * L);
        c21.intoArray(c, ci + 2 * cs + 1 * L);
        c22.intoArray(c, ci + 2 * cs + 2 * L);
        c30.intoArray(c, ci + 3 * cs + 0 * L);
        c31.intoArray(c, ci + 3 * cs + 1 * L);
        c32.intoArray(c, ci + 3 * cs + 2 * L);
    }

    /** {@link #packedKernel} for the 5 × 4 tile. */
    private static void packed5x4(float[] ap, int ai, float[] bp, int bj, float[] c, int ci, int cs, int kc, boolean resume) {
        float[] from = resume ? c : ZEROS;
        int fi = resume ? ci : 0, fs = resume ? cs : 0;
        FloatVector c00 = FloatVector.fromArray(S, from, fi + 0 * fs + 0 * L), c01 = FloatVector.fromArray(S, from, fi + 0 * fs + 1 * L), c02 = FloatVector.fromArray(S, from, fi + 0 * fs + 2 * L), c03 = FloatVector.fromArray(S, from, fi + 0 * fs + 3 * L);
        FloatVector c10 = FloatVector.fromArray(S, from, fi + 1 * fs + 0 * L), c11 = FloatVector.fromArray(S, from, fi + 1 * fs + 1 * L), c12 = FloatVector.fromArray(S, from, fi + 1 * fs + 2 * L), c13 = FloatVector.fromArray(S, from, fi + 1 * fs + 3 * L);
        FloatVector c20 = FloatVector.fromArray(S, from, fi + 2 * fs + 0 * L), c21 = FloatVector.fromArray(S, from, fi + 2 * fs + 1 * L), c22 = FloatVector.fromArray(S, from, fi + 2 * fs + 2 * L), c23 = FloatVector.fromArray(S, from, fi + 2 * fs + 3 * L);
        FloatVector c30 = FloatVector.fromArray(S, from, fi + 3 * fs + 0 * L), c31 = FloatVector.fromArray(S, from, fi + 3 * fs + 1 * L), c32 = FloatVector.fromArray(S, from, fi + 3 * fs + 2 * L), c33 = FloatVector.fromArray(S, from, fi + 3 * fs + 3 * L);
        FloatVector c40 = FloatVector.fromArray(S, from, fi + 4 * fs + 0 * L), c41 = FloatVector.fromArray(S, from, fi + 4 * fs + 1 * L), c42 = FloatVector.fromArray(S, from, fi + 4 * fs + 2 * L), c43 = FloatVector.fromArray(S, from, fi + 4 * fs + 3 * L);
        for (int p = 0; p < kc; p++) {
            int a = ai + 5 * p, b = bj + 4 * L * p;
            FloatVector b0 = FloatVector.fromArray(S, bp, b + 0 * L), b1 = FloatVector.fromArray(S, bp, b + 1 * L), b2 = FloatVector.fromArray(S, bp, b + 2 * L), b3 = FloatVector.fromArray(S, bp, b + 3 * L);
            FloatVector a0 = FloatVector.broadcast(S, ap[a + 0]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            c02 = a0.fma(b2, c02);
            c03 = a0.fma(b3, c03);
            FloatVector a1 = FloatVector.broadcast(S, ap[a + 1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            c12 = a1.fma(b2, c12);
            c13 = a1.fma(b3, c13);
            FloatVector a2 = FloatVector.broadcast(S, ap[a + 2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            c22 = a2.fma(b2, c22);
            c23 = a2.fma(b3, c23);
            FloatVector a3 = FloatVector.broadcast(S, ap[a + 3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            c32 = a3.fma(b2, c32);
            c33 = a3.fma(b3, c33);
            FloatVector a4 = FloatVector.broadcast(S, ap[a + 4]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            c42 = a4.fma(b2, c42);
            c43 = a4.fma(b3, c43);
        }
        c00.intoArray(c, ci + 0 * cs + 0 * L);
        c01.intoArray(c, ci + 0 * cs + 1 * L);
        c02.intoArray(c, ci + 0 * cs + 2 * L);
        c03.intoArray(c, ci + 0 * cs + 3 * L);
        c10.intoArray(c, ci + 1 * cs + 0 * L);
        c11.intoArray(c, ci + 1 * cs + 1 * L);
        c12.intoArray(c, ci + 1 * cs + 2 * L);
        c13.intoArray(c, ci + 1 * cs + 3 * L);
        c20.intoArray(c, ci + 2 * cs + 0 * L);
        c21.intoArray(c, ci + 2 * cs + 1 * L);
        c22.intoArray(c, ci + 2 * cs + 2 * L);
        c23.intoArray(c, ci + 2 * cs + 3 * L);
        c30.intoArray(c, ci + 3 * cs + 0 * L);
        c31.intoArray(c, ci + 3 * cs + 1 * L);
        c32.intoArray(c, ci + 3 * cs + 2 * L);
        c33.intoArray(c, ci + 3 * cs + 3 * L);
        c40.intoArray(c, ci + 4 * cs + 0 * L);
        c41.intoArray(c, ci + 4 * cs + 1 * L);
        c42.intoArray(c, ci + 4 * cs + 2 * L);
        c43.intoArray(c, ci + 4 * cs + 3 * L);
    }

    /** {@link #packedKernel} for the 6 × 4 tile. */
    private static void packed6x4(float[] ap, int ai, float[] bp, int bj, float[] c, int ci, int cs, int kc, boolean resume) {
        float[] from = resume ? c : ZEROS;
        int fi = resume ? ci : 0, fs = resume ? cs : 0;
        FloatVector c00 = FloatVector.fromArray(S, from, fi + 0 * fs + 0 * L), c01 = FloatVector.fromArray(S, from, fi + 0 * fs + 1 * L), c02 = FloatVector.fromArray(S, from, fi + 0 * fs + 2 * L), c03 = FloatVector.fromArray(S, from, fi + 0 * fs + 3 * L);
        FloatVector c10 = FloatVector.fromArray(S, from, fi + 1 * fs + 0 * L), c11 = FloatVector.fromArray(S, from, fi + 1 * fs + 1 * L), c12 = FloatVector.fromArray(S, from, fi + 1 * fs + 2 * L), c13 = FloatVector.fromArray(S, from, fi + 1 * fs + 3 * L);
        FloatVector c20 = FloatVector.fromArray(S, from, fi + 2 * fs + 0 * L), c21 = FloatVector.fromArray(S, from, fi + 2 * fs + 1 * L), c22 = FloatVector.fromArray(S, from, fi + 2 * fs + 2 * L), c23 = FloatVector.fromArray(S, from, fi + 2 * fs + 3 * L);
        FloatVector c30 = FloatVector.fromArray(S, from, fi + 3 * fs + 0 * L), c31 = FloatVector.fromArray(S, from, fi + 3 * fs + 1 * L), c32 = FloatVector.fromArray(S, from, fi + 3 * fs + 2 * L), c33 = FloatVector.fromArray(S, from, fi + 3 * fs + 3 * L);
        FloatVector c40 = FloatVector.fromArray(S, from, fi + 4 * fs + 0 * L), c41 = FloatVector.fromArray(S, from, fi + 4 * fs + 1 * L), c42 = FloatVector.fromArray(S, from, fi + 4 * fs + 2 * L), c43 = FloatVector.fromArray(S, from, fi + 4 * fs + 3 * L);
        FloatVector c50 = FloatVector.fromArray(S, from, fi + 5 * fs + 0 * L), c51 = FloatVector.fromArray(S, from, fi + 5 * fs + 1 * L), c52 = FloatVector.fromArray(S, from, fi + 5 * fs + 2 * L), c53 = FloatVector.fromArray(S, from, fi + 5 * fs + 3 * L);
        for (int p = 0; p < kc; p++) {
            int a = ai + 6 * p, b = bj + 4 * L * p;
            FloatVector b0 = FloatVector.fromArray(S, bp, b + 0 * L), b1 = FloatVector.fromArray(S, bp, b + 1 * L), b2 = FloatVector.fromArray(S, bp, b + 2 * L), b3 = FloatVector.fromArray(S, bp, b + 3 * L);
            FloatVector a0 = FloatVector.broadcast(S, ap[a + 0]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            c02 = a0.fma(b2, c02);
            c03 = a0.fma(b3, c03);
            FloatVector a1 = FloatVector.broadcast(S, ap[a + 1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            c12 = a1.fma(b2, c12);
            c13 = a1.fma(b3, c13);
            FloatVector a2 = FloatVector.broadcast(S, ap[a + 2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            c22 = a2.fma(b2, c22);
            c23 = a2.fma(b3, c23);
            FloatVector a3 = FloatVector.broadcast(S, ap[a + 3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            c32 = a3.fma(b2, c32);
            c33 = a3.fma(b3, c33);
            FloatVector a4 = FloatVector.broadcast(S, ap[a + 4]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            c42 = a4.fma(b2, c42);
            c43 = a4.fma(b3, c43);
            FloatVector a5 = FloatVector.broadcast(S, ap[a + 5]);
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
            c52 = a5.fma(b2, c52);
            c53 = a5.fma(b3, c53);
        }
        c00.intoArray(c, ci + 0 * cs + 0 * L);
        c01.intoArray(c, ci + 0 * cs + 1 * L);
        c02.intoArray(c, ci + 0 * cs + 2 * L);
        c03.intoArray(c, ci + 0 * cs + 3 * L);
        c10.intoArray(c, ci + 1 * cs + 0 * L);
        c11.intoArray(c, ci + 1 * cs + 1 * L);
        c12.intoArray(c, ci + 1 * cs + 2 * L);
        c13.intoArray(c, ci + 1 * cs + 3 * L);
        c20.intoArray(c, ci + 2 * cs + 0 * L);
        c21.intoArray(c, ci + 2 * cs + 1 * L);
        c22.intoArray(c, ci + 2 * cs + 2 * L);
        c23.intoArray(c, ci + 2 * cs + 3 * L);
        c30.intoArray(c, ci + 3 * cs + 0 * L);
        c31.intoArray(c, ci + 3 * cs + 1 * L);
        c32.intoArray(c, ci + 3 * cs + 2 * L);
        c33.intoArray(c, ci + 3 * cs + 3 * L);
        c40.intoArray(c, ci + 4 * cs + 0 * L);
        c41.intoArray(c, ci + 4 * cs + 1 * L);
        c42.intoArray(c, ci + 4 * cs + 2 * L);
        c43.intoArray(c, ci + 4 * cs + 3 * L);
        c50.intoArray(c, ci + 5 * cs + 0 * L);
        c51.intoArray(c, ci + 5 * cs + 1 * L);
        c52.intoArray(c, ci + 5 * cs + 2 * L);
        c53.intoArray(c, ci + 5 * cs + 3 * L);
    }

    /** {@link #packedKernel} for the 6 × 2 tile. */
    private static void packed6x2(float[] ap, int ai, float[] bp, int bj, float[] c, int ci, int cs, int kc, boolean resume) {
        float[] from = resume ? c : ZEROS;
        int fi = resume ? ci : 0, fs = resume ? cs : 0;
        FloatVector c00 = FloatVector.fromArray(S, from, fi + 0 * fs + 0 * L), c01 = FloatVector.fromArray(S, from, fi + 0 * fs + 1 * L);
        FloatVector c10 = FloatVector.fromArray(S, from, fi + 1 * fs + 0 * L), c11 = FloatVector.fromArray(S, from, fi + 1 * fs + 1 * L);
        FloatVector c20 = FloatVector.fromArray(S, from, fi + 2 * fs + 0 * L), c21 = FloatVector.fromArray(S, from, fi + 2 * fs + 1 * L);
        FloatVector c30 = FloatVector.fromArray(S, from, fi + 3 * fs + 0 * L), c31 = FloatVector.fromArray(S, from, fi + 3 * fs + 1 * L);
        FloatVector c40 = FloatVector.fromArray(S, from, fi + 4 * fs + 0 * L), c41 = FloatVector.fromArray(S, from, fi + 4 * fs + 1 * L);
        FloatVector c50 = FloatVector.fromArray(S, from, fi + 5 * fs + 0 * L), c51 = FloatVector.fromArray(S, from, fi + 5 * fs + 1 * L);
        for (int p = 0; p < kc; p++) {
            int a = ai + 6 * p, b = bj + 2 * L * p;
            FloatVector b0 = FloatVector.fromArray(S, bp, b + 0 * L), b1 = FloatVector.fromArray(S, bp, b + 1 * L);
            FloatVector a0 = FloatVector.broadcast(S, ap[a + 0]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, ap[a + 1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, ap[a + 2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, ap[a + 3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(S, ap[a + 4]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(S, ap[a + 5]);
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
        }
        c00.intoArray(c, ci + 0 * cs + 0 * L);
        c01.intoArray(c, ci + 0 * cs + 1 * L);
        c10.intoArray(c, ci + 1 * cs + 0 * L);
        c11.intoArray(c, ci + 1 * cs + 1 * L);
        c20.intoArray(c, ci + 2 * cs + 0 * L);
        c21.intoArray(c, ci + 2 * cs + 1 * L);
        c30.intoArray(c, ci + 3 * cs + 0 * L);
        c31.intoArray(c, ci + 3 * cs + 1 * L);
        c40.intoArray(c, ci + 4 * cs + 0 * L);
        c41.intoArray(c, ci + 4 * cs + 1 * L);
        c50.intoArray(c, ci + 5 * cs + 0 * L);
        c51.intoArray(c, ci + 5 * cs + 1 * L);
    }

    /** {@link #packedKernel} for the 5 × 2 tile. */
    private static void packed5x2(float[] ap, int ai, float[] bp, int bj, float[] c, int ci, int cs, int kc, boolean resume) {
        float[] from = resume ? c : ZEROS;
        int fi = resume ? ci : 0, fs = resume ? cs : 0;
        FloatVector c00 = FloatVector.fromArray(S, from, fi + 0 * fs + 0 * L), c01 = FloatVector.fromArray(S, from, fi + 0 * fs + 1 * L);
        FloatVector c10 = FloatVector.fromArray(S, from, fi + 1 * fs + 0 * L), c11 = FloatVector.fromArray(S, from, fi + 1 * fs + 1 * L);
        FloatVector c20 = FloatVector.fromArray(S, from, fi + 2 * fs + 0 * L), c21 = FloatVector.fromArray(S, from, fi + 2 * fs + 1 * L);
        FloatVector c30 = FloatVector.fromArray(S, from, fi + 3 * fs + 0 * L), c31 = FloatVector.fromArray(S, from, fi + 3 * fs + 1 * L);
        FloatVector c40 = FloatVector.fromArray(S, from, fi + 4 * fs + 0 * L), c41 = FloatVector.fromArray(S, from, fi + 4 * fs + 1 * L);
        for (int p = 0; p < kc; p++) {
            int a = ai + 5 * p, b = bj + 2 * L * p;
            FloatVector b0 = FloatVector.fromArray(S, bp, b + 0 * L), b1 = FloatVector.fromArray(S, bp, b + 1 * L);
            FloatVector a0 = FloatVector.broadcast(S, ap[a + 0]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, ap[a + 1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, ap[a + 2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, ap[a + 3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(S, ap[a + 4]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
        }
        c00.intoArray(c, ci + 0 * cs + 0 * L);
        c01.intoArray(c, ci + 0 * cs + 1 * L);
        c10.intoArray(c, ci + 1 * cs + 0 * L);
        c11.intoArray(c, ci + 1 * cs + 1 * L);
        c20.intoArray(c, ci + 2 * cs + 0 * L);
        c21.intoArray(c, ci + 2 * cs + 1 * L);
        c30.intoArray(c, ci + 3 * cs + 0 * L);
        c31.intoArray(c, ci + 3 * cs + 1 * L);
        c40.intoArray(c, ci + 4 * cs + 0 * L);
        c41.intoArray(c, ci + 4 * cs + 1 * L);
    }

    /** {@link #packedKernel} for the 8 × 1 tile. */
    private static void packed8x1(float[] ap, int ai, float[] bp, int bj, float[] c, int ci, int cs, int kc, boolean resume) {
        float[] from = resume ? c : ZEROS;
        int fi = resume ? ci : 0, fs = resume ? cs : 0;
        FloatVector c00 = FloatVector.fromArray(S, from, fi + 0 * fs + 0 * L);
        FloatVector c10 = FloatVector.fromArray(S, from, fi + 1 * fs + 0 * L);
        FloatVector c20 = FloatVector.fromArray(S, from, fi + 2 * fs + 0 * L);
        FloatVector c30 = FloatVector.fromArray(S, from, fi + 3 * fs + 0 * L);
        FloatVector c40 = FloatVector.fromArray(S, from, fi + 4 * fs + 0 * L);
        FloatVector c50 = FloatVector.fromArray(S, from, fi + 5 * fs + 0 * L);
        FloatVector c60 = FloatVector.fromArray(S, from, fi + 6 * fs + 0 * L);
        FloatVector c70 = FloatVector.fromArray(S, from, fi + 7 * fs + 0 * L);
        for (int p = 0; p < kc; p++) {
            int a = ai + 8 * p, b = bj + 1 * L * p;
            FloatVector b0 = FloatVector.fromArray(S, bp, b + 0 * L);
            FloatVector a0 = FloatVector.broadcast(S, ap[a + 0]);
            c00 = a0.fma(b0, c00);
            FloatVector a1 = FloatVector.broadcast(S, ap[a + 1]);
            c10 = a1.fma(b0, c10);
            FloatVector a2 = FloatVector.broadcast(S, ap[a + 2]);
            c20 = a2.fma(b0, c20);
            FloatVector a3 = FloatVector.broadcast(S, ap[a + 3]);
            c30 = a3.fma(b0, c30);
            FloatVector a4 = FloatVector.broadcast(S, ap[a + 4]);
            c40 = a4.fma(b0, c40);
            FloatVector a5 = FloatVector.broadcast(S, ap[a + 5]);
            c50 = a5.fma(b0, c50);
            FloatVector a6 = FloatVector.broadcast(S, ap[a + 6]);
            c60 = a6.fma(b0, c60);
            FloatVector a7 = FloatVector.broadcast(S, ap[a + 7]);
            c70 = a7.fma(b0, c70);
        }
        c00.intoArray(c, ci + 0 * cs + 0 * L);
        c10.intoArray(c, ci + 1 * cs + 0 * L);
        c20.intoArray(c, ci + 2 * cs + 0 * L);
        c30.intoArray(c, ci + 3 * cs + 0 * L);
        c40.intoArray(c, ci + 4 * cs + 0 * L);
        c50.intoArray(c, ci + 5 * cs + 0 * L);
        c60.intoArray(c, ci + 6 * cs + 0 * L);
        c70.intoArray(c, ci + 7 * cs + 0 * L);
    }

    /** {@link #packedKernel} for the 8 × 2 tile. */
    private static void packed8x2(float[] ap, int ai, float[] bp, int bj, float[] c, int ci, int cs, int kc, boolean resume) {
        float[] from = resume ? c : ZEROS;
        int fi = resume ? ci : 0, fs = resume ? cs : 0;
        FloatVector c00 = FloatVector.fromArray(S, from, fi + 0 * fs + 0 * L), c01 = FloatVector.fromArray(S, from, fi + 0 * fs + 1 * L);
        FloatVector c10 = FloatVector.fromArray(S, from, fi + 1 * fs + 0 * L), c11 = FloatVector.fromArray(S, from, fi + 1 * fs + 1 * L);
        FloatVector c20 = FloatVector.fromArray(S, from, fi + 2 * fs + 0 * L), c21 = FloatVector.fromArray(S, from, fi + 2 * fs + 1 * L);
        FloatVector c30 = FloatVector.fromArray(S, from, fi + 3 * fs + 0 * L), c31 = FloatVector.fromArray(S, from, fi + 3 * fs + 1 * L);
        FloatVector c40 = FloatVector.fromArray(S, from, fi + 4 * fs + 0 * L), c41 = FloatVector.fromArray(S, from, fi + 4 * fs + 1 * L);
        FloatVector c50 = FloatVector.fromArray(S, from, fi + 5 * fs + 0 * L), c51 = FloatVector.fromArray(S, from, fi + 5 * fs + 1 * L);
        FloatVector c60 = FloatVector.fromArray(S, from, fi + 6 * fs + 0 * L), c61 = FloatVector.fromArray(S, from, fi + 6 * fs + 1 * L);
        FloatVector c70 = FloatVector.fromArray(S, from, fi + 7 * fs + 0 * L), c71 = FloatVector.fromArray(S, from, fi + 7 * fs + 1 * L);
        for (int p = 0; p < kc; p++) {
            int a = ai + 8 * p, b = bj + 2 * L * p;
            FloatVector b0 = FloatVector.fromArray(S, bp, b + 0 * L), b1 = FloatVector.fromArray(S, bp, b + 1 * L);
            FloatVector a0 = FloatVector.broadcast(S, ap[a + 0]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, ap[a + 1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, ap[a + 2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, ap[a + 3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(S, ap[a + 4]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(S, ap[a + 5]);
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
            FloatVector a6 = FloatVector.broadcast(S, ap[a + 6]);
            c60 = a6.fma(b0, c60);
            c61 = a6.fma(b1, c61);
            FloatVector a7 = FloatVector.broadcast(S, ap[a + 7]);
            c70 = a7.fma(b0, c70);
            c71 = a7.fma(b1, c71);
        }
        c00.intoArray(c, ci + 0 * cs + 0 * L);
        c01.intoArray(c, ci + 0 * cs + 1 * L);
        c10.intoArray(c, ci + 1 * cs + 0 * L);
        c11.intoArray(c, ci + 1 * cs + 1 * L);
        c20.intoArray(c, ci + 2 * cs + 0 * L);
        c21.intoArray(c, ci + 2 * cs + 1 * L);
        c30.intoArray(c, ci + 3 * cs + 0 * L);
        c31.intoArray(c, ci + 3 * cs + 1 * L);
        c40.intoArray(c, ci + 4 * cs + 0 * L);
        c41.intoArray(c, ci + 4 * cs + 1 * L);
        c50.intoArray(c, ci + 5 * cs + 0 * L);
        c51.intoArray(c, ci + 5 * cs + 1 * L);
        c60.intoArray(c, ci + 6 * cs + 0 * L);
        c61.intoArray(c, ci + 6 * cs + 1 * L);
        c70.intoArray(c, ci + 7 * cs + 0 * L);
        c71.intoArray(c, ci + 7 * cs + 1 * L);
    }

    /** {@link #packedKernel} for the 12 × 2 tile. */
    private static void packed12x2(float[] ap, int ai, float[] bp, int bj, float[] c, int ci, int cs, int kc, boolean resume) {
        float[] from = resume ? c : ZEROS;
        int fi = resume ? ci : 0, fs = resume ? cs : 0;
        FloatVector c00 = FloatVector.fromArray(S, from, fi + 0 * fs + 0 * L), c01 = FloatVector.fromArray(S, from, fi + 0 * fs + 1 * L);
        FloatVector c10 = FloatVector.fromArray(S, from, fi + 1 * fs + 0 * L), c11 = FloatVector.fromArray(S, from, fi + 1 * fs + 1 * L);
        FloatVector c20 = FloatVector.fromArray(S, from, fi + 2 * fs + 0 * L), c21 = FloatVector.fromArray(S, from, fi + 2 * fs + 1 * L);
        FloatVector c30 = FloatVector.fromArray(S, from, fi + 3 * fs + 0 * L), c31 = FloatVector.fromArray(S, from, fi + 3 * fs + 1 * L);
        FloatVector c40 = FloatVector.fromArray(S, from, fi + 4 * fs + 0 * L), c41 = FloatVector.fromArray(S, from, fi + 4 * fs + 1 * L);
        FloatVector c50 = FloatVector.fromArray(S, from, fi + 5 * fs + 0 * L), c51 = FloatVector.fromArray(S, from, fi + 5 * fs + 1 * L);
        FloatVector c60 = FloatVector.fromArray(S, from, fi + 6 * fs + 0 * L), c61 = FloatVector.fromArray(S, from, fi + 6 * fs + 1 * L);
        FloatVector c70 = FloatVector.fromArray(S, from, fi + 7 * fs + 0 * L), c71 = FloatVector.fromArray(S, from, fi + 7 * fs + 1 * L);
        FloatVector c80 = FloatVector.fromArray(S, from, fi + 8 * fs + 0 * L), c81 = FloatVector.fromArray(S, from, fi + 8 * fs + 1 * L);
        FloatVector c90 = FloatVector.fromArray(S, from, fi + 9 * fs + 0 * L), c91 = FloatVector.fromArray(S, from, fi + 9 * fs + 1 * L);
        FloatVector c100 = FloatVector.fromArray(S, from, fi + 10 * fs + 0 * L), c101 = FloatVector.fromArray(S, from, fi + 10 * fs + 1 * L);
        FloatVector c110 = FloatVector.fromArray(S, from, fi + 11 * fs + 0 * L), c111 = FloatVector.fromArray(S, from, fi + 11 * fs + 1 * L);
        for (int p = 0; p < kc; p++) {
            int a = ai + 12 * p, b = bj + 2 * L * p;
            FloatVector b0 = FloatVector.fromArray(S, bp, b + 0 * L), b1 = FloatVector.fromArray(S, bp, b + 1 * L);
            FloatVector a0 = FloatVector.broadcast(S, ap[a + 0]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, ap[a + 1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, ap[a + 2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, ap[a + 3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(S, ap[a + 4]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(S, ap[a + 5]);
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
            FloatVector a6 = FloatVector.broadcast(S, ap[a + 6]);
            c60 = a6.fma(b0, c60);
            c61 = a6.fma(b1, c61);
            FloatVector a7 = FloatVector.broadcast(S, ap[a + 7]);
            c70 = a7.fma(b0, c70);
            c71 = a7.fma(b1, c71);
            FloatVector a8 = FloatVector.broadcast(S, ap[a + 8]);
            c80 = a8.fma(b0, c80);
            c81 = a8.fma(b1, c81);
            FloatVector a9 = FloatVector.broadcast(S, ap[a + 9]);
            c90 = a9.fma(b0, c90);
            c91 = a9.fma(b1, c91);
            FloatVector a10 = FloatVector.broadcast(S, ap[a + 10]);
            c100 = a10.fma(b0, c100);
            c101 = a10.fma(b1, c101);
            FloatVector a11 = FloatVector.broadcast(S, ap[a + 11]);
            c110 = a11.fma(b0, c110);
            c111 = a11.fma(b1, c111);
        }
        c00.intoArray(c, ci + 0 * cs + 0 * L);
        c01.intoArray(c, ci + 0 * cs + 1 * L);
        c10.intoArray(c, ci + 1 * cs + 0 * L);
        c11.intoArray(c, ci + 1 * cs + 1 * L);
        c20.intoArray(c, ci + 2 * cs + 0 * L);
        c21.intoArray(c, ci + 2 * cs + 1 * L);
        c30.intoArray(c, ci + 3 * cs + 0 * L);
        c31.intoArray(c, ci + 3 * cs + 1 * L);
        c40.intoArray(c, ci + 4 * cs + 0 * L);
        c41.intoArray(c, ci + 4 * cs + 1 * L);
        c50.intoArray(c, ci + 5 * cs + 0 * L);
        c51.intoArray(c, ci + 5 * cs + 1 * L);
        c60.intoArray(c, ci + 6 * cs + 0 * L);
        c61.intoArray(c, ci + 6 * cs + 1 * L);
        c70.intoArray(c, ci + 7 * cs + 0 * L);
        c71.intoArray(c, ci + 7 * cs + 1 * L);
        c80.intoArray(c, ci + 8 * cs + 0 * L);
        c81.intoArray(c, ci + 8 * cs + 1 * L);
        c90.intoArray(c, ci + 9 * cs + 0 * L);
        c91.intoArray(c, ci + 9 * cs + 1 * L);
        c100.intoArray(c, ci + 10 * cs + 0 * L);
        c101.intoArray(c, ci + 10 * cs + 1 * L);
        c110.intoArray(c, ci + 11 * cs + 0 * L);
        c111.intoArray(c, ci + 11 * cs + 1 * L);
    }
}
