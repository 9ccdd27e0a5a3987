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

    public void add(double x) {
        n++;
        double d = x - mean;
        mean += d / n;
        m2 += d * (x - mean);
    }

    public long count() { return n; }

    public double mean() { return mean; }

    /** The unbiased sample variance. */
    public double variance() {
        return n < 2 ? Double.NaN : m2 / (n - 1);
    }

    /** The standard error of the mean, √(variance / n). */
    public double standardError() {
        return Math.sqrt(variance() / n);
    }

    public Divergences.Estimate estimate() {
        return new Divergences.Estimate(mean, standardError(), (int) n);
    }
}
