namespace ThighSeg.Core.Data;

/// <summary>
/// One stack of axial slices in network space (for example one thigh of one subject after canonical orientation,
/// thigh split, mirroring, resampling, crop/pad and intensity normalisation): <see cref="Depth"/> slices of
/// <see cref="Height"/> x <see cref="Width"/> pixels, with labels when the subject is labelled.
/// </summary>
/// <remarks>
/// Pixel order is slice-major then row-major: pixel (x, y) of slice k is at <c>k·H·W + y·W + x</c>, slice 0 the most
/// inferior (canonical RAS+ orientation). Slice k has the normalised axial position <see cref="Position"/>: the one
/// assigned by <see cref="WithPositions"/> (for example from the scanner's z by <see cref="SlicePositions"/>), else its
/// place in its own stack, <c>p = (k + 1) / Depth</c>.
/// </remarks>
public sealed class SliceStack
{
    private readonly double[]? _axialMm;
    private readonly double[]? _positions;

    /// <summary>Creates a stack; arrays are used as given (not copied).</summary>
    /// <param name="subjectId">The subject the stack comes from.</param>
    /// <param name="part">Which part of the subject.</param>
    /// <param name="width">Slice width in pixels.</param>
    /// <param name="height">Slice height in pixels.</param>
    /// <param name="depth">Number of slices.</param>
    /// <param name="image">Normalised intensities, slice-major then row-major.</param>
    /// <param name="labels">Label values in the same layout, or null.</param>
    /// <param name="axialMm">Optional: each slice's axial world coordinate (the scanner's z, mm, at the slice centre),
    /// <paramref name="depth"/> finite values; null when unknown.</param>
    /// <exception cref="ArgumentException">Sizes are not positive or arrays do not match them.</exception>
    public SliceStack(string subjectId, string part, int width, int height, int depth, float[] image, int[]? labels, double[]? axialMm = null)
        : this(subjectId, part, width, height, depth, image, labels, axialMm, null)
    {
    }

    /// <summary>The one constructor: checks every value; <paramref name="positions"/> are checked by <see cref="WithPositions"/>.</summary>
    private SliceStack(string subjectId, string part, int width, int height, int depth, float[] image, int[]? labels, double[]? axialMm, double[]? positions)
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
        if (axialMm is not null && (axialMm.Length != depth || !axialMm.All(double.IsFinite)))
        {
            throw new ArgumentException($"Axial coordinates must be {depth} finite values (one per slice), got {axialMm.Length}{(axialMm.All(double.IsFinite) ? "" : " with a non-finite value")}.", nameof(axialMm));
        }
        SubjectId = subjectId;
        Part = part;
        _axialMm = axialMm;
        _positions = positions;
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

    /// <summary>Each slice's axial world coordinate (mm, the scanner's z at the slice centre), or null when unknown.</summary>
    public IReadOnlyList<double>? AxialMm => _axialMm;

    /// <summary>Whether <see cref="Position"/> returns assigned positions (<see cref="WithPositions"/>) rather than slice places.</summary>
    public bool HasAssignedPositions => _positions is not null;

    /// <summary>Pixels per slice.</summary>
    public int SliceSize => Width * Height;

    /// <summary>The normalised axial position of slice <paramref name="k"/>: the assigned one (<see cref="WithPositions"/>),
    /// else <c>(k + 1) / Depth</c>.</summary>
    public double Position(int k) => _positions is null ? (k + 1.0) / Depth : _positions[k];

    /// <summary>
    /// The same stack (same arrays, not copied) whose slices have the given normalised positions, used by positional
    /// pretraining instead of <c>(k + 1) / Depth</c> (see <see cref="SlicePositions"/>).
    /// </summary>
    /// <param name="positions"><see cref="Depth"/> finite values, in [0, 1].</param>
    /// <exception cref="ArgumentException">Wrong count or a value outside [0, 1].</exception>
    public SliceStack WithPositions(IReadOnlyList<double> positions)
    {
        ArgumentNullException.ThrowIfNull(positions);
        if (positions.Count != Depth || positions.Any(p => !(p is >= 0 and <= 1)))
        {
            throw new ArgumentException($"Stack '{SubjectId}' ({Part}) needs {Depth} positions in [0, 1], got {positions.Count}{(positions.All(p => p is >= 0 and <= 1) ? "" : " with a value outside [0, 1]")}.", nameof(positions));
        }
        return new SliceStack(SubjectId, Part, Width, Height, Depth, Image, Labels, _axialMm, [.. positions]);
    }

    /// <summary>The pixels of slice <paramref name="k"/> (a view).</summary>
    public ReadOnlyMemory<float> SliceImage(int k) => Image.AsMemory(k * SliceSize, SliceSize);

    /// <summary>The labels of slice <paramref name="k"/> (a view); empty when unlabelled.</summary>
    public ReadOnlyMemory<int> SliceLabels(int k) => Labels is null ? ReadOnlyMemory<int>.Empty : Labels.AsMemory(k * SliceSize, SliceSize);
}
