using System.Collections.Concurrent;
using ThighSeg.Core.Data;
using ThighSeg.Core.Volumes;

namespace ThighSeg.Core.Tables;

/// <summary>What a per-case table sees of one predicted case.</summary>
/// <param name="CaseId">The case's id (its output name; the first column of every per-case table).</param>
/// <param name="Image">The input image, in its own geometry.</param>
/// <param name="Labels">The predicted label map, in the image's geometry.</param>
/// <param name="Classes">The label map's names (value 0 is background).</param>
public sealed record CaseTableInput(string CaseId, Volume<float> Image, Volume<int> Labels, LabelMap Classes)
{
    private readonly ConcurrentDictionary<string, object> _derived = new(StringComparer.Ordinal);

    /// <summary>
    /// A result derived from this case that several tables share (e.g. the per-muscle statistics behind both the
    /// per-muscle and the per-slice table): computed by the first table that asks for <paramref name="key"/>, then
    /// returned as it is. The key must name the computation and every setting it depends on.
    /// </summary>
    public T Derived<T>(string key, Func<CaseTableInput, T> compute) where T : class
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(compute);
        return (T)_derived.GetOrAdd(key, (_, input) => compute(input), this);
    }
}
