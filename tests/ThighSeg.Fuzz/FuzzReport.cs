using System.Globalization;
using System.Text;

namespace ThighSeg.Fuzz;

/// <summary>The figures of a run: inputs, outcomes per target, findings, wall time, the slowest input and the largest memory.</summary>
internal sealed record FuzzReport(
    int Inputs,
    int CorpusSeeds,
    int ThirdPartySeeds,
    IReadOnlyDictionary<string, int> Outcomes,
    IReadOnlyList<FuzzFinding> Findings,
    TimeSpan Wall,
    TimeSpan SlowestTime,
    string SlowestInput,
    long LargestAllocatedBytes,
    string LargestAllocatedInput,
    long LargestWorkingSetGrowthBytes,
    long PeakWorkingSetBytes)
{
    /// <summary>The report as plain text lines.</summary>
    public string ToText()
    {
        var sb = new StringBuilder();
        var ci = CultureInfo.InvariantCulture;
        sb.AppendLine(string.Create(ci, $"inputs: {Inputs} (corpus: {CorpusSeeds} seeds, {ThirdPartySeeds} from nibabel/pydicom)"));
        sb.AppendLine(string.Create(ci, $"wall time: {Wall.TotalSeconds:F1} s"));
        sb.AppendLine(string.Create(ci, $"findings: {Findings.Count}"));
        sb.AppendLine(string.Create(ci, $"slowest input: {SlowestTime.TotalMilliseconds:F0} ms ({SlowestInput})"));
        sb.AppendLine(string.Create(ci, $"largest allocation by one input: {LargestAllocatedBytes / 1048576.0:F1} MiB ({LargestAllocatedInput})"));
        sb.AppendLine(string.Create(ci, $"largest working-set growth by one input: {LargestWorkingSetGrowthBytes / 1048576.0:F1} MiB; process peak working set {PeakWorkingSetBytes / 1048576.0:F0} MiB"));
        sb.AppendLine("outcomes:");
        foreach (var (k, v) in Outcomes.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            sb.AppendLine(string.Create(ci, $"  {k}: {v}"));
        }
        foreach (var f in Findings)
        {
            sb.AppendLine(string.Create(ci, $"FINDING #{f.Input.Index} {f.Input.Target} {f.Kind}: {f.Input.SeedName} [{f.Input.Mutations}] {f.Detail.Split('\n')[0]}{(f.SavedAs is null ? "" : " saved as " + f.SavedAs)}"));
        }
        return sb.ToString();
    }
}
