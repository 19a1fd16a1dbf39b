using System.Text.Json.Nodes;

namespace ThighSeg.Torch.Training;

/// <summary>
/// A part of a <see cref="TrainingLoop"/> run that acts after each epoch (for example validation, best-model selection
/// and early stopping) and whose state is checkpointed with the run so that a resumed run continues exactly.
/// </summary>
internal interface ITrainingCallback
{
    /// <summary>Called after every epoch (<see cref="TrainingLoop.EpochEnd.Epoch"/>, 1-based); returns true to stop
    /// training after this epoch.</summary>
    bool OnEpochEnd(TrainingLoop.EpochEnd end);

    /// <summary>Adds the callback's state to a checkpoint: small values to <paramref name="extra"/>, large ones to <paramref name="blobs"/>.</summary>
    void SaveState(JsonObject extra, List<byte[]> blobs);

    /// <summary>Restores the state written by <see cref="SaveState"/>.</summary>
    void LoadState(JsonObject extra, IReadOnlyList<byte[]> blobs);
}
