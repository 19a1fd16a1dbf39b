namespace ThighSeg.Core.Data;

/// <summary>
/// One stack of axial slices in network space (for example one thigh of one subject after canonical orientation,
/// thigh split, mirroring, resampling, crop/pad and intensity normalisation): <see cref="Depth"/> slices of
/// <see cref="Height"/> x <see cref="Width"/> pixels, with labels when the subject is labelled.
/// </summary>
/// <remarks>
/// Pixel order is slice-major then row-major: pixel (x, y) of slice k is at <c>k·H·W + y·W + x</c>. Slice k has the
/// normalised axial position <c>p = (k + 1) / Depth</c>, counted from the inferior end (canonical RAS+ orientation).
/// </remarks>
public sealed class SliceStack
{
    /// <summary>Creates a stack; arrays are used as given (not copied).</summary>
    /// <exception cref="ArgumentException">Sizes are not positive or arrays do not match them.</exception>
    public SliceStack(string subjectId, string part, int width, int height, int depth, float[] image, int[]? labels)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subjectId);
        ArgumentException.ThrowIfNullOrWhiteSpace(part);
        if (width <= 0 || height <= 0 || depth <= 0)
        {
            throw new ArgumentException($"Stack size must be positive, got {width}x{height}x{depth}.");
        }
        ArgumentNullException.ThrowIfNull(image);
        long n = (long)width * height * depth;
        if (image.LongLength != n)
        {
            throw new ArgumentException($"Image has {image.LongLength} values, stack {width}x{height}x{depth} needs {n}.", nameof(image));
        }
        if (labels is not null && labels.LongLength != n)
        {
            throw new ArgumentException($"Labels have {labels.LongLength} values, stack {width}x{height}x{depth} needs {n}.", nameof(labels));
        }
        SubjectId = subjectId;
        Part = part;
        Width = width;
        Height = height;
        Depth = depth;
        Image = image;
        Labels = labels;
    }

    /// <summary>The subject the stack comes from; slices of one subject never cross a split.</summary>
    public string SubjectId { get; }

    /// <summary>Which part of the subject (for example <c>left</c>, <c>right</c> or <c>whole</c>).</summary>
    public string Part { get; }

    /// <summary>Slice width in pixels.</summary>
    public int Width { get; }

    /// <summary>Slice height in pixels.</summary>
    public int Height { get; }

    /// <summary>Number of slices.</summary>
    public int Depth { get; }

    /// <summary>Normalised intensities, slice-major then row-major.</summary>
    public float[] Image { get; }

    /// <summary>Label values (as in the dataset's label map), same layout as <see cref="Image"/>; null when unlabelled.</summary>
    public int[]? Labels { get; }

    /// <summary>Pixels per slice.</summary>
    public int SliceSize => Width * Height;

    /// <summary>The normalised axial position of slice <paramref name="k"/>: <c>(k + 1) / Depth</c>.</summary>
    public double Position(int k) => (k + 1.0) / Depth;

    /// <summary>The pixels of slice <paramref name="k"/> (a view).</summary>
    public ReadOnlyMemory<float> SliceImage(int k) => Image.AsMemory(k * SliceSize, SliceSize);

    /// <summary>The labels of slice <paramref name="k"/> (a view); empty when unlabelled.</summary>
    public ReadOnlyMemory<int> SliceLabels(int k) => Labels is null ? ReadOnlyMemory<int>.Empty : Labels.AsMemory(k * SliceSize, SliceSize);
}
