using Microsoft.ML;

namespace ThighSeg.ML.Internal;

/// <summary>
/// The rows of <see cref="Input"/>, unchanged, carrying the <see cref="PretrainedEncoderTransformer"/> that produced
/// them: what <see cref="PretrainedEncoderTransformer.Transform"/> returns, so that a <see cref="SegmentationEstimator"/>
/// appended to an <see cref="EncoderPretrainingEstimator"/> (<c>PretrainEncoder(...).Append(Segmentation(...))</c>)
/// fine-tunes from the encoder that was just pretrained.
/// </summary>
internal sealed class EncoderCarryingDataView(IDataView input, PretrainedEncoderTransformer encoder) : IDataView
{
    /// <summary>The data, as given to the encoder transformer.</summary>
    public IDataView Input { get; } = input;

    /// <summary>The encoder that passed the data through.</summary>
    public PretrainedEncoderTransformer Encoder { get; } = encoder;

    public bool CanShuffle => Input.CanShuffle;

    public DataViewSchema Schema => Input.Schema;

    public long? GetRowCount() => Input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        Input.GetRowCursor(columnsNeeded, rand);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        Input.GetRowCursorSet(columnsNeeded, n, rand);
}
