using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using ThighSeg.Core.Abstractions;
using ThighSeg.ML.Internal;
using ThighSeg.Torch.Artifacts;

namespace ThighSeg.ML;

/// <summary>
/// A pretrained U-Net encoder, as an ML.NET transformer. Pretraining yields model parameters rather than a row mapping,
/// so <see cref="Transform"/> passes the data through unchanged (it only checks the image column); the value of this
/// transformer is its encoder, in <see cref="ModelDirectory"/>, which initialises a <see cref="SegmentationEstimator"/>
/// (<c>mlContext.ThighSeg().Segmentation(encoder, ...)</c>). Saved with <c>mlContext.Model.Save</c> together with
/// its encoder artifact files.
/// </summary>
/// <remarks>Immutable; thread-safe. Dispose it to delete its scratch folder.</remarks>
public sealed class PretrainedEncoderTransformer : ITransformer, IDisposable
{
    internal const string LoaderSignature = "ThighSegEncoder";
    private const string ModelSignature = "THSGENCD";
    private const uint FormatVersion = 0x00010001;

    private readonly ArtifactFiles _files;
    private readonly ScratchDirectory _scratch;
    private readonly double[] _losses;

    internal PretrainedEncoderTransformer(IHostEnvironment env, ArtifactFiles files, string imageColumnName, IReadOnlyList<double> lossHistory)
    {
        ArgumentNullException.ThrowIfNull(env);
        _files = files;
        _losses = lossHistory.ToArray();
        ImageColumnName = imageColumnName;
        _scratch = new ScratchDirectory("encoder");
        try
        {
            files.WriteTo(_scratch.Path);
            Manifest = ModelArtifact.ReadManifest(_scratch.Path);
        }
        catch
        {
            _scratch.Dispose();
            throw;
        }
    }

    /// <summary>Input column of image paths (text).</summary>
    public string ImageColumnName { get; }

    /// <summary>The encoder artifact's manifest (network, method, provenance).</summary>
    public ModelManifest Manifest { get; }

    /// <summary>The U-Net configuration of the encoder; fine-tuning must use the same.</summary>
    public UNetOptions Network => Manifest.Network;

    /// <summary>Mean contrastive loss of every epoch, in order.</summary>
    public IReadOnlyList<double> LossHistory => _losses;

    /// <summary>A scratch folder holding the encoder artifact (<c>manifest.json</c> + weights); deleted by <see cref="Dispose"/>.</summary>
    public string ModelDirectory => _scratch.Path;

    /// <inheritdoc/>
    public bool IsRowToRowMapper => false;

    /// <summary>The input schema, unchanged, after checking the image column.</summary>
    /// <exception cref="SchemaMismatchException">The image column is missing or not text; the message names it.</exception>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        DataViewIO.CheckTextColumn(inputSchema, ImageColumnName, "image");
        return inputSchema;
    }

    /// <summary>Not supported: this transformer maps no rows (<see cref="IsRowToRowMapper"/> is false).</summary>
    /// <exception cref="NotSupportedException">Always.</exception>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) =>
        throw new NotSupportedException("A pretrained encoder adds no columns; use it to initialise mlContext.ThighSeg().Segmentation(...).");

    /// <summary>
    /// Returns the rows of <paramref name="input"/> unchanged (same schema, same values) after checking the image column.
    /// The returned view carries this encoder: a <see cref="SegmentationEstimator"/> fitted on it directly (as in
    /// <c>PretrainEncoder(...).Append(Segmentation(...))</c>) fine-tunes from this encoder.
    /// </summary>
    /// <exception cref="SchemaMismatchException">The image column is missing or not text.</exception>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        GetOutputSchema(input.Schema);
        return new EncoderCarryingDataView(input is EncoderCarryingDataView carried ? carried.Input : input, this);
    }

    void ICanSaveModel.Save(ModelSaveContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        MLNetBridge.BeginSave(ctx, VersionInfo());
        var w = MLNetBridge.Writer(ctx);
        w.Write(ImageColumnName);
        w.Write(_losses.Length);
        foreach (double l in _losses)
        {
            w.Write(l);
        }
        _files.Save(ctx, w);
    }

    private static object VersionInfo() => MLNetBridge.VersionInfo(ModelSignature, FormatVersion, LoaderSignature, typeof(PretrainedEncoderTransformer).Assembly);

    internal static PretrainedEncoderTransformer Load(IHostEnvironment env, object ctx)
    {
        MLNetBridge.BeginLoad(ctx, VersionInfo());
        var r = MLNetBridge.Reader(ctx);
        string image = r.ReadString();
        int n = r.ReadInt32();
        if (n is < 0 or > 100_000_000)
        {
            throw new ModelFormatException(string.Create(CultureInfo.InvariantCulture, $"Corrupt pretrained-encoder model: {n} losses."));
        }
        var losses = new double[n];
        for (int i = 0; i < n; i++)
        {
            losses[i] = r.ReadDouble();
        }
        return new PretrainedEncoderTransformer(env, ArtifactFiles.Load(ctx, r), image, losses);
    }

    /// <summary>Deletes <see cref="ModelDirectory"/>.</summary>
    public void Dispose() => _scratch.Dispose();
}
