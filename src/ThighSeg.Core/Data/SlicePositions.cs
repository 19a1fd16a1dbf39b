using System.Globalization;
using ThighSeg.Core.Abstractions;

namespace ThighSeg.Core.Data;

/// <summary>
/// Assigns the normalised axial positions PCL compares (<see cref="SliceStack.Position"/>) from a
/// <see cref="PositionSource"/>: each slice's place in its own scan, or the scanner's z scaled over all stacks together.
/// </summary>
public static class SlicePositions
{
    /// <summary>
    /// The stacks with positions from <paramref name="source"/>: unchanged for <see cref="PositionSource.SliceIndex"/>
    /// (<c>(k + 1) / K</c>); for <see cref="PositionSource.ScannerZ"/> each slice's <see cref="SliceStack.AxialMm"/>
    /// mapped linearly from the range over all <paramref name="stacks"/> to [0, 1], so that equal positions are equal
    /// table positions in every scan.
    /// </summary>
    /// <exception cref="DatasetException">Scanner positions were asked for and a stack has no axial coordinates, or all
    /// slices lie at one z (positions would carry no information).</exception>
    public static IReadOnlyList<SliceStack> Assign(IReadOnlyList<SliceStack> stacks, PositionSource source)
    {
        ArgumentNullException.ThrowIfNull(stacks);
        if (source == PositionSource.SliceIndex)
        {
            return stacks;
        }
        if (source != PositionSource.ScannerZ)
        {
            throw new ArgumentOutOfRangeException(nameof(source), source, "Unknown position source.");
        }
        if (stacks.Count == 0)
        {
            return stacks;
        }
        double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
        foreach (var st in stacks)
        {
            ArgumentNullException.ThrowIfNull(st, nameof(stacks));
            var z = st.AxialMm ?? throw new DatasetException(
                $"Subject '{st.SubjectId}' ({st.Part}) has no axial coordinates, so PCL cannot take positions from the scanner's z; take positions from the slice index instead (PositionSource.SliceIndex).");
            foreach (double v in z)
            {
                lo = Math.Min(lo, v);
                hi = Math.Max(hi, v);
            }
        }
        if (!(hi - lo > 1e-6))
        {
            throw new DatasetException(
                $"Every slice of the {stacks.Count} stack(s) lies at z = {lo:0.###} mm, so scanner positions carry no information; take positions from the slice index instead (PositionSource.SliceIndex).");
        }
        double range = hi - lo;
        return [.. stacks.Select(st => st.WithPositions([.. st.AxialMm!.Select(v => Math.Clamp((v - lo) / range, 0, 1))]))];
    }

    /// <summary>What to do about <see cref="Isolated"/> scans, in the library's terms (a front end may name its own flags).</summary>
    public const string IsolationRemedy =
        "If their origins were reset or come from another positioning, take positions from the slice index instead (PositionSource.SliceIndex).";

    /// <summary>
    /// The subjects whose axial range (over all their stacks) overlaps no other subject's: with scanner positions such a
    /// scan shares no table position with any other, so PCL never pairs it with the same anatomy elsewhere. The usual
    /// cause is an origin that was reset (a file that starts at z = 0 among files in scanner coordinates) or a subject
    /// positioned differently. Needs at least three subjects with axial coordinates (with two, neither is the odd one);
    /// stacks without coordinates are ignored. Ranges that touch count as overlapping.
    /// </summary>
    public static IReadOnlyList<IsolatedScan> Isolated(IReadOnlyList<SliceStack> stacks)
    {
        ArgumentNullException.ThrowIfNull(stacks);
        var ranges = stacks
            .Where(st => st?.AxialMm is { Count: > 0 })
            .GroupBy(st => st.SubjectId, StringComparer.Ordinal)
            .Select(g => new IsolatedScan(g.Key, g.SelectMany(st => st.AxialMm!).Min(), g.SelectMany(st => st.AxialMm!).Max()))
            .ToList();
        if (ranges.Count < 3)
        {
            return [];
        }
        return [.. ranges.Where(r => !ranges.Any(o => !ReferenceEquals(o, r) && r.FromMm <= o.ToMm && o.FromMm <= r.ToMm))];
    }

    /// <summary>
    /// The warning a pretraining with <paramref name="options"/> on <paramref name="stacks"/> owes its user: the
    /// <see cref="DescribeIsolated"/> line of the <see cref="Isolated"/> scans when PCL takes positions from the scanner's
    /// z (<see cref="PositionSource.ScannerZ"/>), otherwise null (no other method or source compares table positions).
    /// </summary>
    public static string? IsolationWarning(IReadOnlyList<SliceStack> stacks, PretrainOptions options, string remedy = IsolationRemedy)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Method == ContrastiveMethod.Pcl && options.Positions == PositionSource.ScannerZ
            ? DescribeIsolated(Isolated(stacks), remedy)
            : null;
    }

    /// <summary>One line naming <paramref name="isolated"/> scans (at most five by name) and <paramref name="remedy"/>,
    /// or null when there are none.</summary>
    public static string? DescribeIsolated(IReadOnlyCollection<IsolatedScan> isolated, string remedy = IsolationRemedy)
    {
        ArgumentNullException.ThrowIfNull(isolated);
        if (isolated.Count == 0)
        {
            return null;
        }
        var named = string.Join(", ", isolated.Take(5).Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.SubjectId} (z {r.FromMm:0.#} to {r.ToMm:0.#} mm)")));
        string more = isolated.Count > 5 ? $" and {isolated.Count - 5} more" : "";
        return $"{isolated.Count} scan(s) share no table position with any other scan, so scanner positions never pair them with the same anatomy elsewhere: {named}{more}. {remedy}";
    }
}

/// <summary>A subject whose axial range overlaps no other subject's (<see cref="SlicePositions.Isolated"/>).</summary>
/// <param name="SubjectId">The subject.</param>
/// <param name="FromMm">Its lowest slice's z in mm.</param>
/// <param name="ToMm">Its highest slice's z in mm.</param>
public sealed record IsolatedScan(string SubjectId, double FromMm, double ToMm);
