package io.elbo.vae;

/**
 * The two-layer linear-Gaussian model, the exact counterpart of a two-layer {@link VAE} with linear blocks and
 * the gaussian-fixed likelihood:
 * <pre>
 *   z₂ ~ N(0, I_{K₂}),   z₁ | z₂ ~ N(A z₂ + a, diag v),   x | z₁ ~ N(W z₁ + b, σ² I_D)
 * </pre>
 * Everything is closed form. Stacking y = (z₁, z₂), the prior is p(y) = N(m_y, Σ_y) with m_y = (a, 0) and
 * Σ_y = [[AAᵀ + diag v, A], [Aᵀ, I]], and x = H y + b + ε with H = [W 0], so
 * <pre>
 *   p(x) = N(x; W a + b, W (AAᵀ + diag v) Wᵀ + σ² I)
 *   p(z₁, z₂ | x) = N(P⁻¹ (Σ_y⁻¹ m_y + Hᵀ(x − b)/σ²), P⁻¹),   P = Σ_y⁻¹ + HᵀH/σ²
 * </pre>
 */
public final class TwoLayerLinearGaussian {
    private final double[][] w, a;
    private final double[] b, bias, v;
    private final double sigma2;

    /**
     * The model with W [D][K₁], b [D], σ² &gt; 0 (the likelihood), A [K₁][K₂], a [K₁] and v [K₁] &gt; 0 (p(z₁|z₂)).
     */
    public TwoLayerLinearGaussian(double[][] w, double[] b, double sigma2, double[][] a, double[] bias, double[] v) {
        if (w.length != b.length || w[0].length != a.length || bias.length != a.length || v.length != a.length) {
            throw new IllegalArgumentException("TwoLayerLinearGaussian: sizes do not match");
        }
        if (!(sigma2 > 0)) throw new IllegalArgumentException("TwoLayerLinearGaussian: σ² must be positive, got " + sigma2);
        for (double vi : v) if (!(vi > 0)) throw new IllegalArgumentException("TwoLayerLinearGaussian: variances must be positive, got " + vi);
        this.w = w;
        this.b = b;
        this.sigma2 = sigma2;
        this.a = a;
        this.bias = bias;
        this.v = v;
    }

    /** D, K₁ and K₂. */
    public int dataDim() { return b.length; }

    /** K₁, the size of z₁. */
    public int k1() { return a.length; }

    /** K₂, the size of z₂. */
    public int k2() { return a[0].length; }

    /** The prior of z₁: N(a, AAᵀ + diag v). */
    public MultivariateNormal priorOfZ1() {
        int k1 = k1();
        double[][] c = new double[k1][k1];
        for (int i = 0; i < k1; i++) {
            for (int j = 0; j < k1; j++) c[i][j] = Dense.dot(a[i], a[j]);
            c[i][i] += v[i];
        }
        return new MultivariateNormal(bias.clone(), c);
    }

    /** The marginal of x: N(W a + b, W (AAᵀ + diag v) Wᵀ + σ² I). */
    public MultivariateNormal evidence() {
        MultivariateNormal z1 = priorOfZ1();
        int d = dataDim();
        double[] mean = Dense.mul(w, z1.mean());
        for (int i = 0; i < d; i++) mean[i] += b[i];
        double[][] c = new double[d][];
        for (int i = 0; i < d; i++) c[i] = Dense.mul(z1.cov(), w[i]); // row i of W C, as (C wᵢ)ᵀ since C is symmetric
        double[][] cov = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) cov[i][j] = Dense.dot(c[i], w[j]);
            cov[i][i] += sigma2;
        }
        return new MultivariateNormal(mean, cov);
    }

    /** log p(x), exactly. */
    public double logEvidence(double[] x) {
        return evidence().logProb(x);
    }

    /** The exact posterior p(z₁, z₂ | x) over y = (z₁, z₂), K₁ + K₂ coordinates. */
    public MultivariateNormal posterior(double[] x) {
        int k1 = k1(), k2 = k2(), n = k1 + k2;
        double[][] prior = new double[n][n]; // Σ_y
        MultivariateNormal z1 = priorOfZ1();
        for (int i = 0; i < k1; i++) {
            System.arraycopy(z1.cov()[i], 0, prior[i], 0, k1);
            for (int j = 0; j < k2; j++) {
                prior[i][k1 + j] = a[i][j];
                prior[k1 + j][i] = a[i][j];
            }
        }
        for (int j = 0; j < k2; j++) prior[k1 + j][k1 + j] = 1;
        double[][] priorPrecision = Dense.inverse(Dense.cholesky(prior));
        double[] my = new double[n];
        System.arraycopy(bias, 0, my, 0, k1);
        double[] h = Dense.mul(priorPrecision, my); // Σ_y⁻¹ m_y + Hᵀ(x − b)/σ²
        double[][] precision = new double[n][];
        for (int i = 0; i < n; i++) precision[i] = priorPrecision[i].clone();
        for (int i = 0; i < k1; i++) {
            for (int j = 0; j < k1; j++) {
                double s = 0;
                for (double[] row : w) s += row[i] * row[j];
                precision[i][j] += s / sigma2;
            }
            double s = 0;
            for (int r = 0; r < dataDim(); r++) s += w[r][i] * (x[r] - b[r]);
            h[i] += s / sigma2;
        }
        double[][] l = Dense.cholesky(precision);
        return new MultivariateNormal(Dense.solve(l, h), Dense.inverse(l));
    }
}
