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
}
