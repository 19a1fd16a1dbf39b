namespace ThighSeg.Core.Imaging;

/// <summary>One entry of a figure legend: a colour swatch and its text.</summary>
/// <param name="Text">The text (e.g. a label name).</param>
/// <param name="R">Red.</param>
/// <param name="G">Green.</param>
/// <param name="B">Blue.</param>
public sealed record LegendEntry(string Text, byte R, byte G, byte B);
