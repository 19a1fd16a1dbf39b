using BenchmarkDotNet.Running;
using ThighSeg.Benchmarks;
using ThighSeg.Torch;

if (args.Length > 0 && args[0] == "steptimes")
{
    var device = args.Length > 1 ? TorchBackend.Parse(args[1]) : ComputeDevice.Cpu;
    int steps = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 5;
    StepTimes.Run(Console.Out, device, steps);
    return 0;
}
if (args.Length > 0 && args[0] == "peer")
{
    return ThighSeg.Benchmarks.Peer.PeerHarness.Run(args[1..], Console.Out);
}
if (args.Length > 0 && args[0] == "loss-ab")
{
    return ThighSeg.Benchmarks.Peer.LossAb.Run(args[1..], Console.Out);
}
if (args.Length > 0 && args[0] == "memory-flat")
{
    return ThighSeg.Benchmarks.Peer.MemoryRun.Run(args[1..], Console.Out);
}
if (args.Length > 0 && args[0] == "device-checks")
{
    return ThighSeg.Benchmarks.Peer.DeviceChecks.Run(args[1..], Console.Out);
}
if (args.Length > 0 && args[0] == "memory")
{
    StepTimes.Memory(Console.Out, args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 500);
    return 0;
}
BenchmarkHost.ConfigureThreads();
BenchmarkHost.PrintHeader(Console.Out);
BenchmarkSwitcher.FromAssembly(typeof(BenchmarkHost).Assembly).Run(args, BenchmarkHost.Config());
return 0;
