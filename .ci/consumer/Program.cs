// A minimal application that uses ThighSeg from its NuGet packages on a machine where TorchSharp's native library
// needs the compatibility layer (Debian 12). Exits non-zero on any failure.
using ThighSeg.Torch;
using TorchSharp;

var info = TorchBackend.Describe(ComputeDevice.Cpu);
Console.WriteLine(info);

// One real optimisation step through TorchSharp, after ThighSeg prepared the native library.
torch.manual_seed(1);
using var layer = torch.nn.Linear(4, 1);
using var opt = torch.optim.SGD(layer.parameters(), 0.1);
float first = 0, last = 0;
for (int i = 0; i < 20; i++)
{
    using var scope = torch.NewDisposeScope();
    var x = torch.ones(8, 4);
    var loss = (layer.forward(x) - 1).square().mean();
    opt.zero_grad();
    loss.backward();
    opt.step();
    float v = loss.item<float>();
    if (i == 0) first = v;
    last = v;
}
Console.WriteLine($"loss {first:F4} -> {last:F4}");
return last < first ? 0 : 1;
