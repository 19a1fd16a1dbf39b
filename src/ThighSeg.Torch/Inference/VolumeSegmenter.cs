using System.Text.Json;
using System.Text.Json.Nodes;
using ThighSeg.Core.Abstractions;
using ThighSeg.Core.Postprocessing;
using ThighSeg.Core.Preprocessing;
using ThighSeg.Core.Volumes;
using ThighSeg.Torch.Artifacts;
using ThighSeg.Torch.Training;

namespace ThighSeg.Torch.Inference;

/// <summary>
/// Segments whole volumes with a trained model: file space → network space (the model's own preprocessing:
/// canonical orientation, thigh split and mirror, resampling, normalisation) → batched slice prediction → back to the
/// input's exact geometry, resolution-aware: class probabilities are interpolated to the input grid and the argmax is
/// taken there (<see cref="Preprocessor.RestoreFromProbabilities"/>).
/// </summary>
/// <remarks>Owns the model and disposes it. Not thread-safe: use one instance per thread.</remarks>
public sealed class VolumeSegmenter : IDisposable
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };
    private readonly Preprocessor _preprocessor;

    /// <summary>Wraps a trained model and the preprocessing it was trained with.</summary>
    public VolumeSegmenter(ISegmentationModel model, PreprocessingOptions preprocessing)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        ArgumentNullException.ThrowIfNull(preprocessing);
        preprocessing.Validate();
        _preprocessor = new Preprocessor(preprocessing);
    }

    /// <summary>The segmentation model.</summary>
    public ISegmentationModel Model { get; }

    /// <summary>The preprocessing that maps volumes to the model's input space.</summary>
    public PreprocessingOptions Preprocessing => _preprocessor.Options;

    /// <summary>Loads a model folder written by fine-tuning; everything needed is rebuilt from its manifest.json.</summary>
    /// <param name="modelDirectory">The model folder.</param>
    /// <param name="device">Where to predict.</param>
    /// <param name="performance">Precision, layout and cuDNN autotuning of predictions (default fp32, channels-last); bf16
    /// labels can differ from fp32 ones in a few boundary voxels (docs/training.md).</param>
    /// <exception cref="ModelFormatException">The folder is missing, corrupt, incompatible, or has no preprocessing description.</exception>
    public static VolumeSegmenter Load(string modelDirectory, ComputeDevice device = ComputeDevice.Auto, PerformanceOptions? performance = null)
    {
        var manifest = ModelArtifact.ReadManifest(modelDirectory);
        var preprocessing = ReadPreprocessing(manifest.Preprocessing, modelDirectory);
        var model = UNetSegmentationModel.Load(modelDirectory, device, performance);
        return new VolumeSegmenter(model, preprocessing);
    }

    /// <summary>The JSON stored in a model manifest for <paramref name="options"/>.</summary>
    public static JsonObject PreprocessingJson(PreprocessingOptions options) =>
        JsonSerializer.SerializeToNode(options ?? throw new ArgumentNullException(nameof(options)), Json)!.AsObject();

    /// <summary>Reads preprocessing options back from a manifest's JSON.</summary>
    /// <exception cref="ModelFormatException">Missing or invalid.</exception>
    public static PreprocessingOptions ReadPreprocessing(JsonObject? json, string source)
    {
        if (json is null)
        {
            throw new ModelFormatException($"Model '{source}' has no preprocessing description in its manifest; it cannot predict volumes (was it saved by fine-tuning?).");
        }
        try
        {
            var options = json.Deserialize<PreprocessingOptions>(Json) ?? throw new JsonException("null");
            options.Validate();
            return options;
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or NotSupportedException)
        {
            throw new ModelFormatException($"Model '{source}' has an invalid preprocessing description: {ex.Message}", ex);
        }
    }

    /// <summary>Predicts the labels of <paramref name="image"/> in its own geometry (largest-component clean-up after restoring, when asked).</summary>
    /// <param name="image">The image (any orientation; both thighs or one).</param>
    /// <param name="options">Prediction options.</param>
    /// <param name="subjectId">A name for messages.</param>
    public VolumePrediction Predict(Volume<float> image, VolumePredictionOptions? options = null, string subjectId = "input")
    {
        ArgumentNullException.ThrowIfNull(image);
        options ??= VolumePredictionOptions.Default;
        var prepared = Prepare(image, subjectId);
        var prediction = Model.RestoreVolume(prepared, PredictStacks(prepared, options), options.WithProbabilities);
        return prediction with { Labels = CleanUp(prediction.Labels, prepared, options) };
    }

    /// <summary>
    /// Stage 1 of <see cref="Predict"/> in stages (for pipelines that overlap CPU work with the network): canonical
    /// orientation, thigh split, resampling and normalisation to the model's slice stacks. CPU only, no tensors; safe to
    /// call from another thread while the network runs.
    /// </summary>
    /// <param name="image">The image (any orientation; both thighs or one).</param>
    /// <param name="subjectId">A name for messages.</param>
    public PreparedSubject Prepare(Volume<float> image, string subjectId = "input")
    {
        ArgumentNullException.ThrowIfNull(image);
        return _preprocessor.Prepare(image, null, subjectId);
    }

    /// <summary>Stage 2: the network on every stack of <paramref name="prepared"/> (labels and the class probabilities
    /// that <see cref="Restore"/> interpolates). Call it from one thread: the thread that owns the model's tensors.</summary>
    /// <param name="prepared">The output of <see cref="Prepare"/>.</param>
    /// <param name="options">Prediction options (<see cref="VolumePredictionOptions.FlipTta"/>).</param>
    public IReadOnlyList<StackPrediction> PredictStacks(PreparedSubject prepared, VolumePredictionOptions? options = null)
    {
        return Model.PredictStacks(prepared, (options ?? VolumePredictionOptions.Default).FlipTta);
    }

    /// <summary>Stage 3: the labels in the image's geometry (thighs merged, mirroring undone, class probabilities
    /// interpolated to the original grid and the argmax taken there, largest component kept when asked); the same
    /// labels <see cref="Predict"/> gives. CPU only, no tensors; safe to call while <see cref="PredictStacks"/> runs.</summary>
    /// <param name="prepared">The output of <see cref="Prepare"/>.</param>
    /// <param name="stacks">The output of <see cref="PredictStacks"/> for it.</param>
    /// <param name="options">Prediction options (<see cref="VolumePredictionOptions.KeepLargestComponent"/>).</param>
    public Volume<int> Restore(PreparedSubject prepared, IReadOnlyList<StackPrediction> stacks, VolumePredictionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(prepared);
        return CleanUp(Model.RestoreVolume(prepared, stacks).Labels, prepared, options ?? VolumePredictionOptions.Default);
    }

    private static Volume<int> CleanUp(Volume<int> labels, PreparedSubject prepared, VolumePredictionOptions options) =>
        options.KeepLargestComponent ? LargestComponent.KeepLargest(labels, componentsPerLabel: prepared.Stacks.Count) : labels;

    /// <inheritdoc />
    public void Dispose() => Model.Dispose();
}
