using Microsoft.ML;
using Microsoft.ML.Data;

namespace ThighSeg.ML.Internal;

/// <summary>
/// The rows of <see cref="Input"/>, unchanged, carrying the <see cref="PretrainedEncoderTransformer"/> that produced
/// them (by name, in the schema; see the remarks): what <see cref="PretrainedEncoderTransformer.Transform"/> returns, so that a <see cref="SegmentationEstimator"/>
/// appended to an <see cref="EncoderPretrainingEstimator"/> (<c>PretrainEncoder(...).Append(Segmentation(...))</c>)
/// fine-tunes from the encoder that was just pretrained.
/// </summary>
/// <remarks>
/// The encoder is named in the schema, as the <see cref="AnnotationName"/> annotation (text: the encoder's folder)
/// of the image column. Transforms appended between the two estimators wrap this view, but pass the image column, and
/// its annotations, through; the segmentation estimator finds the encoder there instead of silently starting from
/// random weights.
/// </remarks>
internal sealed class EncoderCarryingDataView : IDataView
{
    /// <summary>The annotation of the image column that names the pretrained encoder's folder.</summary>
    public const string AnnotationName = "ThighSeg.PretrainedEncoderDirectory";

    public EncoderCarryingDataView(IDataView input, PretrainedEncoderTransformer encoder)
    {
        Input = input;
        var builder = new DataViewSchema.Builder();
        foreach (var column in input.Schema)
        {
            if (column.Name == encoder.ImageColumnName && !column.IsHidden)
            {
                var annotations = new DataViewSchema.Annotations.Builder();
                annotations.Add(column.Annotations, name => name != AnnotationName);
                annotations.Add(AnnotationName, TextDataViewType.Instance, (ref ReadOnlyMemory<char> value) => value = encoder.ModelDirectory.AsMemory());
                builder.AddColumn(column.Name, column.Type, annotations.ToAnnotations());
            }
            else
            {
                builder.AddColumn(column.Name, column.Type, column.Annotations);
            }
        }
        Schema = builder.ToSchema();
    }

    /// <summary>The data, as given to the encoder transformer.</summary>
    public IDataView Input { get; }

    public bool CanShuffle => Input.CanShuffle;

    /// <summary>The input's schema with the image column annotated (<see cref="AnnotationName"/>).</summary>
    public DataViewSchema Schema { get; }

    public long? GetRowCount() => Input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        new Cursor(Input.GetRowCursor(Inner(columnsNeeded), rand), Schema);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        Input.GetRowCursorSet(Inner(columnsNeeded), n, rand).Select(c => (DataViewRowCursor)new Cursor(c, Schema)).ToArray();

    /// <summary>Columns of this schema as the input's columns at the same indices.</summary>
    private IEnumerable<DataViewSchema.Column> Inner(IEnumerable<DataViewSchema.Column> columns) => columns.Select(c => Input.Schema[c.Index]);

    /// <summary>The input's cursor, reporting this view's schema (same columns and indices).</summary>
    private sealed class Cursor(DataViewRowCursor inner, DataViewSchema schema) : DataViewRowCursor
    {
        public override DataViewSchema Schema => schema;

        public override long Position => inner.Position;

        public override long Batch => inner.Batch;

        public override bool MoveNext() => inner.MoveNext();

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => inner.GetGetter<TValue>(inner.Schema[column.Index]);

        public override ValueGetter<DataViewRowId> GetIdGetter() => inner.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) => inner.IsColumnActive(inner.Schema[column.Index]);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
