namespace ThighSeg.Core.Abstractions;

/// <summary>The outcome of a pretraining run.</summary>
/// <param name="ModelDirectory">The folder holding the pretrained encoder artifact (<c>manifest.json</c> + weights).</param>
/// <param name="Steps">Optimisation steps taken in total (including resumed ones).</param>
/// <param name="FinalLoss">Mean loss over the last epoch.</param>
/// <param name="LossHistory">Mean loss of every epoch, in order.</param>
/// <param name="Resumed">Whether the run continued from an existing checkpoint.</param>
/// <param name="CollapseLoss">The loss of a collapsed encoder, whose embeddings are all the same:
/// <c>(tau / tau_base) · ln(2N − 1)</c> for N slices per batch (two views each). NaN when unknown.</param>
/// <param name="Attempts">Every attempt in order when collapse restarts are on (the last one produced the encoder);
/// null or one entry when the first attempt did not collapse.</param>
public sealed record PretrainResult(string ModelDirectory, long Steps, double FinalLoss, IReadOnlyList<double> LossHistory, bool Resumed, double CollapseLoss = double.NaN, IReadOnlyList<PretrainAttempt>? Attempts = null)
{
    /// <summary>Restarts made after collapses (attempts − 1).</summary>
    public int Restarts => Math.Max(0, (Attempts?.Count ?? 1) - 1);

    /// <summary>
    /// True when the last epoch's loss is within 0.5 % of <see cref="CollapseLoss"/>: every slice maps to (nearly) the
    /// same embedding and the encoder has learned nothing useful. Seen with instance norm at lr 0.1; batch norm or a
    /// lower learning rate avoid it.
    /// </summary>
    public bool LikelyCollapsed => IsCollapsed(FinalLoss, CollapseLoss);

    /// <summary>Whether <paramref name="loss"/> is within 0.5 % of <paramref name="collapseLoss"/>.</summary>
    public static bool IsCollapsed(double loss, double collapseLoss) =>
        double.IsFinite(loss) && double.IsFinite(collapseLoss) && collapseLoss > 0 && loss >= 0.995 * collapseLoss;

    /// <summary>The collapse loss for <paramref name="batchSize"/> slices (two views each) and the given temperatures.</summary>
    public static double CollapseLossFor(int batchSize, double temperature, double baseTemperature) =>
        temperature / baseTemperature * Math.Log((2.0 * batchSize) - 1);
}
