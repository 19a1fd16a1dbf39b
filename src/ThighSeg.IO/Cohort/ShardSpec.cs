using System.Collections;
using System.Globalization;

namespace ThighSeg.IO.Cohort;

/// <summary>
/// Shard <see cref="Index"/> of <see cref="Count"/> (0-based): of the sorted case list, case number <c>i</c> belongs to
/// shard <c>i mod Count</c>, so the shards of one list cover every case exactly once, whatever order they run in.
/// </summary>
/// <remarks>
/// The environment contract (<see cref="FromEnvironment"/>): the index is <c>SLURM_ARRAY_TASK_ID</c> (SLURM job
/// arrays, submitted as <c>--array=0-(N-1)</c>) or <c>JOB_COMPLETION_INDEX</c> (Kubernetes Indexed Jobs); the count is
/// <c>THIGHSEG_SHARD_COUNT</c> when set, else <c>SLURM_ARRAY_TASK_COUNT</c>. Set <c>THIGHSEG_SHARD_COUNT</c> in every
/// job script: a task resubmitted alone (<c>--array=1</c>) sees <c>SLURM_ARRAY_TASK_COUNT=1</c>, and Kubernetes sets
/// no count at all.
/// </remarks>
public readonly record struct ShardSpec
{
    /// <summary>The environment variable that gives the number of shards (preferred over <c>SLURM_ARRAY_TASK_COUNT</c>).</summary>
    public const string CountVariable = "THIGHSEG_SHARD_COUNT";

    /// <summary>Creates shard <paramref name="index"/> of <paramref name="count"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">count &lt; 1, or index outside 0..count-1.</exception>
    public ShardSpec(int index, int count)
    {
        if (count < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"The shard count must be at least 1, got {count}.");
        }
        if (index < 0 || index >= count)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"The shard index must be in 0..{count - 1} for {count} shards, got {index}.");
        }
        Index = index;
        Count = count;
    }

    /// <summary>This shard's 0-based index.</summary>
    public int Index { get; }

    /// <summary>The number of shards.</summary>
    public int Count { get; }

    /// <summary>The whole list as one shard.</summary>
    public static ShardSpec All { get; } = new(0, 1);

    /// <summary>True when this is the only shard.</summary>
    public bool IsAll => Count == 1;

    /// <summary>Parses <c>K/N</c> (0-based K).</summary>
    /// <exception cref="FormatException">Not of that form, or K outside 0..N-1.</exception>
    public static ShardSpec Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] parts = text.Split('/');
        if (parts.Length == 2
            && int.TryParse(parts[0].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int k)
            && int.TryParse(parts[1].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int n)
            && n >= 1 && k < n)
        {
            return new ShardSpec(k, n);
        }
        throw new FormatException($"'{text}' is not a shard K/N with 0 <= K < N (e.g. 0/4).");
    }

    /// <summary>The shard the environment describes (see the remarks), or null when no index variable is set.</summary>
    /// <exception cref="FormatException">An index is set but not a number, no count is known, or the index is out of range.</exception>
    public static ShardSpec? FromEnvironment(IDictionary environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        string? Get(string name) => environment[name] as string is { Length: > 0 } s ? s.Trim() : null;
        string? indexName = Get("SLURM_ARRAY_TASK_ID") is not null ? "SLURM_ARRAY_TASK_ID" : Get("JOB_COMPLETION_INDEX") is not null ? "JOB_COMPLETION_INDEX" : null;
        if (indexName is null)
        {
            return null;
        }
        string? countName = Get(CountVariable) is not null ? CountVariable : Get("SLURM_ARRAY_TASK_COUNT") is not null ? "SLURM_ARRAY_TASK_COUNT" : null;
        if (countName is null)
        {
            throw new FormatException($"{indexName} is set but the number of shards is not: set {CountVariable}.");
        }
        int index = Number(indexName, Get(indexName)!);
        int count = Number(countName, Get(countName)!);
        if (count < 1 || index >= count)
        {
            throw new FormatException($"{indexName}={index} is not a shard of {countName}={count}: indices run from 0 to {count}-1 (submit arrays as 0-(N-1)).");
        }
        return new ShardSpec(index, count);
    }

    /// <summary>The items of <paramref name="sorted"/> that belong to this shard, in order.</summary>
    public IReadOnlyList<T> Select<T>(IReadOnlyList<T> sorted)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        var mine = new List<T>();
        for (int i = Index; i < sorted.Count; i += Count)
        {
            mine.Add(sorted[i]);
        }
        return mine;
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Index}/{Count}");

    private static int Number(string name, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int v)
            ? v
            : throw new FormatException($"{name}='{value}' is not a non-negative integer.");
}
