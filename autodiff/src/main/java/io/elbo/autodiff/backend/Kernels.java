package io.elbo.autodiff.backend;

/**
 * The compute kernels behind every op, over flat row-major arrays ({@code A} is {@code float[]} or
 * {@code double[]}): the small contract an implementation must meet, as tinygrad's "llops". Three
 * implementations sit behind it, chosen at run time by {@link Backend}: {@link ReferenceKernels64},
 * textbook float64 loops a reader can check by eye (used by {@code GradCheck}, and by every float64
 * program that runs without the Vector API); {@link ParallelKernels64}, the same float64 arithmetic
 * split among threads with a blocked GEMM, for training; and {@link VectorKernels32}, float32 on the
 * JDK Vector API. The core's ops and their derivatives are written once, against this interface.
 *
 * <p>Unless stated otherwise a kernel reads {@code n} elements and writes {@code n} elements; the
 * output may alias an input.
 */
public interface Kernels<A> {
    /** Comparisons produce masks: 1 where true, 0 where false. */
    enum Comparison {
        /** a &gt; b. */
        GT,
        /** a ≥ b. */
        GE,
        /** a &lt; b. */
        LT,
        /** a ≤ b. */
        LE,
        /** a = b. */
        EQ
    }

    /** A new zeroed array of n elements. */
    A allocate(int n);

    /** a[i], widened to double. */
    double get(A a, int i);

    /** a[i] ← v, rounded to the array's type. */
    void set(A a, int i, double v);

    /** out[i] = a[i] widened to double, for i &lt; n: {@link #get} in one pass. */
    void toDoubles(A a, double[] out, int n);

    /** out[i] = values[i] rounded to the array's type, for i &lt; n: {@link #set} in one pass. */
    void fromDoubles(double[] values, A out, int n);

    /** out[0..n) ← value. */
    void fill(A out, double value, int n);

    /**
     * Rows of grey levels to pixel values: {@code out[i·length + j] = (levels[starts[i] + j] & 0xff) / 255f} for
     * i &lt; starts.length, j &lt; length, the float quotient (correctly rounded, the value PyTorch's
     * {@code ToTensor} gives a byte), widened where A holds doubles. How a batch of images stored as bytes
     * becomes a tensor.
     */
    void greyLevels(byte[] levels, int[] starts, int length, A out);

    // ---- unary: out[i] = f(x[i]) ----
    /** −x. */
    void neg(A x, A out, int n);

    /** eˣ. */
    void exp(A x, A out, int n);

    /** log x. */
    void log(A x, A out, int n);

    /** log(1 + x), accurate for small x. */
    void log1p(A x, A out, int n);

    /** √x. */
    void sqrt(A x, A out, int n);

    /** |x|. */
    void abs(A x, A out, int n);

    /** max(x, 0). */
    void relu(A x, A out, int n);

    /** 1 / (1 + e^-x), without overflow for large |x|. */
    void sigmoid(A x, A out, int n);

    /** tanh x. */
    void tanh(A x, A out, int n);

    /** sin x. */
    void sin(A x, A out, int n);

    /** cos x. */
    void cos(A x, A out, int n);

    /** log(1 + e^x) computed as max(x, 0) + log1p(e^-|x|): finite for every finite x. */
    void softplus(A x, A out, int n);

    /** -1, 0 or 1. */
    void sign(A x, A out, int n);

    /** ⌊x⌋. */
    void floor(A x, A out, int n);

    /** x^p for a constant exponent p. */
    void powScalar(A x, double p, A out, int n);

    /** min(max(x, lo), hi). */
    void clamp(A x, double lo, double hi, A out, int n);

    // ---- binary, on arrays of equal length: out[i] = f(a[i], b[i]) ----
    /** a + b. */
    void add(A a, A b, A out, int n);

    /** a − b. */
    void sub(A a, A b, A out, int n);

    /** a · b. */
    void mul(A a, A b, A out, int n);

    /** a / b. */
    void div(A a, A b, A out, int n);

    /** aᵇ. */
    void pow(A a, A b, A out, int n);

    /** out[i] = 1 if a[i] (op) b[i] else 0. */
    void compare(Comparison op, A a, A b, A out, int n);

    /** out[i] = mask[i] != 0 ? a[i] : b[i]. */
    void where(A mask, A a, A b, A out, int n);

    // ---- movement and reduction over strided index spaces ----

    /**
     * For every index i of {@code shape}: {@code dst[dstOff + i·dstStrides] = src[srcOff + i·srcStrides]}.
     * A stride of 0 repeats (broadcast); permuted strides transpose.
     */
    void copy(A src, int srcOff, int[] srcStrides, int[] shape, A dst, int dstOff, int[] dstStrides);

    /** For every index i of {@code shape} (the source's, contiguous): {@code dst[i·dstStrides] += src[i]}. */
    void sumInto(A src, int[] shape, A dst, int[] dstStrides);

    /** For every index i of {@code shape}: {@code dst[i·dstStrides] = max(dst[..], src[i])}. */
    void maxInto(A src, int[] shape, A dst, int[] dstStrides);

    /**
     * C = op(A)·op(B), with C an m×n row-major block at {@code cOff}. op(A) is m×k: A is stored as
     * m×k, or as k×m when {@code transA}; op(B) is k×n: B is stored as k×n, or as n×k when
     * {@code transB}. No transpose is ever materialised.
     */
    void matmul(A a, int aOff, boolean transA, A b, int bOff, boolean transB, A c, int cOff, int m, int n, int k);

    // ---- convolution (NCHW, the geometry of the convolution: see ConvGeometry)

    /**
     * The convolution (a cross-correlation, as in every deep-learning library): x [N, C, H, W], w [O, C, kh, kw],
     * bias [O] or null, out [N, O, OH, OW] with
     * out[n, o, y, x] = Σ_{c, i, j} x[n, c, y·s − p + i, x·s − p + j]·w[o, c, i, j] (+ bias[o] after the sum),
     * input pixels outside the image read as 0.
     */
    void conv2d(A x, A w, A bias, A out, ConvGeometry g);

    /**
     * The transposed convolution, the adjoint of {@link #conv2d} in x: y [N, O, OH, OW], w [O, C, kh, kw],
     * bias [C] or null, out [N, C, H, W] with
     * out[n, c, h, v] = Σ_{o, y, x, i, j : y·s − p + i = h, x·s − p + j = v} y[n, o, y, x]·w[o, c, i, j] (+ bias[c]).
     */
    void convTranspose2d(A y, A w, A bias, A out, ConvGeometry g);

    /**
     * The weight correlation, the adjoint of {@link #conv2d} in w: x [N, C, H, W], gy [N, O, OH, OW], out [O, C, kh, kw]
     * with out[o, c, i, j] = Σ_{n, y, x} gy[n, o, y, x]·x[n, c, y·s − p + i, x·s − p + j].
     */
    void conv2dWeight(A x, A gy, A out, ConvGeometry g);

    // ---- fused: one pass where the composed ops would make several ----

    /** c[r·cols + j] += bias[j] for every row r &lt; rows: a linear layer's bias, added in place. */
    void addBias(A c, A bias, int rows, int cols);

    /** c[r·cols + j] = relu(c[r·cols + j] + bias[j]): a layer's bias and its ReLU in one pass, in place. */
    void addBiasRelu(A c, A bias, int rows, int cols);

    /** out = x &gt; 0 ? g : 0: relu's vector-Jacobian product. */
    void reluBackward(A g, A x, A out, int n);

    /** out = softplus(ℓ) − ℓ·t (in that order of operations): binary cross-entropy on logits. */
    void bceWithLogits(A logits, A targets, A out, int n);

    /** out = g·(σ(ℓ) − t): the derivative of {@link #bceWithLogits} in ℓ, times g. */
    void bceWithLogitsBackward(A g, A logits, A targets, A out, int n);

    /**
     * out[r] += Σ_j ℓ(logits[r·cols + j], targets[r·cols + j]) for r &lt; rows: {@link #bceWithLogits}'s terms
     * summed along each row as {@link #sumInto} sums them (the same bits), without a rows × cols array of
     * terms where the backend fuses the two.
     */
    void bceWithLogitsRowSums(A logits, A targets, A out, int rows, int cols);

    /**
     * out[r·cols + j] = g[r]·(σ(ℓ) − t) at ℓ = logits[r·cols + j], t = targets[r·cols + j]: the derivative of
     * {@link #bceWithLogitsRowSums} in the logits, times g; {@link #bceWithLogitsBackward} of g broadcast along
     * the rows (the same bits), without the broadcast where the backend fuses it.
     */
    void bceWithLogitsRowSumsBackward(A g, A logits, A targets, A out, int rows, int cols);

    /** out[s·n + i] = μ[i] + σ[i]·ε[s·n + i] for every sample s &lt; samples: the reparameterisation. */
    void reparameterize(A mu, A sigma, A eps, A out, int n, int samples);

    /** out = ((μ² + e^λ) − 1 − λ)·½, KL(N(μ, e^λ) ‖ N(0, 1)), in that order of operations. */
    void klStandardNormal(A mu, A logVar, A out, int n);

    /** out = g·(e^λ − 1)·½: the derivative of {@link #klStandardNormal} in λ, times g. */
    void klStandardNormalBackward(A g, A logVar, A out, int n);

    /**
     * K steps of a planar flow (Rezende and Mohamed, 2015), the invertibility constraint included: for each of
     * {@code rows} codes z₀ (row j of z0 [rows, D], datum j mod B) and each step k, with u, w the column of
     * datum n in rows kD to (k+1)D of u, w [K·D, B] and b = b[k, n]:
     * <pre>
     *   m = softplus(wᵀu) − 1,  c = (m − wᵀu)/‖w‖²,  û = u + c·w;   a = wᵀz + b,  t = tanh a,
     *   z ← z + û·t,  ℓ += log1p((1 − t²)·m)
     * </pre>
     * out [rows, D + 1] holds z_K and ℓ per row; {@code saved} ({@link #planarFlowSaved} elements) what
     * {@link #planarFlowBackward} reads; with {@code keepCodes} false (nothing will differentiate it: an evaluation
     * under no-grad, of thousands of samples), only the constraint's values, {@code planarFlowSaved(0, …)} elements. Sums over D run in order i = 0, 1, …; tanh, log1p and softplus are this
     * dtype's own kernels: the values depend on neither the vector width nor the thread count.
     */
    void planarFlow(A z0, A u, A w, A b, A out, A saved, boolean keepCodes, int rows, int batch, int d, int steps);

    /**
     * The vector-Jacobian products of {@link #planarFlow}, from g [rows, D + 1] (the gradients of z_K and ℓ):
     * gz0 [rows, D], gu and gw [K·D, B], gb [K, B], every element written. The reverse loop over k, with
     * h = 1 − t², q = 1 + h·m, summed over the rows of each datum:
     * <pre>
     *   ∂a = (g_zᵀû − 2·g_ℓ·t·m/q)·h,  g_z ← g_z + ∂a·w;  ∂û = Σ t·g_z,  ∂m = Σ g_ℓ·h/q,  ∂b = Σ ∂a,  ∂w = Σ ∂a·z
     * </pre>
     * then the constraint: ∂c = ∂ûᵀw, ∂(wᵀu) = (∂m + ∂c/‖w‖²)·σ(wᵀu) − ∂c/‖w‖², ∂‖w‖² = −∂c·c/‖w‖²,
     * ∂u = ∂û + ∂(wᵀu)·w, ∂w += c·∂û + ∂(wᵀu)·u + 2·∂‖w‖²·w.
     */
    void planarFlowBackward(A g, A u, A w, A saved, A gz0, A gu, A gw, A gb, int rows, int batch, int d, int steps);

    /** The elements {@link #planarFlow} saves: û [K·D·B], m, c, wᵀu, ‖w‖² [K·B] each, each step's codes [K·D·rows] and t [K·rows]. */
    static int planarFlowSaved(int rows, int batch, int d, int steps) {
        return Math.addExact(Math.multiplyExact(steps, Math.addExact(Math.multiplyExact(d, batch), 4 * batch)),
                Math.multiplyExact(steps, Math.multiplyExact(rows, d + 1)));
    }

    /** Σ x², accumulated in double. */
    double sumOfSquares(A x, int n);

    /** x ← c·x. */
    void scale(A x, double c, int n);

    // ---- optimiser updates, in place (PyTorch 1.13's formulas and order of operations)

    /**
     * One SGD step: d = g + λ·p; with momentum μ, buf = (first ? d : μ·buf + (1 − τ)·d) and
     * d = nesterov ? d + μ·buf : buf; then p ← p − lr·d. {@code buf} is unused (may be null) when μ = 0. buf is
     * stored flushed to zero where its magnitude is below the dtype's smallest normal number (a subnormal).
     */
    void sgdUpdate(A p, A g, A buf, int n, double lr, double momentum, double dampening, double weightDecay, boolean nesterov,
                   boolean first);

    /**
     * One Adam step (AdamW when {@code decoupled}): AdamW first decays p ← p·(1 − lr·λ), Adam instead uses
     * g ← g + λ·p; then m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², and p ← p − (lr/c₁)·m / (√v/√c₂ + ε), with
     * the bias corrections c₁ = {@code biasCorrection1} = 1 − β₁ᵗ and √c₂ = {@code biasCorrection2Sqrt}. m and v are
     * stored flushed to zero where their magnitude is below the dtype's smallest normal number (a subnormal).
     */
    void adamUpdate(A p, A g, A m, A v, int n, double lr, double beta1, double beta2, double eps, double weightDecay, boolean decoupled,
                    double biasCorrection1, double biasCorrection2Sqrt);
}
