using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ThighSeg.Core;
using ThighSeg.Core.Abstractions;
using ThighSeg.Core.Data;
using ThighSeg.Torch.Interop;
using static TorchSharp.torch;

namespace ThighSeg.Torch.Training;

/// <summary>
/// A training checkpoint in one file: a JSON header (fingerprint of options and data, completed epoch, step, loss
/// history, free-form state), the module's weights and buffers, the optimizer state, and optional binary blobs.
/// Written atomically (temporary file + rename) so a process killed at any moment leaves either the previous or the new
/// checkpoint, never a corrupt one.
/// </summary>
internal static class Checkpoint
{
    private static readonly byte[] Magic = "THSGCKP2"u8.ToArray();
    private static readonly byte[] MagicV1 = "THSGCKP1"u8.ToArray();

    public sealed record State(string Fingerprint, int Epoch, long Step, List<double> LossHistory, JsonObject Extra, List<byte[]> Blobs);

    /// <summary>A stable hash of the options and the data (subject, part and size of every stack, in order).</summary>
    public static string Fingerprint(object options, IEnumerable<SliceStack> stacks, string? extra = null)
    {
        var sb = new StringBuilder();
        sb.Append(JsonSerializer.Serialize(options, options.GetType()));
        foreach (var s in stacks)
        {
            sb.Append('|').Append(s.SubjectId).Append('/').Append(s.Part).Append('/').Append(s.Width).Append('x').Append(s.Height).Append('x').Append(s.Depth);
        }
        sb.Append('|').Append(extra);
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())));
    }

    public static void Write(string path, State state, nn.Module module, ParameterOptimizer optimizer)
    {
        var header = new JsonObject
        {
            ["formatVersion"] = 1,
            ["fingerprint"] = state.Fingerprint,
            ["epoch"] = state.Epoch,
            ["step"] = state.Step,
            ["lossHistory"] = new JsonArray(state.LossHistory.Select(v => (JsonNode?)JsonValue.Create(double.IsFinite(v) ? v : 0)).ToArray()),
            ["extra"] = state.Extra.DeepClone(),
        };
        byte[] headerBytes = Encoding.UTF8.GetBytes(header.ToJsonString());
        AtomicFile.Write(path, stream =>
        {
            using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            w.Write(Magic);
            w.Write(headerBytes.Length);
            w.Write(headerBytes);
            ModuleState.Save(module, w);
            optimizer.Save(w);
            w.Write(state.Blobs.Count);
            foreach (byte[] b in state.Blobs)
            {
                w.Write((long)b.Length);
                w.Write(b);
            }
            w.Flush();
        });
    }

    /// <summary>
    /// Loads the checkpoint at <paramref name="path"/> into <paramref name="module"/> and <paramref name="optimizer"/>,
    /// or returns null when there is none.
    /// </summary>
    /// <exception cref="ThighSegException">The checkpoint was written for other options or data.</exception>
    /// <exception cref="ModelFormatException">The file is corrupt.</exception>
    public static State? TryRead(string path, string fingerprint, nn.Module module, ParameterOptimizer optimizer)
    {
        if (!File.Exists(path))
        {
            return null;
        }
        try
        {
            using var fs = File.OpenRead(path);
            using var r = new BinaryReader(fs, Encoding.UTF8, leaveOpen: true);
            byte[] magic = r.ReadBytes(Magic.Length);
            if (magic.AsSpan().SequenceEqual(MagicV1))
            {
                throw new ModelFormatException($"{path} was written by an earlier ThighSeg version (other optimizer state). Delete it to start over.");
            }
            if (!magic.AsSpan().SequenceEqual(Magic))
            {
                throw new ModelFormatException($"{path} is not a ThighSeg checkpoint.");
            }
            int len = r.ReadInt32();
            if (len <= 0 || len > 64 << 20)
            {
                throw new ModelFormatException($"{path}: corrupt checkpoint header.");
            }
            var header = JsonNode.Parse(r.ReadBytes(len))?.AsObject() ?? throw new ModelFormatException($"{path}: empty checkpoint header.");
            string fp = header["fingerprint"]?.GetValue<string>() ?? "";
            if (fp != fingerprint)
            {
                throw new ThighSegException(
                    $"The checkpoint {path} was written by a run with different options or data. Use a new output folder, or delete the checkpoint to start over.");
            }
            ModuleState.Load(module, r);
            optimizer.Load(r);
            int blobs = r.ReadInt32();
            var list = new List<byte[]>();
            for (int i = 0; i < blobs; i++)
            {
                long n = r.ReadInt64();
                if (n < 0 || n > fs.Length)
                {
                    throw new ModelFormatException($"{path}: corrupt checkpoint blob.");
                }
                list.Add(r.ReadBytes((int)n));
            }
            return new State(
                fp,
                header["epoch"]!.GetValue<int>(),
                header["step"]!.GetValue<long>(),
                header["lossHistory"]!.AsArray().Select(v => v!.GetValue<double>()).ToList(),
                header["extra"]?.AsObject().DeepClone().AsObject() ?? [],
                list);
        }
        catch (Exception ex) when (ex is EndOfStreamException or IOException or JsonException or InvalidOperationException or ArgumentException or FormatException or NullReferenceException or InvalidDataException)
        {
            throw new ModelFormatException($"The checkpoint {path} is corrupt or incompatible ({ex.Message}). Delete it to start over.", ex);
        }
    }
}
