using System.Collections.Concurrent;
using TorchSharp;

namespace ThighSeg.Torch.Interop;

/// <summary>
/// Long-lived TorchSharp <see cref="Scalar"/>s for constants. Every tensor operation in ThighSeg that takes a scalar
/// gets it from here (or from a <c>using</c> local for a value that changes every step), never from an implicit
/// conversion.
/// </summary>
/// <remarks>
/// TorchSharp 0.107's implicit <c>double</c>/<c>int</c> → <see cref="Scalar"/> conversion creates a finalisable object
/// that nothing references once its native handle has been read. If a garbage collection runs while libtorch still
/// reads that handle (any thread may trigger one), the finaliser frees the scalar under libtorch's feet: the run dies
/// with "Expected false to be true ... toFloat" or "argument alpha must not be a floating point number" after hundreds
/// or thousands of steps. The same happens for the hidden <c>alpha = 1</c> of <c>Tensor + Tensor</c> and of the
/// one-argument <c>add</c>/<c>add_</c> (TorchSharp's tensor <c>sub</c> has no scalar). Cached scalars are never finalised; values are keyed by their bit pattern and the set of distinct
/// values is small (constants and option values), so the cache stays tiny. See docs/training.md.
/// </remarks>
internal static class Scalars
{
    private static readonly ConcurrentDictionary<long, Scalar> Doubles = new();

    /// <summary>The integer 1 (the <c>alpha</c> of a plain tensor addition).</summary>
    public static readonly Scalar One = 1L.ToScalar();

    /// <summary>The integer 0.</summary>
    public static readonly Scalar Zero = 0L.ToScalar();

    /// <summary>The boolean <c>false</c>.</summary>
    public static readonly Scalar False = false.ToScalar();

    /// <summary>A cached double scalar for <paramref name="value"/>.</summary>
    public static Scalar Of(double value) => Doubles.GetOrAdd(BitConverter.DoubleToInt64Bits(value), static (_, v) => v.ToScalar(), value);
}
