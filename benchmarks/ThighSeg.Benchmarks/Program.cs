using BenchmarkDotNet.Running;
using ThighSeg.Benchmarks;
using ThighSeg.Torch;

if (args.Length > 0 && args[0] == "steptimes")
{
    var device = args.Length > 1 ? TorchBackend.Parse(args[1]) : ComputeDevice.Cpu;
    int steps = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 5;
    StepTimes.Run(Console.Out, device, steps);
    return;
}
if (args.Length > 0 && args[0] == "memory")
{
    StepTimes.Memory(Console.Out, args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 500);
    return;
}
BenchmarkHost.PrintHeader(Console.Out);
BenchmarkSwitcher.FromAssembly(typeof(BenchmarkHost).Assembly).Run(args, BenchmarkHost.Config());
