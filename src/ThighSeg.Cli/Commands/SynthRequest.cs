using ThighSeg.Core.Phantoms;

namespace ThighSeg.Cli.Commands;

/// <summary>What <c>thighseg synth</c> makes.</summary>
/// <param name="OutputDirectory">Output folder.</param>
/// <param name="Subjects">Subjects in total.</param>
/// <param name="Labeled">Labelled <c>train</c> subjects (the first ones).</param>
/// <param name="Test">Labelled <c>test</c> subjects (after the train ones); the rest are <c>unlabeled</c>.</param>
/// <param name="Seed">Cohort seed.</param>
/// <param name="Size">In-plane matrix size (left-right) in pixels.</param>
/// <param name="Dixon">Also write water, fat and true fat-fraction images and the fat-fraction truth table (dixon/).</param>
/// <param name="Family">Phantom family: <c>thigh</c> (<see cref="ThighPhantomGenerator"/>) or <c>contour</c>
/// (<see cref="ContourPhantomGenerator"/>, Size x Size/2 pixels).</param>
internal sealed record SynthRequest(string OutputDirectory, int Subjects, int Labeled, int Test, int Seed, int Size, bool Dixon = false, string Family = SynthCommand.ThighFamily);
