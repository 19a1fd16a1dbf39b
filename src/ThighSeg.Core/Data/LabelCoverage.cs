namespace ThighSeg.Core.Data;

/// <summary>
/// Which labels of a label map a training set actually contains. A muscle that occurs in none of the training stacks
/// (for example the proximal adductors when the only labelled scan covers the distal thigh) cannot be learned: the model
/// never predicts it and its Dice on every scan that has it is 0, whatever the initialisation. With one or two labelled
/// scans of variable axial coverage this decides more of the mean Dice than any training setting
/// (docs/experiments.md), so fine-tuning reports it instead of leaving it to be found in the metrics.
/// </summary>
public static class LabelCoverage
{
    /// <summary>The foreground values of <paramref name="classes"/> (background, value 0, excluded) that no labelled
    /// voxel of <paramref name="stacks"/> carries, ascending.</summary>
    /// <param name="classes">The label map the model is trained for.</param>
    /// <param name="stacks">The training stacks; a stack without labels contributes nothing.</param>
    public static IReadOnlyList<int> Unseen(LabelMap classes, IEnumerable<SliceStack> stacks)
    {
        ArgumentNullException.ThrowIfNull(classes);
        ArgumentNullException.ThrowIfNull(stacks);
        var unseen = new SortedSet<int>(classes.Values.Where(v => v != 0));
        foreach (var stack in stacks)
        {
            if (stack.Labels is null)
            {
                continue;
            }
            foreach (int v in stack.Labels)
            {
                if (unseen.Remove(v) && unseen.Count == 0)
                {
                    return [];
                }
            }
        }
        return [.. unseen];
    }

    /// <summary>A warning naming the <paramref name="unseen"/> labels, or null when there are none.</summary>
    /// <param name="classes">The label map (for the names).</param>
    /// <param name="unseen">Label values from <see cref="Unseen"/> (values of <paramref name="classes"/>).</param>
    /// <param name="trainingSubjects">The subjects trained on, named in the warning.</param>
    public static string? Warning(LabelMap classes, IReadOnlyList<int> unseen, IReadOnlyList<string> trainingSubjects)
    {
        ArgumentNullException.ThrowIfNull(classes);
        ArgumentNullException.ThrowIfNull(unseen);
        ArgumentNullException.ThrowIfNull(trainingSubjects);
        if (unseen.Count == 0)
        {
            return null;
        }
        string names = string.Join(", ", unseen.Select(v => $"{classes.Name(v)} ({v})"));
        string scans = trainingSubjects.Count == 1 ? $"the training scan ({trainingSubjects[0]})" : $"any of the {trainingSubjects.Count} training scans";
        var (label, occur, it) = unseen.Count == 1 ? ("label", "occurs", "it") : ("labels", "occur", "them");
        return $"{label} {names} {occur} in no slice of {scans}: the model cannot learn {it} and will not predict {it} (Dice 0 wherever present). "
            + "Label a scan that covers that part of the thigh.";
    }
}
