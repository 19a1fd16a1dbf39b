using Spectre.Console;
using ThighSeg.Cli.Options;
using ThighSeg.Core.Data;
using ThighSeg.Experiments;

namespace ThighSeg.Cli.Reports;

/// <summary>Prints a library warning the CLI's way: the library's remedies name its settings, the CLI names the flags that set them.</summary>
internal static class LibraryWarning
{
    /// <summary>Writes "warning: " and <paramref name="warning"/> with its remedies replaced by the CLI's.</summary>
    /// <param name="console">Where the warning goes.</param>
    /// <param name="warning">The library's warning.</param>
    /// <param name="frameRemedy">The sentence that replaces the library's remedy for a frame smaller than the thigh.</param>
    public static void Write(IAnsiConsole console, string warning, string frameRemedy = FrameWarning.TrainingRemedy)
    {
        string text = warning.Replace(LabelEfficiencyExperiment.FrameRemedy, frameRemedy, StringComparison.Ordinal)
            .Replace(SlicePositions.IsolationRemedy, PretrainFlags.IsolationRemedy, StringComparison.Ordinal);
        console.MarkupLine($"[yellow]warning:[/] {Markup.Escape(text)}");
    }
}
