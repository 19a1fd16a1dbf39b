using ThighSeg.Core.Volumes;

namespace ThighSeg.IO.Cohort;

/// <summary>
/// Segments one case in three stages, so that a <see cref="CohortPredictionJob"/> overlaps the CPU work around the
/// network with the network itself: <see cref="Prepare"/> runs on the job's reader thread (right after the file is
/// read), <see cref="Segment"/> on the thread that called <see cref="CohortPredictionJob.Run{TPrepared, TNetworkOutput}"/>
/// (so a network's thread-bound state, such as TorchSharp dispose scopes, never leaves it), and <see cref="Finish"/> on
/// the writer thread (before the outputs are written).
/// </summary>
/// <typeparam name="TPrepared">What <see cref="Prepare"/> hands to the network (for example network-space slice stacks).</typeparam>
/// <typeparam name="TNetworkOutput">What the network returns (for example per-stack labels); must not hold thread-bound state.</typeparam>
/// <remarks>The three stages of different cases run concurrently, each stage on one thread: <see cref="Prepare"/> and
/// <see cref="Finish"/> must be safe to call while <see cref="Segment"/> runs.</remarks>
public interface ICaseSegmenter<TPrepared, TNetworkOutput>
{
    /// <summary>CPU preparation of an image read from disk (reader thread).</summary>
    /// <param name="image">The image as read, in file space.</param>
    /// <param name="caseId">The case id, for messages.</param>
    TPrepared Prepare(Volume<float> image, string caseId);

    /// <summary>The network (the calling thread only).</summary>
    TNetworkOutput Segment(TPrepared prepared);

    /// <summary>The label map in the image's geometry from the network's output (writer thread).</summary>
    Volume<int> Finish(TPrepared prepared, TNetworkOutput output);
}
