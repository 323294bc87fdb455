namespace Junction.Bench.Report;

public static class Stats
{
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return double.NaN;
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary>Runs <paramref name="body"/> and returns its wall-clock time in milliseconds.</summary>
    public static double Milliseconds(Action body)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        body();
        return watch.Elapsed.TotalMilliseconds;
    }
}
