using System.Text.Json;
using System.Text.Json.Serialization;
using ThighSeg.Core.Randomness;

namespace ThighSeg.Core.Data;

/// <summary>
/// Seeded, case-level splits of a dataset, stored in <c>splits.json</c> and reused: the pretraining pool (the
/// <c>unlabeled</c> subjects), the validation subjects (drawn from <c>train</c> only), the order in which the remaining
/// <c>train</c> subjects enter labelled subsets (the subset of size S is the first S, so subsets are nested), and the
/// <c>test</c> subjects (never drawn from). Every subject is in exactly one list.
/// </summary>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed class CaseSplits
{
    /// <summary>The file name used next to a manifest or in an output folder.</summary>
    public const string FileName = "splits.json";

    /// <summary>Format version written to the file.</summary>
    public const int FormatVersion = 1;

    private CaseSplits(int seed, int validationCount, string[] unlabeled, string[] validation, string[] labeledOrder, string[] test)
    {
        Seed = seed;
        ValidationCount = validationCount;
        Unlabeled = unlabeled;
        Validation = validation;
        LabeledOrder = labeledOrder;
        Test = test;
        var all = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in unlabeled.Concat(validation).Concat(labeledOrder).Concat(test))
        {
            if (!all.Add(id))
            {
                throw new DatasetException($"Subject '{id}' appears in more than one split list; splits must be disjoint.");
            }
        }
    }

    /// <summary>The seed the splits were drawn with.</summary>
    public int Seed { get; }

    /// <summary>Requested number of validation subjects.</summary>
    public int ValidationCount { get; }

    /// <summary>Subjects for self-supervised pretraining (the manifest's <c>unlabeled</c> split), in manifest order.</summary>
    public IReadOnlyList<string> Unlabeled { get; }

    /// <summary>Validation subjects (from <c>train</c>), used for model selection only.</summary>
    public IReadOnlyList<string> Validation { get; }

    /// <summary>The remaining <c>train</c> subjects in the seeded order in which labelled subsets take them.</summary>
    public IReadOnlyList<string> LabeledOrder { get; }

    /// <summary>Test subjects, in manifest order; never used for training or selection.</summary>
    public IReadOnlyList<string> Test { get; }

    /// <summary>The labelled fine-tuning subset of size <paramref name="count"/>: the first <paramref name="count"/> of <see cref="LabeledOrder"/>.</summary>
    /// <exception cref="DatasetException">Fewer labelled training subjects are available.</exception>
    public IReadOnlyList<string> LabeledSubset(int count)
    {
        if (count < 1 || count > LabeledOrder.Count)
        {
            throw new DatasetException($"Asked for {count} labelled training subjects but {LabeledOrder.Count} are available (train minus {Validation.Count} validation).");
        }
        return [.. LabeledOrder.Take(count)];
    }

    /// <summary>Draws splits from a manifest.</summary>
    /// <param name="manifest">The dataset manifest.</param>
    /// <param name="validationCount">Validation subjects to hold out of <c>train</c> (0 or more, fewer than the train subjects).</param>
    /// <param name="seed">The seed.</param>
    /// <exception cref="DatasetException">Not enough train subjects.</exception>
    public static CaseSplits Create(DatasetManifest manifest, int validationCount, int seed)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentOutOfRangeException.ThrowIfNegative(validationCount);
        var train = manifest.InSplit(DatasetSplit.Train).Select(e => e.Subject).ToArray();
        if (validationCount >= train.Length && train.Length > 0)
        {
            throw new DatasetException($"{manifest.Path}: {validationCount} validation subjects requested but the train split has only {train.Length}; at least one must remain for training.");
        }
        var order = SeededOrder(train, new Random(seed));
        return new CaseSplits(seed, validationCount,
            [.. manifest.InSplit(DatasetSplit.Unlabeled).Select(e => e.Subject)],
            order[..validationCount], order[validationCount..],
            [.. manifest.InSplit(DatasetSplit.Test).Select(e => e.Subject)]);
    }

    /// <summary>
    /// Holds whole subjects out of a plain subject list for validation, when no manifest splits are at hand (the library's
    /// fine-tuning with a validation fraction): the distinct subjects in ordinal order, shuffled by
    /// (<paramref name="seed"/>, <see cref="Seeds.Split"/>); the first <c>round(fraction · n)</c> (at least 1, at most
    /// n − 1; none with fewer than two subjects or a zero fraction) are validation subjects.
    /// </summary>
    /// <returns>Training and validation subjects, each sorted.</returns>
    public static (IReadOnlyList<string> Train, IReadOnlyList<string> Validation) HoldOut(IEnumerable<string> subjects, double fraction, int seed)
    {
        ArgumentNullException.ThrowIfNull(subjects);
        ArgumentOutOfRangeException.ThrowIfNegative(fraction);
        var all = subjects.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        int nVal = all.Length >= 2 && fraction > 0 ? Math.Clamp((int)Math.Round(fraction * all.Length), 1, all.Length - 1) : 0;
        var order = SeededOrder(all, new Random(Seeds.Derive(seed, Seeds.Split, 0)));
        return ([.. order.Skip(nVal).Order(StringComparer.Ordinal)], [.. order.Take(nVal).Order(StringComparer.Ordinal)]);
    }

    /// <summary>Reuses <paramref name="path"/> when it exists (checking that it matches the manifest, seed and validation
    /// count), otherwise draws new splits and writes them there atomically.</summary>
    /// <exception cref="DatasetException">The existing file is malformed, drawn with another seed or validation count, or does not match the manifest.</exception>
    public static CaseSplits LoadOrCreate(string path, DatasetManifest manifest, int validationCount, int seed)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        if (File.Exists(path))
        {
            var existing = Load(path);
            if (existing.Seed != seed || existing.ValidationCount != validationCount)
            {
                throw new DatasetException($"{path} was drawn with seed {existing.Seed} and {existing.ValidationCount} validation subjects, not seed {seed} and {validationCount}; use the same values or another splits file.");
            }
            existing.CheckAgainst(manifest, path);
            return existing;
        }
        var created = Create(manifest, validationCount, seed);
        created.Save(path);
        return created;
    }

    /// <summary>Checks that every manifest subject appears in the list matching its split and nothing else appears.</summary>
    /// <exception cref="DatasetException">A mismatch, naming the subject.</exception>
    public void CheckAgainst(DatasetManifest manifest, string source = FileName)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        void Same(IEnumerable<string> expected, IEnumerable<string> actual, string what)
        {
            var e = expected.ToHashSet(StringComparer.Ordinal);
            var a = actual.ToHashSet(StringComparer.Ordinal);
            foreach (var id in a.Except(e))
            {
                throw new DatasetException($"{source}: subject '{id}' is listed as {what} but the manifest {manifest.Path} does not have it in that split.");
            }
            foreach (var id in e.Except(a))
            {
                throw new DatasetException($"{source}: manifest subject '{id}' ({what}) is missing from the splits; delete the splits file to redraw.");
            }
        }
        Same(manifest.InSplit(DatasetSplit.Unlabeled).Select(x => x.Subject), Unlabeled, "unlabeled");
        Same(manifest.InSplit(DatasetSplit.Train).Select(x => x.Subject), Validation.Concat(LabeledOrder), "train");
        Same(manifest.InSplit(DatasetSplit.Test).Select(x => x.Subject), Test, "test");
    }

    /// <summary>Writes the splits as JSON, atomically.</summary>
    public void Save(string path)
    {
        var dto = new Dto(FormatVersion, Seed, ValidationCount, [.. Unlabeled], [.. Validation], [.. LabeledOrder], [.. Test]);
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(dto, JsonOptions) + "\n");
    }

    /// <summary>Reads splits written by <see cref="Save"/>.</summary>
    /// <exception cref="DatasetException">Missing or malformed file, or overlapping lists.</exception>
    public static CaseSplits Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
        {
            throw new DatasetException($"Splits file '{path}' does not exist.");
        }
        Dto? dto;
        try
        {
            dto = JsonSerializer.Deserialize<Dto>(InputFile.ReadAllText(path, DatasetManifest.MaxFileBytes, message => new DatasetException(message)), JsonOptions);
        }
        catch (JsonException ex)
        {
            throw new DatasetException($"{path}: not a valid splits file ({ex.Message}).", ex);
        }
        if (dto is null || dto.Unlabeled is null || dto.Validation is null || dto.LabeledOrder is null || dto.Test is null)
        {
            throw new DatasetException($"{path}: missing fields; expected format_version, seed, validation_count, unlabeled, validation, labeled_order, test.");
        }
        if (dto.FormatVersion != FormatVersion)
        {
            throw new DatasetException($"{path}: format version {dto.FormatVersion} is not supported (expected {FormatVersion}).");
        }
        return new CaseSplits(dto.Seed, dto.ValidationCount, dto.Unlabeled, dto.Validation, dto.LabeledOrder, dto.Test);
    }

    /// <summary>The one seeded subject order of the splitter: a copy of <paramref name="ids"/> shuffled by <paramref name="rng"/>.</summary>
    private static string[] SeededOrder(IEnumerable<string> ids, Random rng)
    {
        var order = ids.ToArray();
        rng.Shuffle(order);
        return order;
    }

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    private sealed record Dto(
        [property: JsonPropertyName("format_version")] int FormatVersion,
        [property: JsonPropertyName("seed")] int Seed,
        [property: JsonPropertyName("validation_count")] int ValidationCount,
        [property: JsonPropertyName("unlabeled")] string[]? Unlabeled,
        [property: JsonPropertyName("validation")] string[]? Validation,
        [property: JsonPropertyName("labeled_order")] string[]? LabeledOrder,
        [property: JsonPropertyName("test")] string[]? Test);
}
