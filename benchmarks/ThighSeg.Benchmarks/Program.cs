using BenchmarkDotNet.Running;
using ThighSeg.Benchmarks;

BenchmarkHost.PrintHeader(Console.Out);
BenchmarkSwitcher.FromAssembly(typeof(BenchmarkHost).Assembly).Run(args, BenchmarkHost.Config());
