package io.elbo.vae;

/**
 * Mean, variance and standard error of a stream of values by Welford's algorithm, which stays
 * accurate when the spread is tiny next to the mean (the textbook Σx²/n − x̄² cancels to 0 or below
 * there, under-reporting the standard error).
 */
public final class RunningMean {
    private long n;
    private double mean;
    private double m2;

    /** Adds x to the stream: n ← n + 1, x̄ ← x̄ + (x − x̄)/n, M₂ ← M₂ + (x − x̄_old)(x − x̄) (Welford). */
    public void add(double x) {
        n++;
        double d = x - mean;
        mean += d / n;
        m2 += d * (x - mean);
    }

    /** n, the number of values added. */
    public long count() { return n; }

    /** x̄, the mean of the values added (0 before any). */
    public double mean() { return mean; }

    /** The unbiased sample variance. */
    public double variance() {
        return n < 2 ? Double.NaN : m2 / (n - 1);
    }

    /** The standard error of the mean, √(variance / n). */
    public double standardError() {
        return Math.sqrt(variance() / n);
    }

    /** The mean with its standard error and count, as an estimate. */
    public Divergences.Estimate estimate() {
        return new Divergences.Estimate(mean, standardError(), (int) n);
    }
}
