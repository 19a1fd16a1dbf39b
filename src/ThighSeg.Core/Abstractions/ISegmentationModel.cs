using ThighSeg.Core.Data;

namespace ThighSeg.Core.Abstractions;

/// <summary>A trained segmentation model. Owns native memory: dispose it.</summary>
/// <remarks>Not thread-safe: call <see cref="Predict"/> from one thread at a time.</remarks>
public interface ISegmentationModel : IDisposable
{
    /// <summary>The label values the model predicts and their class indices.</summary>
    LabelMap Classes { get; }

    /// <summary>The network configuration.</summary>
    UNetOptions Network { get; }

    /// <summary>Segments every slice of <paramref name="stack"/> (batched; optional left-right flip test-time augmentation).</summary>
    /// <param name="stack">Slices of the size the model was trained on.</param>
    /// <param name="withProbabilities">Also return per-class softmax probabilities.</param>
    /// <param name="flipTta">Mirror test-time augmentation: average the softmax of the slice and its left-right mirror
    /// when the model was trained with random flips; a model trained without flips predicts without mirroring (as
    /// nnU-Net mirrors only along the axes its training mirrored).</param>
    /// <exception cref="ArgumentException">The slice size does not fit the network.</exception>
    StackPrediction Predict(SliceStack stack, bool withProbabilities = false, bool flipTta = false);

    /// <summary>Writes the model artifact (<c>manifest.json</c> + weights) to <paramref name="directory"/>, atomically per file.</summary>
    /// <param name="directory">Target folder, created when missing.</param>
    /// <param name="preprocessing">Opaque description of the preprocessing the inputs need, stored in the manifest (or null).</param>
    void Save(string directory, System.Text.Json.Nodes.JsonObject? preprocessing = null);
}
