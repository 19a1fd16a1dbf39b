using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ThighSeg.Torch.Interop;

/// <summary>
/// Adam (PyTorch's <c>torch.optim.Adam</c>, not AMSGrad): <c>m = β1m + (1-β1)g; v = β2v + (1-β2)g²;
/// θ -= lr/(1-β1^t) · m / (√v/√(1-β2^t) + ε)</c>, with L2 weight decay added to the gradient.
/// </summary>
internal sealed class AdamOptimizer : ParameterOptimizer
{
    private readonly double _beta1;
    private readonly double _beta2;
    private readonly double _eps;
    private readonly double _weightDecay;

    public AdamOptimizer(IEnumerable<ParameterGroup> groups, double learningRate, double weightDecay = 0, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8)
        : base(groups, learningRate, stateTensorsPerParameter: 2)
    {
        if (beta1 is < 0 or >= 1 || beta2 is < 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(beta1), "Adam betas must lie in [0, 1).");
        }
        ArgumentOutOfRangeException.ThrowIfNegative(weightDecay);
        ArgumentOutOfRangeException.ThrowIfNegative(eps);
        _beta1 = beta1;
        _beta2 = beta2;
        _eps = eps;
        _weightDecay = weightDecay;
    }

    protected override void Update(Parameter parameter, Tensor grad, Tensor[] state, double learningRate, long step)
    {
        Tensor g = WithWeightDecay(grad, parameter, _weightDecay);
        Tensor m = state[0];
        Tensor v = state[1];
        double biasCorrection1 = 1 - Math.Pow(_beta1, step);
        double biasCorrection2 = 1 - Math.Pow(_beta2, step);
        m.mul_(Scalars.Of(_beta1)).add_(g, Scalars.Of(1 - _beta1));
        v.mul_(Scalars.Of(_beta2)).addcmul_(g, g, Scalars.Of(1 - _beta2));
        using var sqrtBc2 = Math.Sqrt(biasCorrection2).ToScalar();
        using var negStep = (-learningRate / biasCorrection1).ToScalar();
        Tensor denom = v.sqrt().div_(sqrtBc2).add_(Scalars.Of(_eps), Scalars.One);
        parameter.addcdiv_(m, denom, negStep);
    }
}
