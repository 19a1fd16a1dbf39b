using System.CommandLine;
using System.Text.Json;
using ThighSeg.Torch;

namespace ThighSeg.Cli.Commands;

/// <summary><c>thighseg --version</c> and <c>thighseg backend</c>: versions and the device a run would use.</summary>
internal static class VersionCommand
{
    public static void Attach(RootCommand root, TextWriter output)
    {
        // Replace the default --version (assembly version only) with one that also reports the backend.
        foreach (var existing in root.Options.OfType<VersionOption>().ToList())
        {
            root.Options.Remove(existing);
        }
        var version = new Option<bool>("--version") { Description = "Show ThighSeg, TorchSharp and libtorch versions and the device a run would use." };
        var device = DeviceOption.Create();
        root.Options.Add(version);
        root.Options.Add(device);
        root.SetAction(parse =>
        {
            if (parse.GetValue(version))
            {
                var info = TorchBackend.Describe(DeviceOption.Get(parse, device));
                output.WriteLine($"thighseg {info.ThighSegVersion}");
                output.WriteLine($"TorchSharp {info.TorchSharpVersion}");
                output.WriteLine($"libtorch {info.LibTorchVersion}");
                output.WriteLine($"device {info.Device} (CUDA available: {(info.CudaAvailable ? "yes" : "no")}, CPU threads: {info.Threads})");
                output.WriteLine($"native compatibility: {info.NativeCompat}");
                return CliApp.ExitOk;
            }
            output.WriteLine("Usage: thighseg [command] [options]. Run 'thighseg --help' for the list of commands.");
            return CliApp.ExitUsage;
        });
    }

    public static Command CreateBackendVerb(TextWriter output)
    {
        var device = DeviceOption.Create();
        var cmd = new Command("backend", "Print the TorchSharp backend as JSON: versions, device, CUDA, threads, native compatibility.");
        cmd.Options.Add(device);
        cmd.SetAction(parse =>
        {
            var info = TorchBackend.Describe(DeviceOption.Get(parse, device));
            output.WriteLine(JsonSerializer.Serialize(new
            {
                thighseg = info.ThighSegVersion,
                torchsharp = info.TorchSharpVersion,
                libtorch = info.LibTorchVersion,
                device = info.Device,
                cuda_available = info.CudaAvailable,
                cuda_devices = info.CudaDeviceCount,
                threads = info.Threads,
                native_compat = info.NativeCompat.ToString(),
            }, new JsonSerializerOptions { WriteIndented = true }));
            return CliApp.ExitOk;
        });
        return cmd;
    }
}
