using System.Globalization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ThighSeg.Torch.Interop;

/// <summary>
/// Opt-in performance switches for libtorch: CPU thread count, TF32 and cuDNN autotuning on CUDA, channels-last
/// (NHWC) memory layout, and pinned-memory host-to-device copies. See docs/benchmarks.md for what each one measured.
/// </summary>
/// <remarks>
/// The thread count, TF32 and cuDNN autotuning are <b>process-wide</b> libtorch settings (as in PyTorch's
/// <c>torch.set_num_threads</c> and <c>torch.backends</c>); ThighSeg's trainers never change them on their own, so an
/// application calls these once at startup. Setting them concurrently with running work is not supported.
/// </remarks>
public static class TorchPerformance
{
    /// <summary>
    /// The number of physical cores this process may run on: distinct (package, core) pairs of the online CPUs in
    /// <c>/sys/devices/system/cpu</c> (Linux), capped by <see cref="Environment.ProcessorCount"/> (which honours affinity and
    /// container CPU limits). Where the topology cannot be read, <see cref="Environment.ProcessorCount"/>.
    /// </summary>
    public static int PhysicalCoreCount()
    {
        int logical = Environment.ProcessorCount;
        try
        {
            const string root = "/sys/devices/system/cpu";
            if (!Directory.Exists(root))
            {
                return logical;
            }
            var cores = new HashSet<(string Package, string Core)>();
            foreach (string dir in Directory.EnumerateDirectories(root, "cpu*"))
            {
                string name = Path.GetFileName(dir);
                if (name.Length <= 3 || !int.TryParse(name.AsSpan(3), NumberStyles.None, CultureInfo.InvariantCulture, out _))
                {
                    continue;
                }
                string online = Path.Combine(dir, "online");
                if (File.Exists(online) && File.ReadAllText(online).Trim() == "0")
                {
                    continue;
                }
                string coreFile = Path.Combine(dir, "topology", "core_id");
                string packageFile = Path.Combine(dir, "topology", "physical_package_id");
                if (!File.Exists(coreFile))
                {
                    return logical;
                }
                string package = File.Exists(packageFile) ? File.ReadAllText(packageFile).Trim() : "0";
                cores.Add((package, File.ReadAllText(coreFile).Trim()));
            }
            return cores.Count == 0 ? logical : Math.Clamp(cores.Count, 1, logical);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return logical;
        }
    }

    /// <summary>
    /// Sets libtorch's intra-op CPU threads to <paramref name="threads"/> (default: <see cref="PhysicalCoreCount"/>;
    /// SMT siblings only add contention to convolution kernels) and returns the value set.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threads"/> is below 1.</exception>
    public static int ConfigureCpuThreads(int? threads = null)
    {
        int n = threads ?? PhysicalCoreCount();
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1, nameof(threads));
        TorchBackend.Initialize();
        torch.set_num_threads(n);
        return torch.get_num_threads();
    }

    /// <summary>
    /// Allows (or forbids) TF32 tensor-core math for CUDA matrix multiplications (cuBLAS) and convolutions (cuDNN).
    /// No effect on the CPU or on GPUs older than Ampere. Process-wide.
    /// </summary>
    public static void SetTf32(bool enabled)
    {
        TorchBackend.Initialize();
        torch.backends.cuda.matmul.allow_tf32 = enabled;
        torch.backends.cudnn.allow_tf32 = enabled;
    }

    /// <summary>Whether TF32 is currently allowed for both cuBLAS matmuls and cuDNN convolutions.</summary>
    public static bool Tf32Enabled
    {
        get
        {
            TorchBackend.Initialize();
            return torch.backends.cuda.matmul.allow_tf32 && torch.backends.cudnn.allow_tf32;
        }
    }

    /// <summary>
    /// True when cuDNN autotuning can be switched (<see cref="SetCudnnBenchmark"/>). TorchSharp 0.107 has no switch for
    /// it, so ThighSeg calls libtorch's own <c>at::globalContext().setBenchmarkCuDNN(bool)</c> through
    /// <see cref="LibTorchInterop"/> (the same call <c>torch.backends.cudnn.benchmark = True</c> makes in PyTorch).
    /// </summary>
    public static bool CudnnBenchmarkSupported => LibTorchInterop.TryGetCurrent(out _, out _);

    /// <summary>
    /// Turns cuDNN autotuning on or off (PyTorch's <c>torch.backends.cudnn.benchmark</c>): each new convolution shape is
    /// timed once with every algorithm and the fastest is cached, which pays off when input shapes repeat (training on
    /// fixed-size slices). Process-wide; harmless on the CPU (the flag is only read by cuDNN).
    /// </summary>
    /// <exception cref="LibTorchInteropException">The libtorch entry points cannot be bound (<see cref="CudnnBenchmarkSupported"/> is false); the message says why.</exception>
    public static void SetCudnnBenchmark(bool enabled) => LibTorchInterop.Current.SetBenchmarkCuDnn(enabled);

    /// <summary>Whether cuDNN autotuning is on (false when it cannot be read).</summary>
    public static bool CudnnBenchmarkEnabled => LibTorchInterop.TryGetCurrent(out var interop, out _) && interop!.BenchmarkCuDnn;

    /// <summary>
    /// A channels-last (NHWC in memory, shape still <c>[N, C, H, W]</c>) copy of a 4-D tensor. TorchSharp 0.107 has no
    /// <c>memory_format</c> argument, so this allocates a tensor with NHWC strides (<c>empty_strided</c>, a base tensor,
    /// not a view, so it can become a parameter that optimizers update in place) and copies the values; libtorch
    /// recognises the strides as channels-last and picks NHWC convolution kernels. The copy is differentiable.
    /// Other ranks are returned as an alias.
    /// </summary>
    public static Tensor ToChannelsLast(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.dim() != 4)
        {
            return tensor.alias();
        }
        long c = tensor.shape[1], h = tensor.shape[2], w = tensor.shape[3];
        Tensor target = empty_strided(tensor.shape, [h * w * c, 1, w * c, c], dtype: tensor.dtype, device: tensor.device);
        target.copy_(tensor); // copy_ returns the same tensor object
        return target;
    }

    /// <summary>True when a 4-D tensor has channels-last strides (channel stride 1, the densest).</summary>
    public static bool IsChannelsLast(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.dim() != 4)
        {
            return false;
        }
        long[] s = tensor.stride();
        long c = tensor.shape[1], w = tensor.shape[3];
        return s[1] == 1 && s[3] == c && s[2] == c * w;
    }

    /// <summary>
    /// Converts the 4-D weights of every convolution and transposed convolution of <paramref name="module"/> to
    /// channels-last in place (values unchanged), as PyTorch's <c>model.to(memory_format=torch.channels_last)</c>.
    /// Call it after moving the module to its device and before creating the optimizer. Feed channels-last inputs
    /// (<see cref="ToChannelsLast"/>) for the whole network to run NHWC.
    /// </summary>
    public static void ModuleToChannelsLast(nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        using var noGrad = torch.no_grad();
        // TorchSharp's named_modules() lists descendants only, so the module itself comes first.
        foreach (var sub in module.named_modules().Select(m => m.module).Prepend(module))
        {
            switch (sub)
            {
                case Conv2d conv when conv.weight is not null:
                    conv.weight = Relayout(conv.weight);
                    break;
                case ConvTranspose2d tconv when tconv.weight is not null:
                    tconv.weight = Relayout(tconv.weight);
                    break;
                default:
                    break;
            }
        }
    }

    private static Parameter Relayout(Parameter weight)
    {
        bool grad = weight.requires_grad;
        long c = weight.shape[1], h = weight.shape[2], w = weight.shape[3];
        Tensor cl = empty_strided(weight.shape, [h * w * c, 1, w * c, c], dtype: weight.dtype, device: weight.device);
        cl.copy_(weight);
        return new Parameter(cl, grad);
    }

    /// <summary>
    /// Copies a host tensor to <paramref name="device"/>. On CUDA the source is first copied into page-locked (pinned)
    /// memory and the transfer is issued without blocking the host; libtorch's caching host allocator keeps the
    /// pinned buffer alive until the copy has run, so the source may be disposed at once. On the CPU the tensor itself
    /// is returned (as an alias). Call inside a dispose scope.
    /// </summary>
    public static Tensor ToDevice(Tensor host, Device device)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(device);
        if (device.type == DeviceType.CPU)
        {
            return host.alias();
        }
        if (device.type == DeviceType.CUDA && host.device_type == DeviceType.CPU)
        {
            using var pinned = host.pin_memory();
            return pinned.to(device, non_blocking: true);
        }
        return host.to(device);
    }
}
