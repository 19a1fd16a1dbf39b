using System.CommandLine;
using ThighSeg.Torch;

namespace ThighSeg.Cli.Options;

/// <summary>The shared <c>--device auto|cpu|cuda</c> option.</summary>
internal static class DeviceOption
{
    public static Option<string> Create()
    {
        var option = new Option<string>("--device")
        {
            Description = "Compute device: auto (CUDA when available), cpu or cuda.",
            DefaultValueFactory = _ => "auto",
        };
        option.AcceptOnlyFromAmong("auto", "cpu", "cuda");
        return option;
    }

    public static ComputeDevice Get(ParseResult parse, Option<string> option) => TorchBackend.Parse(parse.GetValue(option) ?? "auto");
}
