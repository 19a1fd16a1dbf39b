namespace ThighSeg.Core.Data;

/// <summary>One slice drawn for training, with where it came from.</summary>
/// <param name="Stack">The stack that holds it.</param>
/// <param name="Index">Slice index within the stack.</param>
public readonly record struct PositionalSlice(SliceStack Stack, int Index)
{
    /// <summary>The normalised axial position p = (k + 1) / K.</summary>
    public double Position => Stack.Position(Index);

    /// <summary>The subject id.</summary>
    public string SubjectId => Stack.SubjectId;
}
