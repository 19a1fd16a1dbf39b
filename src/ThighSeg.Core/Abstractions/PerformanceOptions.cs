namespace ThighSeg.Core.Abstractions;

/// <summary>
/// How the forward passes of pretraining, fine-tuning and inference run on the device, without changing what is
/// computed: numeric <see cref="Precision"/>, the <see cref="ChannelsLast"/> memory layout and cuDNN autotuning. One
/// record shared by <see cref="PretrainOptions.Performance"/>, <see cref="FineTuneOptions.Performance"/> and prediction,
/// so <c>with</c> changes one setting everywhere. The defaults are fp32, channels-last and no autotuning: channels-last
/// was measured faster on the CPU at every network size tried (1.2-1.4x per step, docs/benchmarks.md tables 1d and
/// 1e) and is PyTorch's fast layout on GPUs; bf16 changes results beyond rounding and autotuning is unmeasured on a
/// GPU, so both stay off. docs/training.md ("Precision and memory layout") says what each switch does.
/// Immutable; every value is validated when set.
/// </summary>
public sealed record PerformanceOptions
{
    /// <summary>fp32, channels-last, no cuDNN autotuning.</summary>
    public static PerformanceOptions Default { get; } = new();

    /// <summary>
    /// Precision of the forward passes (<see cref="Precision.Fp32"/> by default). With <see cref="Precision.Bf16"/>,
    /// convolutions and linear layers run in bfloat16 under libtorch's autocast while master weights, optimizer state,
    /// losses, softmax and batch-norm statistics stay fp32.
    /// </summary>
    public Precision Precision
    {
        get;
        init => field = Enum.IsDefined(value) ? value : throw new ArgumentOutOfRangeException(nameof(Precision), value, $"Precision must be Fp32 or Bf16, got {value}.");
    } = Precision.Fp32;

    /// <summary>
    /// Keep inputs, activations and convolution weights in channels-last (NHWC) memory layout, as PyTorch's
    /// <c>memory_format=torch.channels_last</c> (the default: true); false keeps libtorch's NCHW. Results are the same
    /// up to rounding; on this project's CPU channels-last is 1.2-1.4x faster per step (docs/benchmarks.md).
    /// </summary>
    public bool ChannelsLast { get; init; } = true;

    /// <summary>
    /// Let cuDNN time its convolution algorithms for each new shape and keep the fastest (PyTorch's
    /// <c>torch.backends.cudnn.benchmark</c>), for the duration of a training or prediction call; the previous setting
    /// is restored afterwards. Only cuDNN (CUDA) reads it; on the CPU it changes nothing.
    /// </summary>
    public bool CudnnBenchmark { get; init; }

    /// <summary>A short description for logs and reports, such as <c>bf16, channels-last, cudnn-benchmark</c>.</summary>
    public override string ToString() =>
        string.Join(", ", new[] { Precision.ToString().ToLowerInvariant(), ChannelsLast ? "channels-last" : "nchw", CudnnBenchmark ? "cudnn-benchmark" : null }.OfType<string>());
}
