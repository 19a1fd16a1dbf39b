namespace ThighSeg.Fuzz;

/// <summary>One input of a run: the target, the bytes, the seed file it came from and the mutations applied.</summary>
/// <param name="Index">Position in the run (the per-input random stream is derived from the run seed and this).</param>
/// <param name="Target">The parser.</param>
/// <param name="Bytes">The mutated content.</param>
/// <param name="SeedName">The corpus entry it was made from.</param>
/// <param name="Mutations">What was done to it, in order.</param>
/// <param name="SeriesIndex">For <see cref="FuzzTarget.DicomSeries"/>: which synthetic series the siblings come from.</param>
internal sealed record FuzzInput(long Index, FuzzTarget Target, byte[] Bytes, string SeedName, string Mutations, int SeriesIndex = 0);
