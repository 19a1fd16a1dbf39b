using System.Globalization;
using ThighSeg.Core;
using ThighSeg.Core.Data;
using ThighSeg.Torch.Interop;
using static TorchSharp.torch;

namespace ThighSeg.Torch.Data;

/// <summary>
/// The one conversion point between Core's arrays and tensors: gathers slices of <see cref="SliceStack"/>s into
/// contiguous host buffers and copies them to the device in one transfer per tensor.
/// </summary>
/// <remarks>
/// Shapes: images <c>[N, 1, H, W]</c> float32, labels <c>[N, H, W]</c> int64 class indices (via a <see cref="LabelMap"/>),
/// positions <c>[N]</c> float32. Tensors are created in the caller's dispose scope. Thread-safe (no shared state).
/// </remarks>
internal static class TensorBridge
{
    /// <summary>Checks that all stacks share one slice size and returns it (height, width).</summary>
    /// <exception cref="ThighSegException">No stacks, no slices, or mixed slice sizes.</exception>
    public static (int Height, int Width) CommonSliceSize(IReadOnlyList<SliceStack> stacks)
    {
        ArgumentNullException.ThrowIfNull(stacks);
        if (stacks.Count == 0)
        {
            throw new ThighSegException("No slice stacks were given; training needs at least one subject.");
        }
        int h = stacks[0].Height, w = stacks[0].Width;
        foreach (var s in stacks)
        {
            if (s.Height != h || s.Width != w)
            {
                throw new ThighSegException(string.Create(CultureInfo.InvariantCulture,
                    $"Stacks must share one slice size: {stacks[0].SubjectId}/{stacks[0].Part} is {w}x{h}, {s.SubjectId}/{s.Part} is {s.Width}x{s.Height}."));
            }
        }
        return (h, w);
    }

    /// <summary>Images <c>[N, 1, H, W]</c> float32 on <paramref name="device"/>.</summary>
    public static Tensor Images(IReadOnlyList<PositionalSlice> slices, Device device)
    {
        var (n, h, w) = Shape(slices);
        var buffer = new float[n * h * w];
        int size = h * w;
        for (int i = 0; i < n; i++)
        {
            slices[i].Stack.SliceImage(slices[i].Index).Span.CopyTo(buffer.AsSpan(i * size, size));
        }
        return ToDevice(tensor(buffer, [n, 1, h, w]), device);
    }

    /// <summary>Class indices <c>[N, H, W]</c> int64 on <paramref name="device"/>.</summary>
    /// <exception cref="ThighSegException">A slice has no labels or a label value outside <paramref name="classes"/>.</exception>
    public static Tensor Labels(IReadOnlyList<PositionalSlice> slices, LabelLookup classes, Device device)
    {
        var (n, h, w) = Shape(slices);
        var buffer = new long[n * h * w];
        int size = h * w;
        for (int i = 0; i < n; i++)
        {
            var s = slices[i];
            if (s.Stack.Labels is null)
            {
                throw new ThighSegException($"Stack {s.Stack.SubjectId}/{s.Stack.Part} has no labels; fine-tuning needs labelled stacks.");
            }
            classes.Map(s.Stack.SliceLabels(s.Index).Span, buffer.AsSpan(i * size, size), s.Stack.SubjectId);
        }
        return ToDevice(tensor(buffer, [n, h, w]), device);
    }

    /// <summary>Normalised positions <c>[N]</c> float32 on <paramref name="device"/>.</summary>
    public static Tensor Positions(IReadOnlyList<PositionalSlice> slices, Device device)
    {
        var p = new float[slices.Count];
        for (int i = 0; i < p.Length; i++)
        {
            p[i] = (float)slices[i].Position;
        }
        return ToDevice(tensor(p), device);
    }

    /// <summary>GCL partition indices <c>[N]</c> int64 on <paramref name="device"/>.</summary>
    public static Tensor Partitions(IReadOnlyList<PositionalSlice> slices, int partitions, Device device)
    {
        var g = new long[slices.Count];
        for (int i = 0; i < g.Length; i++)
        {
            g[i] = Losses.ContrastiveLoss.PartitionOf(slices[i].Position, partitions);
        }
        return ToDevice(tensor(g), device);
    }

    /// <summary>Copies class probabilities <c>[N, C, H, W]</c> (any device) into per-class arrays at slice offset <paramref name="firstSlice"/>.</summary>
    public static void CopyProbabilities(Tensor probabilities, IReadOnlyList<float[]> target, int firstSlice)
    {
        using var cpu = probabilities.to(CPU).contiguous();
        long n = cpu.shape[0], c = cpu.shape[1], size = cpu.shape[2] * cpu.shape[3];
        var data = cpu.data<float>();
        for (long i = 0; i < n; i++)
        {
            for (long k = 0; k < c; k++)
            {
                long src = (i * c + k) * size;
                for (long j = 0; j < size; j++)
                {
                    target[(int)k][((firstSlice + i) * size) + j] = data[src + j];
                }
            }
        }
    }

    /// <summary>Copies class indices <c>[N, H, W]</c> (any device) into label values at slice offset <paramref name="firstSlice"/>.</summary>
    public static void CopyLabels(Tensor classIndices, LabelMap classes, int[] target, int firstSlice)
    {
        using var cpu = classIndices.to(CPU).to_type(ScalarType.Int64).contiguous();
        var data = cpu.data<long>();
        long count = data.Count;
        long offset = (long)firstSlice * cpu.shape[1] * cpu.shape[2];
        for (long j = 0; j < count; j++)
        {
            target[offset + j] = classes.ClassValue((int)data[j]);
        }
    }

    private static (int N, int H, int W) Shape(IReadOnlyList<PositionalSlice> slices)
    {
        ArgumentNullException.ThrowIfNull(slices);
        if (slices.Count == 0)
        {
            throw new ArgumentException("A batch needs at least one slice.", nameof(slices));
        }
        int h = slices[0].Stack.Height, w = slices[0].Stack.Width;
        foreach (var s in slices)
        {
            if (s.Stack.Height != h || s.Stack.Width != w)
            {
                throw new ThighSegException("All slices of a batch must have the same size.");
            }
        }
        return (slices.Count, h, w);
    }

    private static Tensor ToDevice(Tensor host, Device device)
    {
        if (device.type == TorchSharp.DeviceType.CPU)
        {
            return host;
        }
        using (host)
        {
            // CUDA: pinned staging buffer + non-blocking copy (no host synchronisation per batch).
            return TorchPerformance.ToDevice(host, device);
        }
    }
}
