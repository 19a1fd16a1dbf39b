using TorchSharp;
using static TorchSharp.torch;

namespace ThighSeg.Torch.Interop;

/// <summary>
/// Saves and loads a module's state (and single tensors, such as optimizer state) (TorchSharp's <c>Module.save</c>/<c>load</c> format, byte for byte) also when
/// tensors are not contiguous, as channels-last weights are (<see cref="TorchPerformance.ModuleToChannelsLast"/>).
/// </summary>
/// <remarks>
/// TorchSharp 0.107 writes and reads tensor bytes only for contiguous tensors ("Bytes() called on non-contiguous
/// tensor"). Replacing a convolution's weight to work around it is not an option: its setter disposes the old
/// parameter, which the optimizer still holds. So a state with non-contiguous entries is written entry by entry with
/// contiguous copies (the same LEB128 count, key and tensor records as <c>save</c>), and read into contiguous
/// temporaries that are copied into the module's tensors in place (their layout is kept). Files are the same either
/// way, so models saved from a channels-last run load anywhere.
/// </remarks>
internal static class ModuleState
{
    /// <summary>Writes <paramref name="module"/>'s state dict as <c>module.save(writer)</c> would for contiguous tensors.</summary>
    public static void Save(nn.Module module, BinaryWriter writer)
    {
        var state = module.state_dict();
        if (state.Values.All(t => t.is_contiguous()))
        {
            module.save(writer);
            return;
        }
        WriteLeb128(writer, state.Count);
        foreach (var (name, tensor) in state)
        {
            writer.Write(name);
            SaveTensor(tensor, writer);
        }
    }

    /// <summary>Reads a state written by <see cref="Save"/> or <c>module.save</c> into <paramref name="module"/> (strict: the same entries).</summary>
    /// <exception cref="ArgumentException">The state does not fit the module (names, shapes or dtypes).</exception>
    public static void Load(nn.Module module, BinaryReader reader)
    {
        var state = module.state_dict();
        if (state.Values.All(t => t.is_contiguous()))
        {
            module.load(reader, strict: true);
            return;
        }
        long count = ReadLeb128(reader);
        if (count != state.Count)
        {
            throw new ArgumentException($"The saved state has {count} entries; the module has {state.Count}.");
        }
        for (long i = 0; i < count; i++)
        {
            string name = reader.ReadString();
            if (!state.TryGetValue(name, out Tensor? target))
            {
                throw new ArgumentException($"The saved state has an entry '{name}' the module does not have.");
            }
            LoadTensor(target, reader);
        }
    }

    /// <summary>Writes one tensor in TorchSharp's format (<c>tensor.Save</c>), from a contiguous copy when it is not contiguous.</summary>
    public static void SaveTensor(Tensor tensor, BinaryWriter writer)
    {
        if (tensor.is_contiguous())
        {
            tensor.Save(writer);
            return;
        }
        using var copy = tensor.contiguous();
        copy.Save(writer);
    }

    /// <summary>Reads one tensor written by <see cref="SaveTensor"/> into <paramref name="target"/> in place, keeping its layout.</summary>
    public static void LoadTensor(Tensor target, BinaryReader reader)
    {
        if (target.is_contiguous())
        {
            target.Load(reader);
            return;
        }
        using var noGrad = no_grad();
        using var temporary = empty(target.shape, dtype: target.dtype, device: target.device);
        temporary.Load(reader);
        target.copy_(temporary);
    }

    // TorchSharp's entry count: unsigned LEB128 (7 bits a byte, high bit = more).
    private static void WriteLeb128(BinaryWriter writer, long value)
    {
        do
        {
            byte b = (byte)(value & 0x7f);
            value >>= 7;
            writer.Write(value == 0 ? b : (byte)(b | 0x80));
        }
        while (value != 0);
    }

    private static long ReadLeb128(BinaryReader reader)
    {
        long value = 0;
        for (int shift = 0; shift < 63; shift += 7)
        {
            byte b = reader.ReadByte();
            value |= (long)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }
        throw new ArgumentException("The saved state's entry count is malformed.");
    }
}
