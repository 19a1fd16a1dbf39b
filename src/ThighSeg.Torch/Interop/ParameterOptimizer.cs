using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ThighSeg.Torch.Interop;

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
