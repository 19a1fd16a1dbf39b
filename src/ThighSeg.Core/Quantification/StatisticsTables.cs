using System.Text;
using System.Text.Json;
using ThighSeg.Core.Tables;

namespace ThighSeg.Core.Quantification;

/// <summary>
/// Writes <see cref="CaseStatistics"/> of one or more cases as tidy tables (one row per case, muscle and side; one row per
/// case, muscle, side and slice) through <see cref="CsvWriter"/>, and as JSON. Undefined numbers are <c>NaN</c> in CSV and
/// <c>null</c> in JSON. Stateless and thread-safe.
/// </summary>
public static class StatisticsTables
{
    /// <summary>File name of the per-muscle table in <see cref="Write"/>'s folder.</summary>
    public const string MuscleFileName = "muscle_statistics.csv";

    /// <summary>File name of the long per-slice CSA table.</summary>
    public const string CsaFileName = "csa_per_slice.csv";

    /// <summary>File name of the JSON form.</summary>
    public const string JsonFileName = "statistics.json";

    /// <summary>Columns of the per-muscle table.</summary>
    public static IReadOnlyList<string> MuscleColumns { get; } =
    [
        "case", "label", "label_name", "muscle", "side", "voxels", "volume_ml", "max_csa_mm2", "max_csa_slice", "max_csa_level", "max_csa_z_mm",
        "csa_level", "csa_at_level_mm2", "touches_fov_z", "intensity_mean", "intensity_median", "intensity_sd",
        "ff_method", "ff_erosion_mm", "ff_voxels", "ff_mean", "ff_median", "ff_sd", "lean_volume_ml",
    ];

    /// <summary>Columns of the per-slice CSA table.</summary>
    public static IReadOnlyList<string> CsaColumns { get; } = ["case", "label", "label_name", "muscle", "side", "slice", "level", "z_mm", "voxels", "csa_mm2"];

    /// <summary>The side as written in tables: <c>right</c> or <c>left</c>.</summary>
    public static string SideName(AnatomicalSide side) => side == AnatomicalSide.Right ? "right" : "left";

    /// <summary>The per-muscle table of <paramref name="cases"/>.</summary>
    public static CsvWriter MuscleTable(IEnumerable<CaseStatistics> cases)
    {
        ArgumentNullException.ThrowIfNull(cases);
        var csv = new CsvWriter(MuscleColumns);
        foreach (var row in cases.SelectMany(MuscleRows))
        {
            csv.AddRow(row);
        }
        return csv;
    }

    /// <summary>The rows of one case in the per-muscle table (values in <see cref="MuscleColumns"/> order).</summary>
    public static IEnumerable<object?[]> MuscleRows(CaseStatistics statistics)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        string method = MethodName(statistics.FatFraction);
        double erosion = statistics.FatFraction is null ? double.NaN : statistics.Options.ErosionMm;
        return statistics.Muscles.Select(r => new object?[]
        {
            r.CaseId, r.Label, r.LabelName, r.Muscle, SideName(r.Side), r.Voxels, r.VolumeMl, r.MaxCsaMm2, r.MaxCsaSlice, r.MaxCsaLevel, r.MaxCsaZMm,
            r.CsaLevel, r.CsaAtLevelMm2, r.TouchesFovZ, r.IntensityMean, r.IntensityMedian, r.IntensitySd,
            method, erosion, r.FatFractionVoxels, r.FatFractionMean, r.FatFractionMedian, r.FatFractionSd, r.LeanVolumeMl,
        });
    }

    /// <summary>The long per-slice CSA table of <paramref name="cases"/>.</summary>
    public static CsvWriter CsaTable(IEnumerable<CaseStatistics> cases)
    {
        ArgumentNullException.ThrowIfNull(cases);
        var csv = new CsvWriter(CsaColumns);
        foreach (var row in cases.SelectMany(CsaRows))
        {
            csv.AddRow(row);
        }
        return csv;
    }

    /// <summary>The rows of one case in the per-slice CSA table (values in <see cref="CsaColumns"/> order).</summary>
    public static IEnumerable<object?[]> CsaRows(CaseStatistics statistics)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        return statistics.Csa.Select(r => new object?[] { r.CaseId, r.Label, r.LabelName, r.Muscle, SideName(r.Side), r.Slice, r.Level, r.ZMm, r.Voxels, r.CsaMm2 });
    }

    /// <summary>The JSON form: <c>{"cases": [{"case", "side_scheme", "ff_method", "ff_erosion_mm", "csa_level", "labels", "muscles": [{..., "csa_per_slice": [...]}]}]}</c>.</summary>
    public static string ToJson(IEnumerable<CaseStatistics> cases)
    {
        ArgumentNullException.ThrowIfNull(cases);
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteStartArray("cases");
            foreach (var c in cases)
            {
                w.WriteStartObject();
                w.WriteString("case", c.CaseId);
                w.WriteString("side_scheme", c.Options.SideScheme.ToString());
                w.WriteString("ff_method", MethodName(c.FatFraction));
                Number(w, "ff_erosion_mm", c.FatFraction is null ? double.NaN : c.Options.ErosionMm);
                Number(w, "csa_level", c.Options.RelativeLevel);
                w.WriteStartObject("labels");
                foreach (var (value, name) in c.Labels.LabelMap.Names.OrderBy(kv => kv.Key))
                {
                    w.WriteString(value.ToString(System.Globalization.CultureInfo.InvariantCulture), name);
                }
                w.WriteEndObject();
                w.WriteStartArray("muscles");
                var csaByLabel = c.Csa.ToLookup(r => r.Label);
                foreach (var r in c.Muscles)
                {
                    w.WriteStartObject();
                    w.WriteNumber("label", r.Label);
                    w.WriteString("label_name", r.LabelName);
                    w.WriteString("muscle", r.Muscle);
                    w.WriteString("side", SideName(r.Side));
                    w.WriteNumber("voxels", r.Voxels);
                    Number(w, "volume_ml", r.VolumeMl);
                    Number(w, "max_csa_mm2", r.MaxCsaMm2);
                    w.WriteNumber("max_csa_slice", r.MaxCsaSlice);
                    Number(w, "max_csa_level", r.MaxCsaLevel);
                    Number(w, "max_csa_z_mm", r.MaxCsaZMm);
                    Number(w, "csa_at_level_mm2", r.CsaAtLevelMm2);
                    w.WriteBoolean("touches_fov_z", r.TouchesFovZ);
                    Number(w, "intensity_mean", r.IntensityMean);
                    Number(w, "intensity_median", r.IntensityMedian);
                    Number(w, "intensity_sd", r.IntensitySd);
                    w.WriteNumber("ff_voxels", r.FatFractionVoxels);
                    Number(w, "ff_mean", r.FatFractionMean);
                    Number(w, "ff_median", r.FatFractionMedian);
                    Number(w, "ff_sd", r.FatFractionSd);
                    Number(w, "lean_volume_ml", r.LeanVolumeMl);
                    w.WriteStartArray("csa_per_slice");
                    foreach (var row in csaByLabel[r.Label])
                    {
                        w.WriteStartObject();
                        w.WriteNumber("slice", row.Slice);
                        Number(w, "level", row.Level);
                        Number(w, "z_mm", row.ZMm);
                        w.WriteNumber("voxels", row.Voxels);
                        Number(w, "csa_mm2", row.CsaMm2);
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray()) + "\n";
    }

    /// <summary>Writes <see cref="MuscleFileName"/>, <see cref="CsaFileName"/> and <see cref="JsonFileName"/> into
    /// <paramref name="directory"/> (created if needed), each atomically. Returns the three paths.</summary>
    public static IReadOnlyList<string> Write(string directory, IReadOnlyList<CaseStatistics> cases)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentNullException.ThrowIfNull(cases);
        Directory.CreateDirectory(directory);
        string muscles = Path.Combine(directory, MuscleFileName), csa = Path.Combine(directory, CsaFileName), json = Path.Combine(directory, JsonFileName);
        MuscleTable(cases).WriteAtomically(muscles);
        CsaTable(cases).WriteAtomically(csa);
        AtomicFile.WriteAllText(json, ToJson(cases));
        return [muscles, csa, json];
    }

    private static string MethodName(FatFractionMethod? method) => method switch
    {
        null => "",
        FatFractionMethod.WaterFat => "water_fat",
        FatFractionMethod.InOpposedPhase => "in_opposed_phase",
        _ => "map",
    };

    private static void Number(Utf8JsonWriter w, string name, double value)
    {
        if (double.IsFinite(value))
        {
            w.WriteNumber(name, value);
        }
        else
        {
            w.WriteNull(name);
        }
    }
}
