using ThighSeg.Core.Tables;

namespace ThighSeg.IO.Cohort;

/// <summary>Options of a <see cref="CohortPredictionJob"/>.</summary>
public sealed record CohortJobOptions
{
    /// <summary>The model fingerprint (e.g. <see cref="CohortFingerprint.OfFiles"/> of its manifest and weights).</summary>
    public required string ModelFingerprint { get; init; }

    /// <summary>The prediction settings that change outputs, as one string (recorded; a change means a conflict).</summary>
    public required string Settings { get; init; }

    /// <summary>The per-case tables (default: <see cref="MuscleVolumeTable"/>).</summary>
    public IReadOnlyList<ICaseTable> Tables { get; init; } = [new MuscleVolumeTable()];

    /// <summary>The per-case files besides the tables (default: the NIfTI label map only); at least one of
    /// <see cref="CohortOutputKinds.Nifti"/> and <see cref="CohortOutputKinds.DicomSeg"/>.</summary>
    public CohortOutputKinds Outputs { get; init; } = CohortOutputKinds.Nifti;

    /// <summary>Options of the DICOM Segmentation objects (<see cref="CohortOutputKinds.DicomSeg"/>); null for the defaults
    /// (every UID is then new for each object).</summary>
    public Dicom.DicomSegOptions? SegOptions { get; init; }

    /// <summary>This process's shard of the case list.</summary>
    public ShardSpec Shard { get; init; } = ShardSpec.All;

    /// <summary>Replace outputs written from another input or model, or not by this tool.</summary>
    public bool Overwrite { get; init; }

    /// <summary>Cases read ahead while the network runs (at least 1).</summary>
    public int ReadAhead { get; init; } = 2;

    /// <summary>Checks the options once.</summary>
    /// <exception cref="ArgumentException">An empty fingerprint, no or duplicate tables, no label output, or a read-ahead below 1.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ModelFingerprint))
        {
            throw new ArgumentException("ModelFingerprint must not be empty.", nameof(ModelFingerprint));
        }
        ArgumentNullException.ThrowIfNull(Settings);
        if (Tables is null || Tables.Count == 0 || Tables.Select(t => t.Name).Distinct(StringComparer.OrdinalIgnoreCase).Count() != Tables.Count)
        {
            throw new ArgumentException($"Tables must hold at least one table with distinct names, got [{string.Join(", ", Tables?.Select(t => t.Name) ?? [])}].", nameof(Tables));
        }
        if (Tables.Any(t => t.Name.Length == 0 || t.Name.Any(c => !char.IsAsciiLetterOrDigit(c) && c != '-' && c != '_') || t.Name.Equals("failures", StringComparison.OrdinalIgnoreCase)))
        {
            throw new ArgumentException($"Table names must be letters, digits, '-' or '_' and not 'failures', got [{string.Join(", ", Tables.Select(t => t.Name))}].", nameof(Tables));
        }
        const CohortOutputKinds all = CohortOutputKinds.Nifti | CohortOutputKinds.DicomSeg | CohortOutputKinds.Preview;
        if ((Outputs & ~all) != 0 || (Outputs & (CohortOutputKinds.Nifti | CohortOutputKinds.DicomSeg)) == 0)
        {
            throw new ArgumentException($"Outputs must include Nifti or DicomSeg (and nothing but Nifti, DicomSeg, Preview), got {Outputs}.", nameof(Outputs));
        }
        SegOptions?.Validate();
        if (ReadAhead < 1)
        {
            throw new ArgumentException($"ReadAhead must be at least 1, got {ReadAhead}.", nameof(ReadAhead));
        }
    }
}
