using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ThighSeg.Torch.Models;

/// <summary>Seeded Kaiming-normal initialisation (a = 0.01, fan-in, leaky-ReLU gain) without touching global RNG state.</summary>
internal static class UNetInit
{
    public const double NegativeSlope = 0.01;

    /// <summary>
    /// Draws every convolution, transposed-convolution and linear weight from N(0, gain²/fan_in) with a private
    /// generator seeded by <paramref name="seed"/>, in parameter-name order; biases are zeroed; norm layers keep weight 1
    /// and bias 0. Fan-in follows PyTorch: <c>weight.size(1) · kernel area</c>.
    /// </summary>
    public static void Initialize(nn.Module module, long seed)
    {
        double gain = Math.Sqrt(2.0 / (1 + NegativeSlope * NegativeSlope));
        using var generator = new Generator(unchecked((ulong)seed), torch.CPU);
        using var noGrad = torch.no_grad();
        foreach (var (name, sub) in module.named_modules())
        {
            switch (sub)
            {
                case Conv2d conv:
                    Fill(conv.weight!, gain, generator);
                    conv.bias?.zero_();
                    break;
                case ConvTranspose2d tconv:
                    Fill(tconv.weight!, gain, generator);
                    tconv.bias?.zero_();
                    break;
                case Linear lin:
                    Fill(lin.weight!, gain, generator);
                    lin.bias?.zero_();
                    break;
                default:
                    _ = name;
                    break;
            }
        }
    }

    private static void Fill(Tensor weight, double gain, Generator generator)
    {
        long fanIn = weight.shape[1];
        for (int d = 2; d < weight.shape.Length; d++)
        {
            fanIn *= weight.shape[d];
        }
        double std = gain / Math.Sqrt(fanIn);
        using var noise = torch.randn(weight.shape, dtype: weight.dtype, device: torch.CPU, generator: generator);
        using var stdScalar = std.ToScalar();
        using var scaled = noise.mul_(stdScalar);
        weight.copy_(scaled);
    }
}
