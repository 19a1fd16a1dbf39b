using ThighSeg.Core.Abstractions;
using TorchSharp;
using static TorchSharp.torch;

namespace ThighSeg.Torch.Interop;

/// <summary>
/// A region of code in which libtorch's autocast runs on one device type with one low-precision dtype, as PyTorch's
/// <c>with torch.autocast(device_type, dtype):</c>. Disposing it restores the calling thread's previous autocast state
/// (enabled flag and dtype), also when the region is left by an exception; nested scopes restore in turn, and the
/// outermost one clears autocast's cache of low-precision weight copies (so an optimizer step is never hidden by a
/// stale copy).
/// </summary>
/// <remarks>
/// The autocast state is thread-local in libtorch: dispose the scope on the thread that created it (the usual
/// <c>using</c> block), which <see cref="Dispose"/> enforces. Put only forward passes inside; compute losses and softmax
/// on fp32 tensors (<see cref="MixedPrecision.ToFloat32"/>) and call <c>backward()</c> and the optimizer
/// step after the scope. Under autocast, libtorch runs convolutions, transposed convolutions and linear layers in the
/// low-precision dtype; batch norm keeps fp32 weights and running statistics (bf16 activations in, fp32 statistics).
/// </remarks>
public sealed class AutocastScope : IDisposable
{
    private readonly LibTorchInterop? _interop;
    private readonly DeviceType _device;
    private readonly bool _previousEnabled;
    private readonly ScalarType _previousDtype;
    private readonly int _threadId;
    private bool _disposed;

    private AutocastScope(LibTorchInterop? interop, DeviceType device, bool enabled, ScalarType dtype)
    {
        _interop = interop;
        _device = device;
        _threadId = Environment.CurrentManagedThreadId;
        Enabled = enabled;
        Dtype = dtype;
        if (interop is null)
        {
            return;
        }
        _previousEnabled = interop.IsAutocastEnabled(device);
        _previousDtype = interop.GetAutocastDtype(device);
        if (enabled)
        {
            interop.SetAutocastDtype(device, dtype);
        }
        interop.SetAutocastEnabled(device, enabled);
        interop.IncrementNesting();
    }

    /// <summary>Whether autocast is on inside this scope.</summary>
    public bool Enabled { get; }

    /// <summary>The low-precision dtype inside the scope (meaningful when <see cref="Enabled"/>).</summary>
    public ScalarType Dtype { get; }

    /// <summary>
    /// Enters autocast for <paramref name="device"/>'s type with <paramref name="dtype"/> (bf16 by default; fp16 also on CUDA).
    /// </summary>
    /// <exception cref="LibTorchInteropException">The libtorch entry points cannot be bound.</exception>
    /// <exception cref="ArgumentException"><paramref name="dtype"/> is not a 16-bit floating-point type.</exception>
    public static AutocastScope Enter(Device device, ScalarType dtype = ScalarType.BFloat16)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (dtype is not (ScalarType.BFloat16 or ScalarType.Float16))
        {
            throw new ArgumentException($"Autocast needs bfloat16 or float16, not {dtype}.", nameof(dtype));
        }
        return new AutocastScope(LibTorchInterop.Current, device.type, enabled: true, dtype);
    }

    /// <summary>
    /// Enters the scope that <paramref name="precision"/> asks for: bf16 autocast for <see cref="Precision.Bf16"/>;
    /// for <see cref="Precision.Fp32"/> a scope that changes nothing (and needs no libtorch symbols).
    /// </summary>
    /// <exception cref="LibTorchInteropException">bf16 was asked for and the libtorch entry points cannot be bound.</exception>
    public static AutocastScope Enter(Precision precision, Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return precision switch
        {
            Precision.Fp32 => new AutocastScope(null, device.type, enabled: false, ScalarType.Float32),
            Precision.Bf16 => Enter(device, ScalarType.BFloat16),
            _ => throw new ArgumentOutOfRangeException(nameof(precision), precision, "Unknown precision."),
        };
    }

    /// <summary>
    /// Turns autocast off for <paramref name="device"/>'s type inside the scope (PyTorch's
    /// <c>torch.autocast(..., enabled=False)</c>), for a region that must run in fp32 inside an autocast region.
    /// </summary>
    /// <exception cref="LibTorchInteropException">The libtorch entry points cannot be bound.</exception>
    public static AutocastScope Suspend(Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return new AutocastScope(LibTorchInterop.Current, device.type, enabled: false, ScalarType.Float32);
    }

    /// <summary>Whether autocast is on for <paramref name="device"/>'s type on the calling thread (false when it cannot be bound).</summary>
    public static bool IsEnabled(Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return LibTorchInterop.TryGetCurrent(out var interop, out _) && interop!.IsAutocastEnabled(device.type);
    }

    /// <summary>Restores the previous autocast state of the calling thread. Idempotent.</summary>
    /// <exception cref="InvalidOperationException">Called on another thread than the one that entered the scope.</exception>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        if (Environment.CurrentManagedThreadId != _threadId)
        {
            throw new InvalidOperationException("An AutocastScope must be disposed on the thread that entered it (libtorch's autocast state is thread-local).");
        }
        _disposed = true;
        if (_interop is null)
        {
            return;
        }
        if (_interop.DecrementNesting() == 0)
        {
            _interop.ClearCache();
        }
        _interop.SetAutocastDtype(_device, _previousDtype);
        _interop.SetAutocastEnabled(_device, _previousEnabled);
    }
}
