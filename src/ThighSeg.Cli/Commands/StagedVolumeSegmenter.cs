using ThighSeg.Core.Abstractions;
using ThighSeg.Core.Preprocessing;
using ThighSeg.Core.Volumes;
using ThighSeg.IO.Cohort;
using ThighSeg.Torch.Inference;

namespace ThighSeg.Cli.Commands;

/// <summary>
/// A <see cref="VolumeSegmenter"/> as the three stages a cohort job overlaps: preprocessing on the reader thread, the
/// network on the calling thread, restoring to the image's geometry (and the optional <paramref name="relabel"/>, e.g.
/// side-specific label values) on the writer thread. Without <paramref name="relabel"/> it gives exactly the labels of
/// <see cref="VolumeSegmenter.Predict"/>.
/// </summary>
internal sealed class StagedVolumeSegmenter(VolumeSegmenter segmenter, VolumePredictionOptions options, Func<Volume<int>, Volume<int>>? relabel = null)
    : ICaseSegmenter<PreparedSubject, IReadOnlyList<StackPrediction>>
{
    public PreparedSubject Prepare(Volume<float> image, string caseId) => segmenter.Prepare(image, caseId);

    public IReadOnlyList<StackPrediction> Segment(PreparedSubject prepared) => segmenter.PredictStacks(prepared, options);

    public Volume<int> Finish(PreparedSubject prepared, IReadOnlyList<StackPrediction> output)
    {
        var labels = segmenter.Restore(prepared, output, options);
        return relabel is null ? labels : relabel(labels);
    }
}
