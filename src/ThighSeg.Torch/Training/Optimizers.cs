using System.Text;
using ThighSeg.Torch.Interop;
using ThighSeg.Torch.Tensors;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ThighSeg.Torch.Training;

/// <summary>A set of parameters that share a learning-rate multiplier.</summary>
/// <param name="Parameters">The parameters.</param>
/// <param name="LearningRateScale">Multiplies the optimizer's learning rate for this group.</param>
internal sealed record ParameterGroup(IReadOnlyList<Parameter> Parameters, double LearningRateScale = 1.0);

/// <summary>
/// A first-order optimizer written over explicit <see cref="Scalar"/>s (see <see cref="Scalars"/>): TorchSharp's own
/// optimizers pass implicit temporary scalars to every update and crash long runs. Updates follow PyTorch's
/// <c>torch.optim</c> formulas exactly (L2 weight decay added to the gradient). One step counter for all parameters;
/// a parameter without a gradient is skipped.
/// </summary>
internal abstract class ParameterOptimizer : IDisposable
{
    private readonly Tensor[][] _state;
    private bool _disposed;

    protected ParameterOptimizer(IEnumerable<ParameterGroup> groups, double learningRate, int stateTensorsPerParameter)
    {
        Groups = groups.ToArray();
        if (Groups.Count == 0 || Groups.All(g => g.Parameters.Count == 0))
        {
            throw new ArgumentException("The optimizer needs at least one parameter.", nameof(groups));
        }
        ArgumentOutOfRangeException.ThrowIfNegative(learningRate);
        LearningRate = learningRate;
        using var noGrad = no_grad();
        _state = Groups.SelectMany(g => g.Parameters)
            .Select(p => Enumerable.Range(0, stateTensorsPerParameter).Select(_ => zeros_like(p).DetachFromDisposeScope()).ToArray())
            .ToArray();
    }

    /// <summary>The parameter groups.</summary>
    public IReadOnlyList<ParameterGroup> Groups { get; }

    /// <summary>The base learning rate; group <c>g</c> uses <c>LearningRate · g.LearningRateScale</c>.</summary>
    public double LearningRate { get; set; }

    /// <summary>Completed steps.</summary>
    public long Steps { get; private set; }

    /// <summary>Zeroes every parameter's gradient.</summary>
    public void ZeroGrad()
    {
        using var scope = NewDisposeScope();
        foreach (var p in Groups.SelectMany(g => g.Parameters))
        {
            Tensor? grad = p.grad;
            if (grad is not null)
            {
                grad.detach_();
                grad.zero_();
            }
        }
    }

    /// <summary>Applies one update from the current gradients.</summary>
    public void Step()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Steps++;
        int index = 0;
        foreach (var group in Groups)
        {
            double lr = LearningRate * group.LearningRateScale;
            foreach (var p in group.Parameters)
            {
                Tensor[] state = _state[index++];
                Tensor? grad = p.grad;
                if (grad is not null)
                {
                    Update(p, grad, state, lr, Steps);
                }
            }
        }
    }

    /// <summary>Updates one parameter in place. Called inside a dispose scope and <c>no_grad</c>.</summary>
    protected abstract void Update(Parameter parameter, Tensor grad, Tensor[] state, double learningRate, long step);

    /// <summary>Writes the step counter and the state tensors.</summary>
    public void Save(BinaryWriter writer)
    {
        writer.Write(GetType().Name);
        writer.Write(Steps);
        writer.Write(_state.Length);
        foreach (var t in _state.SelectMany(s => s))
        {
            ModuleState.SaveTensor(t, writer); // momentum buffers of channels-last weights are channels-last too
        }
    }

    /// <summary>Reads what <see cref="Save"/> wrote for an optimizer of the same kind over the same parameters.</summary>
    /// <exception cref="InvalidDataException">The state is for another optimizer or other parameters.</exception>
    public void Load(BinaryReader reader)
    {
        string kind = reader.ReadString();
        if (kind != GetType().Name)
        {
            throw new InvalidDataException($"optimizer state is for {kind}, not {GetType().Name}");
        }
        long steps = reader.ReadInt64();
        int count = reader.ReadInt32();
        if (count != _state.Length)
        {
            throw new InvalidDataException($"optimizer state has {count} parameters, the network {_state.Length}");
        }
        foreach (var t in _state.SelectMany(s => s))
        {
            ModuleState.LoadTensor(t, reader);
        }
        Steps = steps;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (!_disposed)
        {
            foreach (var t in _state.SelectMany(s => s))
            {
                t.Dispose();
            }
            _disposed = true;
        }
        GC.SuppressFinalize(this);
    }

    /// <summary><c>grad + weightDecay · parameter</c>, or <paramref name="grad"/> itself when there is no decay.</summary>
    protected static Tensor WithWeightDecay(Tensor grad, Parameter parameter, double weightDecay) =>
        weightDecay == 0 ? grad : grad.add(parameter, Scalars.Of(weightDecay));
}

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
