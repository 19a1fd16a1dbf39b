using ThighSeg.Core.Preprocessing;
using ThighSeg.Core.Volumes;

namespace ThighSeg.Core.Abstractions;

/// <summary>Whole-subject prediction on top of <see cref="ISegmentationModel.Predict"/>.</summary>
public static class SegmentationModelExtensions
{
    /// <summary>
    /// Segments every stack of a prepared subject (for example both thighs) and maps the result back to the original
    /// image geometry (thighs merged, mirroring and resampling undone). Labels are restored resolution-aware with
    /// <see cref="Preprocessor.RestoreFromProbabilities"/>: class probabilities interpolated to the original grid and the
    /// argmax taken there (exact label copies where the grids coincide).
    /// </summary>
    /// <param name="model">The segmentation model; its slice size must match the preparation's.</param>
    /// <param name="subject">The subject prepared with the preprocessing the model was trained with.</param>
    /// <param name="withProbabilities">Also restore per-class probability maps.</param>
    /// <param name="flipTta">Left-right flip test-time augmentation.</param>
    public static VolumePrediction PredictVolume(this ISegmentationModel model, PreparedSubject subject, bool withProbabilities = false, bool flipTta = false) =>
        model.RestoreVolume(subject, model.PredictStacks(subject, flipTta), withProbabilities);

    /// <summary>The network part of <see cref="PredictVolume"/>: every stack of <paramref name="subject"/> segmented, with
    /// the class probabilities <see cref="RestoreVolume"/> interpolates.</summary>
    /// <param name="model">The segmentation model.</param>
    /// <param name="subject">The prepared subject.</param>
    /// <param name="flipTta">Left-right flip test-time augmentation.</param>
    public static IReadOnlyList<StackPrediction> PredictStacks(this ISegmentationModel model, PreparedSubject subject, bool flipTta = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(subject);
        return subject.Stacks.Select(s => model.Predict(s, withProbabilities: true, flipTta)).ToList();
    }

    /// <summary>The CPU part of <see cref="PredictVolume"/>: network-space <paramref name="predictions"/> (from
    /// <see cref="PredictStacks"/>) restored to the original geometry; no model call, so it may run on another thread.</summary>
    /// <param name="model">The segmentation model (its classes).</param>
    /// <param name="subject">The prepared subject the predictions belong to.</param>
    /// <param name="predictions">One prediction per stack, with probabilities.</param>
    /// <param name="withProbabilities">Also restore per-class probability maps.</param>
    /// <exception cref="ArgumentException">A prediction without probabilities, or of the wrong number or size.</exception>
    public static VolumePrediction RestoreVolume(this ISegmentationModel model, PreparedSubject subject, IReadOnlyList<StackPrediction> predictions, bool withProbabilities = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(subject);
        ArgumentNullException.ThrowIfNull(predictions);
        if (predictions.Any(p => p.Probabilities is null))
        {
            throw new ArgumentException("Every stack prediction needs its class probabilities (predict with withProbabilities: true).", nameof(predictions));
        }
        var labels = Preprocessor.RestoreFromProbabilities(subject, [.. predictions.Select(p => p.Labels)], [.. predictions.Select(p => p.Probabilities!)], model.Classes.Values);
        List<Volume<float>>? probabilities = null;
        if (withProbabilities)
        {
            probabilities = [];
            for (int c = 0; c < model.Classes.Count; c++)
            {
                int k = c;
                probabilities.Add(Preprocessor.RestoreMap(subject, predictions.Select(p => p.Probabilities![k]).ToList(), outside: k == 0 ? 1f : 0f));
            }
        }
        return new VolumePrediction(labels, probabilities);
    }
}
