using ThighSeg.Core.Preprocessing;

namespace ThighSeg.Cli.Reports;

/// <summary>The CLI's warning for thighs larger than the network frame, whose edges the network never sees.</summary>
internal static class FrameWarning
{
    /// <summary>The remedy for training verbs.</summary>
    public const string TrainingRemedy = "Leave the frame to --plan auto (the default; it plans a frame that holds the largest thigh), or give a larger --size or a coarser --spacing.";

    /// <summary>The remedy for prediction, whose frame is the model's.</summary>
    public const string PredictionRemedy = "The frame is the model's: train one with --plan auto, or a larger --size or a coarser --spacing.";

    /// <summary>
    /// Writes one warning (<see cref="PreparedSubject.DescribeCrops"/>) for the subjects or cases whose thigh is larger
    /// than the network frame, and how to avoid it; nothing when <paramref name="cropped"/> is empty.
    /// </summary>
    /// <param name="output">Where the warning goes.</param>
    /// <param name="cropped">The crop warnings, one per subject or case.</param>
    /// <param name="what">What they are, e.g. "subject(s)" or "case(s)".</param>
    /// <param name="lost">What does not happen to the cropped edges, e.g. "trained on" or "segmented".</param>
    /// <param name="remedy">The sentence that says how to avoid it.</param>
    public static void Write(TextWriter output, IReadOnlyCollection<string> cropped, string what, string lost, string remedy)
    {
        if (PreparedSubject.DescribeCrops(cropped, what, $"are not {lost}") is string crops)
        {
            output.WriteLine($"warning: {crops} {remedy}");
        }
    }
}
