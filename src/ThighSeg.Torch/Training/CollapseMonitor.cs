using System.Text.Json.Nodes;
using ThighSeg.Core.Abstractions;

namespace ThighSeg.Torch.Training;

/// <summary>
/// Stops a contrastive pretraining attempt as soon as it has collapsed: at the end of any epoch from
/// <c>checkEpochs</c> on, an epoch-mean loss within 0.5 % of the collapse loss
/// (<see cref="PretrainResult.IsCollapsed"/>) marks the attempt collapsed and, when <c>stopOnCollapse</c>, ends it
/// (the caller then restarts). The verdict is checkpointed, so a rerun of a stopped attempt sees it again.
/// </summary>
internal sealed class CollapseMonitor(double collapseLoss, int checkEpochs, bool stopOnCollapse) : ITrainingCallback
{
    private const string Key = "collapsed";

    /// <summary>The progress phase reported when an attempt is stopped collapsed (its loss is the epoch's mean loss).</summary>
    public const string Phase = "collapse";

    /// <summary>Whether the attempt was found collapsed.</summary>
    public bool Collapsed { get; private set; }

    /// <inheritdoc/>
    public bool OnEpochEnd(TrainingLoop.EpochEnd end)
    {
        ArgumentNullException.ThrowIfNull(end);
        if (end.Epoch < checkEpochs && !end.IsLast)
        {
            return false;
        }
        Collapsed = PretrainResult.IsCollapsed(end.EpochLoss, collapseLoss);
        if (Collapsed && stopOnCollapse && !end.IsLast)
        {
            end.Progress?.Report(new TrainingProgress(Phase, end.Epoch, end.Epochs, end.Step, end.TotalSteps, end.EpochLoss, end.LearningRate, end.Elapsed));
            return true;
        }
        return false;
    }

    /// <inheritdoc/>
    public void SaveState(JsonObject extra, List<byte[]> blobs)
    {
        ArgumentNullException.ThrowIfNull(extra);
        extra[Key] = Collapsed;
    }

    /// <inheritdoc/>
    public void LoadState(JsonObject extra, IReadOnlyList<byte[]> blobs)
    {
        ArgumentNullException.ThrowIfNull(extra);
        Collapsed = extra[Key]?.GetValue<bool>() ?? false;
    }
}
