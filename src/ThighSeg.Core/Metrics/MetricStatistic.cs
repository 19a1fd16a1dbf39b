namespace ThighSeg.Core.Metrics;

/// <summary>Mean and standard deviation of one metric over subjects, with the counts behind them.</summary>
/// <param name="Subjects">Subjects contributing a value (defined or NaN).</param>
/// <param name="Valid">Subjects whose value is defined (not NaN); the mean and SD use these only.</param>
/// <param name="Mean">Arithmetic mean of the defined values; NaN when <paramref name="Valid"/> is 0.</param>
/// <param name="StandardDeviation">Sample standard deviation (n − 1 denominator) of the defined values; NaN when <paramref name="Valid"/> is below 2.</param>
public sealed record MetricStatistic(int Subjects, int Valid, double Mean, double StandardDeviation)
{
    /// <summary>Subjects whose value is undefined (NaN) under the empty-mask policy.</summary>
    public int Excluded => Subjects - Valid;

    /// <summary>The statistic of <paramref name="values"/>, ignoring NaN (counted in <see cref="Excluded"/>).</summary>
    public static MetricStatistic Of(IEnumerable<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        int subjects = 0, valid = 0;
        double mean = 0, m2 = 0;
        foreach (double v in values)
        {
            subjects++;
            if (double.IsNaN(v))
            {
                continue;
            }
            // Welford's update: numerically stable single pass.
            valid++;
            double delta = v - mean;
            mean += delta / valid;
            m2 += delta * (v - mean);
        }
        return new MetricStatistic(
            subjects,
            valid,
            valid == 0 ? double.NaN : mean,
            valid < 2 ? double.NaN : Math.Sqrt(m2 / (valid - 1)));
    }
}
