using System.Collections.Concurrent;
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
/// <see cref="VolumeSegmenter.Predict"/>. Cases whose thigh is larger than the network frame are collected in
/// <see cref="CropWarnings"/> (from the reader thread).
/// </summary>
internal sealed class StagedVolumeSegmenter(VolumeSegmenter segmenter, VolumePredictionOptions options, Func<Volume<int>, Volume<int>>? relabel = null)
    : ICaseSegmenter<PreparedSubject, IReadOnlyList<StackPrediction>>
{
    private readonly ConcurrentQueue<string> _cropWarnings = new();

    /// <summary>The <see cref="PreparedSubject.CropWarning"/> of every case prepared so far that has one.</summary>
    public IReadOnlyCollection<string> CropWarnings => _cropWarnings;

    public PreparedSubject Prepare(Volume<float> image, string caseId)
    {
        var prepared = segmenter.Prepare(image, caseId);
        if (prepared.CropWarning is string w)
        {
            _cropWarnings.Enqueue(w);
        }
        return prepared;
    }

    public IReadOnlyList<StackPrediction> Segment(PreparedSubject prepared) => segmenter.PredictStacks(prepared, options);

    public Volume<int> Finish(PreparedSubject prepared, IReadOnlyList<StackPrediction> output)
    {
        var labels = segmenter.Restore(prepared, output, options);
        return relabel is null ? labels : relabel(labels);
    }
}
