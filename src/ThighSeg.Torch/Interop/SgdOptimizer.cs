using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ThighSeg.Torch.Interop;

/// <summary>
/// Stochastic gradient descent with momentum (PyTorch's <c>torch.optim.SGD</c>, dampening 0, not Nesterov):
/// <c>d = g + λθ; b = μb + d; θ -= lr·b</c>, with <c>b</c> starting at zero (identical to PyTorch's first-step copy).
/// </summary>
internal sealed class SgdOptimizer : ParameterOptimizer
{
    private readonly double _momentum;
    private readonly double _weightDecay;

    public SgdOptimizer(IEnumerable<ParameterGroup> groups, double learningRate, double momentum, double weightDecay)
        : base(groups, learningRate, stateTensorsPerParameter: 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(momentum);
        ArgumentOutOfRangeException.ThrowIfNegative(weightDecay);
        _momentum = momentum;
        _weightDecay = weightDecay;
    }

    protected override void Update(Parameter parameter, Tensor grad, Tensor[] state, double learningRate, long step)
    {
        Tensor d = WithWeightDecay(grad, parameter, _weightDecay);
        using var negLr = (-learningRate).ToScalar();
        if (_momentum == 0)
        {
            parameter.add_(d, negLr);
            return;
        }
        Tensor buffer = state[0];
        buffer.mul_(Scalars.Of(_momentum)).add_(d, Scalars.One);
        parameter.add_(buffer, negLr);
    }
}
