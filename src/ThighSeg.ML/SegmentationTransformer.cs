using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using ThighSeg.Core;
using ThighSeg.Core.Abstractions;
using ThighSeg.Core.Data;
using ThighSeg.Core.Preprocessing;
using ThighSeg.IO;
using ThighSeg.ML.Internal;
using ThighSeg.Torch;
using ThighSeg.Torch.Artifacts;
using ThighSeg.Torch.Inference;
using ThighSeg.Torch.Training;

namespace ThighSeg.ML;

/// <summary>
/// A fitted ThighSeg segmentation model as an ML.NET transformer. It maps a text column of image paths (NIfTI
/// <c>.nii</c>/<c>.nii.gz</c> files or DICOM series folders) to two new columns:
/// <list type="bullet">
/// <item><see cref="PredictedMaskColumnName"/> (text): the path of the predicted label map, written as
/// <c>&lt;OutputDirectory&gt;/&lt;input name&gt;.nii.gz</c> in the input's exact geometry (shape and affine) with the
/// label names stored in the file;</item>
/// <item><see cref="VolumesColumnName"/> (vector of <see cref="float"/>, one slot per muscle): the predicted volume of
/// each muscle in millilitres. The column's <c>SlotNames</c> annotation holds the muscle names
/// (<see cref="MuscleNames"/>), the ML.NET way to name vector slots.</item>
/// </list>
/// Rows are evaluated lazily, when a cursor reads one of the two new columns; all other columns pass through.
/// </summary>
/// <remarks>
/// <para>Save and load it with <c>mlContext.Model.Save</c>/<c>Load</c>: the model-artifact files (<c>manifest.json</c> and
/// the weights) are stored inside the ML.NET zip. Call <c>mlContext.ThighSeg()</c> once on a context before
/// <c>mlContext.Model.Load</c>; that registers ThighSeg's loaders with the context's component catalog.</para>
/// <para>Thread safety: predictions are serialised by a lock (the network is not re-entrant), so cursors on several
/// threads are safe but not parallel. Dispose the transformer to free the network's native memory and its scratch
/// folder. Native packages: the application must reference a libtorch backend (for example
/// <c>libtorch-cpu-linux-x64</c>); see docs/api.md.</para>
/// </remarks>
public sealed class SegmentationTransformer : ITransformer, IDisposable
{
    internal const string LoaderSignature = "ThighSegSegmenter";
    internal const string SlotNamesKind = "SlotNames";
    private const string ModelSignature = "THSGSEGM";
    private const uint FormatVersion = 0x00010001;

    private readonly ArtifactFiles _files;
    private readonly ScratchDirectory _scratch;
    private readonly IHost _host;
    private readonly object _gate = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _maskSources = new(StringComparer.Ordinal);
    private VolumeSegmenter? _segmenter;
    private bool _disposed;

    internal SegmentationTransformer(IHostEnvironment env, ArtifactFiles files, string imageColumnName, string predictedMaskColumnName,
        string volumesColumnName, string outputDirectory, bool flipTta, ComputeDevice device)
    {
        ArgumentNullException.ThrowIfNull(env);
        _host = env.Register(nameof(SegmentationTransformer));
        _files = files;
        _scratch = new ScratchDirectory("segmentation");
        try
        {
            files.WriteTo(_scratch.Path);
            Manifest = ModelArtifact.ReadManifest(_scratch.Path);
            if (Manifest.Kind != ModelKind.Segmentation)
            {
                throw new ModelFormatException("The model holds a pretrained encoder, not a segmentation model; fine-tune it first.");
            }
            Preprocessing = PreprocessingJson.FromJson(Manifest.Preprocessing);
        }
        catch
        {
            _scratch.Dispose();
            throw;
        }
        Classes = Manifest.Classes!;
        MuscleNames = Classes.Values.Where(v => v != 0).Select(Classes.Name).ToArray();
        ImageColumnName = imageColumnName;
        PredictedMaskColumnName = predictedMaskColumnName;
        VolumesColumnName = volumesColumnName;
        OutputDirectory = Path.GetFullPath(outputDirectory);
        FlipTta = flipTta;
        Device = device;
    }

    /// <summary>Name of the input column of image paths (text).</summary>
    public string ImageColumnName { get; }

    /// <summary>Name of the output column of predicted label-map paths (text).</summary>
    public string PredictedMaskColumnName { get; }

    /// <summary>Name of the output column of muscle volumes in mL (vector of <see cref="float"/>, slots named by <see cref="MuscleNames"/>).</summary>
    public string VolumesColumnName { get; }

    /// <summary>Folder the predicted label maps are written to (absolute path; created on first use).</summary>
    public string OutputDirectory { get; }

    /// <summary>Whether predictions average the network's output on each slice and its left-right mirror.</summary>
    public bool FlipTta { get; }

    /// <summary>The device predictions run on.</summary>
    public ComputeDevice Device { get; }

    /// <summary>The model's manifest: network, label map, preprocessing and training provenance.</summary>
    public ModelManifest Manifest { get; }

    /// <summary>The label values the model predicts (0 is background).</summary>
    public LabelMap Classes { get; }

    /// <summary>Names of the muscles, one per foreground label in ascending label value: the slot names of <see cref="VolumesColumnName"/>.
    /// A label without a name in the model is called <c>label_&lt;value&gt;</c>.</summary>
    public IReadOnlyList<string> MuscleNames { get; }

    /// <summary>How inputs are mapped to network space (stored in the model).</summary>
    public PreprocessingOptions Preprocessing { get; }

    /// <summary>
    /// A folder holding this model as a ThighSeg model artifact (<c>manifest.json</c> + weights), usable with the
    /// <c>thighseg</c> tool or <see cref="UNetSegmentationModel.Load"/>. It is a private scratch folder deleted by
    /// <see cref="Dispose"/>: copy it to keep it.
    /// </summary>
    public string ModelDirectory => _scratch.Path;

    /// <inheritdoc/>
    public bool IsRowToRowMapper => true;

    /// <summary>The schema after <see cref="Transform"/>: the input's columns plus the two output columns.</summary>
    /// <exception cref="SchemaMismatchException">The image column is missing or not text; the message names it.</exception>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return new SegmentationBinding(this, inputSchema).Output;
    }

    /// <inheritdoc/>
    /// <exception cref="SchemaMismatchException">The image column is missing or not text.</exception>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return new SegmentationRowMapper(new SegmentationBinding(this, inputSchema));
    }

    /// <summary>Adds the predicted-mask and volume columns (lazily evaluated).</summary>
    /// <exception cref="SchemaMismatchException">The image column is missing or not text.</exception>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        ObjectDisposedException.ThrowIf(_disposed, this);
        return new SegmentationDataView(new SegmentationBinding(this, input.Schema), input);
    }

    /// <summary>Segments one volume: writes its label map to <see cref="OutputDirectory"/> and measures each muscle.</summary>
    /// <param name="imagePath">A NIfTI file or DICOM series folder.</param>
    /// <exception cref="VolumeFormatException">The image cannot be read.</exception>
    /// <exception cref="ThighSegException">The output would overwrite the input, or the image cannot be processed.</exception>
    public SegmentationResult Segment(string imagePath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(imagePath);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var image = VolumeFormats.Default.Read(imagePath).Image;
        string maskPath = Path.GetFullPath(Path.Combine(OutputDirectory, SubjectIds.FromPath(imagePath) + ".nii.gz"));
        string source = Path.GetFullPath(imagePath);
        if (string.Equals(source, maskPath, StringComparison.Ordinal))
        {
            throw new ThighSegException($"The prediction for '{imagePath}' would overwrite the image itself; choose another output folder.");
        }
        // Two inputs with the same name in different folders would write one label map over the other, and both rows
        // would point at the survivor: refuse the second instead.
        string owner = _maskSources.GetOrAdd(maskPath, source);
        if (!string.Equals(owner, source, StringComparison.Ordinal))
        {
            throw new ThighSegException($"'{imagePath}' and '{owner}' have the same name, so both predictions would be written to '{maskPath}'; rename one of them, or segment them with transformers of different output folders.");
        }
        Core.Volumes.Volume<int> labels;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            // The one file -> labels path (the CLI's too): the model and the preprocessing rebuilt from the artifact's manifest.
            _segmenter ??= VolumeSegmenter.Load(_scratch.Path, Device);
            labels = _segmenter.Predict(image, new VolumePredictionOptions(FlipTta: FlipTta), SubjectIds.FromPath(imagePath)).Labels;
        }
        Directory.CreateDirectory(OutputDirectory);
        VolumeFormats.Default.WriteLabels(maskPath, labels, Classes.Names);
        var foreground = Classes.Values.Where(v => v != 0).ToArray();
        return new SegmentationResult(maskPath, Core.Metrics.MuscleVolumes.VolumesMl(labels, foreground));
    }

    /// <summary>Saves the transformer (settings plus the model-artifact files) into an ML.NET model.</summary>
    void ICanSaveModel.Save(ModelSaveContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ObjectDisposedException.ThrowIf(_disposed, this);
        MLNetBridge.BeginSave(ctx, VersionInfo());
        var w = MLNetBridge.Writer(ctx);
        w.Write(ImageColumnName);
        w.Write(PredictedMaskColumnName);
        w.Write(VolumesColumnName);
        w.Write(OutputDirectory);
        w.Write(FlipTta);
        w.Write((int)Device);
        _files.Save(ctx, w);
    }

    private static object VersionInfo() => MLNetBridge.VersionInfo(ModelSignature, FormatVersion, LoaderSignature, typeof(SegmentationTransformer).Assembly);

    internal static SegmentationTransformer Load(IHostEnvironment env, object ctx)
    {
        MLNetBridge.BeginLoad(ctx, VersionInfo());
        var r = MLNetBridge.Reader(ctx);
        string image = r.ReadString(), mask = r.ReadString(), volumes = r.ReadString(), output = r.ReadString();
        bool flip = r.ReadBoolean();
        var device = (ComputeDevice)r.ReadInt32();
        if (!Enum.IsDefined(device))
        {
            device = ComputeDevice.Auto;
        }
        var files = ArtifactFiles.Load(ctx, r);
        return new SegmentationTransformer(env, files, image, mask, volumes, output, flip, device);
    }

    /// <summary>Frees the network's native memory and deletes <see cref="ModelDirectory"/>.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            _segmenter?.Dispose();
            _segmenter = null;
            _scratch.Dispose();
        }
    }
}
