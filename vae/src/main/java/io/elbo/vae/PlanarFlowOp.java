package io.elbo.vae;

import io.elbo.autodiff.DType;
import io.elbo.autodiff.Ops;
import io.elbo.autodiff.Shape;
import io.elbo.autodiff.ShapeException;
import io.elbo.autodiff.Tape;
import io.elbo.autodiff.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * All K steps of a planar flow, the invertibility constraint included, as one op on the tape: what
 * {@link PlanarFlowPosterior#step} composed K times computes with some twenty primitives a step (and the
 * slices of the heads' outputs), in one forward loop and one backward loop over the codes. Per datum n and
 * step k, with u, w ∈ ℝᴰ and b the step's parameters for that datum:
 * <pre>
 *   m = softplus(wᵀu) − 1,   c = (m − wᵀu)/‖w‖²,   û = u + c·w            (so wᵀû = m &gt; −1)
 *   a = wᵀz + b,   t = tanh a,   z ← z + û·t,   Σ log|det| += log(1 + (1 − t²)·m)
 * </pre>
 * The derivative, the reverse loop over k (g_z the gradient of the current code, g_ℓ that of Σ log|det|,
 * h = 1 − t², q = 1 + h·m; sums over the samples that share the datum):
 * <pre>
 *   ∂t = g_zᵀû − 2·g_ℓ·t·m/q,   ∂a = ∂t·h,   g_z ← g_z + ∂a·w
 *   ∂û = Σ t·g_z,   ∂m = Σ g_ℓ·h/q,   ∂b = Σ ∂a,   ∂w = Σ ∂a·z (through a)
 * </pre>
 * then through the constraint (∂c = ∂ûᵀw; c depends on wᵀu directly and through m, with m' = σ(wᵀu), and on
 * ‖w‖²):
 * <pre>
 *   ∂(wᵀu) = (∂m + ∂c/‖w‖²)·σ(wᵀu) − ∂c/‖w‖²,   ∂‖w‖² = −∂c·c/‖w‖²
 *   ∂u = ∂û + ∂(wᵀu)·w,   ∂w += c·∂û + ∂(wᵀu)·u + 2·∂‖w‖²·w
 * </pre>
 * The parameters come one column per datum (u, w [K·D, B], b [K, B]: what {@link io.elbo.nn.Linear#forwardTransposed}
 * gives), and the loops keep the codes that way ([D, S·B]), so every inner loop runs along the data with unit
 * stride, on the Vector API. They run in float64 whatever the tensors' dtype (a float32 flow is rounded once, at the end); tanh,
 * log1p, softplus and σ are the dtype's own elementwise ops, applied to a whole step's values at once. No value
 * depends on the thread count, the vector width or the process. On a recorded backward pass
 * ({@link Tape.Pass#createGraph()}) the same formulas are built from ops instead, so that the flow can be
 * differentiated again. {@code PlanarFlowProperties} checks the op against the composition of the steps, and its
 * gradients by central differences, to first and second order.
 */
final class PlanarFlowOp {
    private PlanarFlowOp() {}

    /**
     * z_K [..., B, D] and Σₖ log|det ∂z_k/∂z_{k−1}| [..., B] from codes z₀ [..., B, D] (leading sample axes) and the
     * steps' raw parameters u, w [K·D, B] (step k's in rows kD to (k+1)D) and b [K, B].
     */
    static Tensor[] apply(Tensor z0, Tensor u, Tensor w, Tensor b) {
        int r = z0.rank();
        if (r < 2 || u.rank() != 2 || w.rank() != 2 || b.rank() != 2) throw shapes(z0, u, w, b);
        int batch = z0.dim(r - 2), d = z0.dim(r - 1), steps = b.dim(0);
        if (u.dim(1) != batch || w.dim(1) != batch || b.dim(1) != batch || u.dim(0) != steps * d || w.dim(0) != steps * d) {
            throw shapes(z0, u, w, b);
        }
        int rows = batch * d == 0 ? 0 : z0.numel() / d;
        boolean taped = Tape.isRecording() && (z0.requiresGrad() || u.requiresGrad() || w.requiresGrad() || b.requiresGrad());
        Flow f = new Flow(rows, batch, d, steps, u.toDoubleArray(), w.toDoubleArray(), z0.dtype(), taped);
        double[] out = f.forward(z0.toDoubleArray(), b.toDoubleArray());
        int[] shape = z0.shape();
        shape[r - 1] = d + 1;
        Tensor joint = Tape.record("planarFlow", Tensor.fromArray(z0.dtype(), out, shape), (g, pass) -> pass.createGraph()
                ? vjpWithOps(g, z0, u, w, b, pass)
                : f.backward(g.toDoubleArray(), z0, u, w, b, pass), z0, u, w, b);
        return new Tensor[] {joint.slice(r - 1, 0, d), joint.slice(r - 1, d, d + 1).reshape(Arrays.copyOf(shape, r - 1))};
    }

    private static ShapeException shapes(Tensor z0, Tensor u, Tensor w, Tensor b) {
        return new ShapeException("planarFlow: codes " + Shape.str(z0.shape()) + ", u " + Shape.str(u.shape()) + ", w "
                + Shape.str(w.shape()) + ", b " + Shape.str(b.shape()) + ": need codes [..., B, D], u and w [K·D, B], b [K, B]");
    }

    private static final VectorSpecies<Double> S = DoubleVector.SPECIES_PREFERRED;

    /**
     * y[yo + j] += a[ao + j]·b[bo + j] for j &lt; n, the product rounded before the sum (no fused multiply-add), so the
     * vector body and the scalar tail give every element the same bits whatever the vector width. Every loop of the
     * flow that runs along the data is one of these.
     */
    private static void addProduct(double[] y, int yo, double[] a, int ao, double[] b, int bo, int n) {
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += S.length()) {
            DoubleVector.fromArray(S, a, ao + j).mul(DoubleVector.fromArray(S, b, bo + j)).add(DoubleVector.fromArray(S, y, yo + j))
                    .intoArray(y, yo + j);
        }
        for (; j < n; j++) y[yo + j] += a[ao + j] * b[bo + j];
    }

    /**
     * f applied to every value at once by the dtype's elementwise op (float32's vectorised polynomials, float64's
     * {@code Math} functions), as the composition of the steps applies it.
     */
    private static double[] each(double[] x, DType dtype, UnaryOperator<Tensor> f) {
        try (var off = Tape.noGrad()) {
            return f.apply(Tensor.fromArray(dtype, x, x.length)).toDoubleArray();
        }
    }

    /**
     * One application of the flow: the parameters and the constraint's values per (k, n) ([K·D, B] and [K, B]) and,
     * when the op is taped, each step's input code and t (not kept under {@link Tape#noGrad()}, where an evaluation
     * draws thousands of samples), for the backward loop. Element (k, i, n) of a [K·D, B] array is at (kD + i)·B + n,
     * element (i, j) of a code array [D, rows] at i·rows + j, and row j belongs to datum j mod B.
     */
    private static final class Flow {
        final int rows, batch, d, steps;
        final double[] u, w, uHat, m, c, wu, ww;
        final double[] zIn, t; // [K, D, rows] and [K, rows]
        final DType dtype;

        Flow(int rows, int batch, int d, int steps, double[] u, double[] w, DType dtype, boolean taped) {
            this.rows = rows;
            this.batch = batch;
            this.d = d;
            this.steps = steps;
            this.u = u;
            this.w = w;
            this.dtype = dtype;
            uHat = new double[steps * d * batch];
            m = new double[steps * batch];
            c = new double[steps * batch];
            wu = new double[steps * batch];
            ww = new double[steps * batch];
            zIn = taped ? new double[steps * d * rows] : null;
            t = taped ? new double[steps * rows] : null;
        }

        /** The output [rows, D + 1]: z_K and Σ log|det| per row, from z₀ [rows, D] and b [K, B]. */
        double[] forward(double[] z0, double[] b) {
            for (int k = 0; k < steps; k++) {
                for (int i = 0; i < d; i++) {
                    int o = (k * d + i) * batch, p = k * batch;
                    addProduct(wu, p, w, o, u, o, batch);
                    addProduct(ww, p, w, o, w, o, batch);
                }
            }
            double[] softplus = each(wu, dtype, Tensor::softplus);
            for (int kn = 0; kn < steps * batch; kn++) {
                m[kn] = softplus[kn] - 1;
                c[kn] = (m[kn] - wu[kn]) / ww[kn];
            }
            for (int k = 0; k < steps; k++) {
                for (int i = 0; i < d; i++) {
                    int o = (k * d + i) * batch, p = k * batch;
                    System.arraycopy(u, o, uHat, o, batch);
                    addProduct(uHat, o, c, p, w, o, batch);
                }
            }
            double[] z = new double[d * rows], a = new double[rows], logDet = new double[rows];
            for (int j = 0; j < rows; j++) for (int i = 0; i < d; i++) z[i * rows + j] = z0[j * d + i];
            for (int k = 0; k < steps; k++) {
                if (zIn != null) System.arraycopy(z, 0, zIn, k * d * rows, d * rows);
                for (int s = 0; s < rows; s += batch) System.arraycopy(b, k * batch, a, s, batch);
                for (int i = 0; i < d; i++) {
                    int o = (k * d + i) * batch;
                    for (int s = 0; s < rows; s += batch) {
                        int zo = i * rows + s;
                        addProduct(a, s, w, o, z, zo, batch);
                    }
                }
                double[] tk = each(a, dtype, Tensor::tanh);
                for (int i = 0; i < d; i++) {
                    int o = (k * d + i) * batch;
                    for (int s = 0; s < rows; s += batch) {
                        int zo = i * rows + s;
                        addProduct(z, zo, uHat, o, tk, s, batch);
                    }
                }
                for (int s = 0; s < rows; s += batch) {
                    for (int n = 0; n < batch; n++) a[s + n] = (1 - tk[s + n] * tk[s + n]) * m[k * batch + n];
                }
                double[] ld = each(a, dtype, Tensor::log1p);
                for (int j = 0; j < rows; j++) logDet[j] += ld[j];
                if (t != null) System.arraycopy(tk, 0, t, k * rows, rows);
            }
            double[] out = new double[rows * (d + 1)];
            for (int j = 0; j < rows; j++) {
                for (int i = 0; i < d; i++) out[j * (d + 1) + i] = z[i * rows + j];
                out[j * (d + 1) + d] = logDet[j];
            }
            return out;
        }

        /** The reverse loop and the constraint's derivative (the class comment's formulas), from g [rows, D + 1]. */
        Tensor[] backward(double[] g, Tensor z0, Tensor uIn, Tensor wIn, Tensor bIn, Tape.Pass pass) {
            double[] gz = new double[d * rows], gl = new double[rows];
            for (int j = 0; j < rows; j++) {
                for (int i = 0; i < d; i++) gz[i * rows + j] = g[j * (d + 1) + i];
                gl[j] = g[j * (d + 1) + d];
            }
            double[] gUHat = new double[steps * d * batch], gw = new double[steps * d * batch];
            double[] gm = new double[steps * batch], gb = new double[steps * batch];
            double[] h = new double[rows], gt = new double[rows];
            for (int k = steps - 1; k >= 0; k--) {
                int tk = k * rows, p = k * batch;
                for (int s = 0; s < rows; s += batch) {
                    for (int n = 0; n < batch; n++) {
                        double tj = t[tk + s + n], hj = 1 - tj * tj, q = 1 + hj * m[p + n];
                        h[s + n] = hj;
                        gt[s + n] = -2 * gl[s + n] * tj * m[p + n] / q;
                        gm[p + n] += gl[s + n] * hj / q;
                    }
                }
                for (int i = 0; i < d; i++) {
                    int o = (k * d + i) * batch;
                    for (int s = 0; s < rows; s += batch) {
                        int zo = i * rows + s;
                        addProduct(gt, s, gz, zo, uHat, o, batch);
                    }
                }
                for (int s = 0; s < rows; s += batch) {
                    for (int n = 0; n < batch; n++) {
                        gt[s + n] *= h[s + n]; // now ∂a
                        gb[p + n] += gt[s + n];
                    }
                }
                for (int i = 0; i < d; i++) {
                    int o = (k * d + i) * batch, zk = k * d * rows;
                    for (int s = 0; s < rows; s += batch) {
                        int zo = i * rows + s;
                        addProduct(gUHat, o, t, tk + s, gz, zo, batch);
                        addProduct(gw, o, gt, s, zIn, zk + zo, batch);
                        addProduct(gz, zo, gt, s, w, o, batch);
                    }
                }
            }
            double[] sigmoid = each(wu, dtype, Tensor::sigmoid), gc = new double[steps * batch];
            for (int k = 0; k < steps; k++) {
                for (int i = 0; i < d; i++) {
                    int o = (k * d + i) * batch, p = k * batch;
                    addProduct(gc, p, gUHat, o, w, o, batch);
                }
            }
            double[] gwu = new double[steps * batch], gww2 = new double[steps * batch];
            for (int kn = 0; kn < steps * batch; kn++) {
                gwu[kn] = (gm[kn] + gc[kn] / ww[kn]) * sigmoid[kn] - gc[kn] / ww[kn];
                gww2[kn] = -2 * gc[kn] * c[kn] / ww[kn]; // 2·∂‖w‖²
            }
            double[] gu = gUHat; // ∂û becomes ∂u in place, once ∂w has used it
            for (int k = 0; k < steps; k++) {
                for (int i = 0; i < d; i++) {
                    int o = (k * d + i) * batch, p = k * batch;
                    addProduct(gw, o, c, p, gUHat, o, batch);
                    addProduct(gw, o, gwu, p, u, o, batch);
                    addProduct(gw, o, gww2, p, w, o, batch);
                    addProduct(gu, o, gwu, p, w, o, batch);
                }
            }
            return pass.grads(() -> {
                double[] gz0 = new double[rows * d];
                for (int j = 0; j < rows; j++) for (int i = 0; i < d; i++) gz0[j * d + i] = gz[i * rows + j];
                return Tensor.fromArray(dtype, gz0, z0.shape());
            }, () -> Tensor.fromArray(dtype, gu, uIn.shape()), () -> Tensor.fromArray(dtype, gw, wIn.shape()),
                    () -> Tensor.fromArray(dtype, gb, bIn.shape()));
        }
    }

    /**
     * The same derivative built from ops, for a recorded backward pass: the forward recomputed from the inputs, then
     * the class comment's formulas with the sample axes kept until the parameters' gradients are formed.
     */
    private static Tensor[] vjpWithOps(Tensor g, Tensor z0, Tensor u, Tensor w, Tensor b, Tape.Pass pass) {
        int last = z0.rank() - 1, d = z0.dim(last), steps = b.dim(0), batch = b.dim(1);
        Tensor[] uk = new Tensor[steps], wk = new Tensor[steps], uHat = new Tensor[steps], m = new Tensor[steps];
        Tensor[] c = new Tensor[steps], wu = new Tensor[steps], ww = new Tensor[steps], zIn = new Tensor[steps], t = new Tensor[steps];
        Tensor z = z0;
        for (int k = 0; k < steps; k++) { // per datum: u, w [B, D], the constraint's values [B, 1]
            uk[k] = u.slice(0, k * d, (k + 1) * d).T();
            wk[k] = w.slice(0, k * d, (k + 1) * d).T();
            wu[k] = wk[k].mul(uk[k]).sum(true, 1);
            ww[k] = wk[k].square().sum(true, 1);
            m[k] = wu[k].softplus().sub(1);
            c[k] = m[k].sub(wu[k]).div(ww[k]);
            uHat[k] = uk[k].add(c[k].mul(wk[k]));
            zIn[k] = z;
            t[k] = z.mul(wk[k]).sum(true, last).add(b.slice(0, k, k + 1).reshape(batch, 1)).tanh();
            z = z.add(uHat[k].mul(t[k]));
        }
        Tensor gz = g.slice(last, 0, d), gl = g.slice(last, d, d + 1);
        List<Tensor> gu = new ArrayList<>(), gw = new ArrayList<>(), gb = new ArrayList<>();
        for (int k = steps - 1; k >= 0; k--) {
            Tensor h = t[k].square().rsub(1), q = h.mul(m[k]).add(1);
            Tensor ga = gz.mul(uHat[k]).sum(true, last).sub(gl.mul(t[k]).mul(m[k]).mul(2).div(q)).mul(h);
            Tensor gUHat = perDatum(t[k].mul(gz)), gm = perDatum(gl.mul(h).div(q));
            Tensor gc = gUHat.mul(wk[k]).sum(true, 1);
            Tensor gwu = gm.add(gc.div(ww[k])).mul(wu[k].sigmoid()).sub(gc.div(ww[k]));
            Tensor gww = gc.mul(c[k]).div(ww[k]).neg();
            gu.add(0, gUHat.add(gwu.mul(wk[k])).T());
            gw.add(0, perDatum(ga.mul(zIn[k])).add(gUHat.mul(c[k])).add(gwu.mul(uk[k])).add(gww.mul(wk[k]).mul(2)).T());
            gb.add(0, perDatum(ga).T());
            gz = gz.add(ga.mul(wk[k]));
        }
        Tensor dz = gz;
        return pass.grads(() -> dz, () -> Ops.concat(0, gu), () -> Ops.concat(0, gw), () -> Ops.concat(0, gb));
    }

    /** x [..., B, X] summed over its leading sample axes: [B, X]. */
    private static Tensor perDatum(Tensor x) {
        if (x.rank() == 2) return x;
        int[] lead = new int[x.rank() - 2];
        for (int i = 0; i < lead.length; i++) lead[i] = i;
        return x.sum(lead);
    }
}
