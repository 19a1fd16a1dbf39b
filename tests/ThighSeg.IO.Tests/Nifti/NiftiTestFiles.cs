using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json;
using ThighSeg.IO.Nifti;

namespace ThighSeg.IO.Tests.Nifti;

/// <summary>Helpers: synthetic NIfTI files, nibabel's test data, and the nibabel reference script.</summary>
internal static class NiftiTestFiles
{
    public const string NibabelData = "/usr/lib/python3/dist-packages/nibabel/tests/data";
    public const string Python = "/usr/bin/python3";

    public static string RepoRoot { get; } = FindRoot();

    public static string ReferenceScript => Path.Combine(RepoRoot, "tests", "reference", "nifti_reference.py");

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (dir is not null && !System.IO.File.Exists(Path.Combine(dir.FullName, "ThighSeg.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("Repository root (ThighSeg.sln) not found.");
    }

    public static string Nib(string name) => Path.Combine(NibabelData, name);

    /// <summary>Skips (Assert.Ignore) unless /usr/bin/python3 with nibabel and its test data exist.</summary>
    public static void RequireNibabel()
    {
        if (!System.IO.File.Exists(Python) || !Directory.Exists(NibabelData))
        {
            Assert.Ignore($"nibabel reference tests need {Python} with python3-nibabel (Debian package) and its test data in {NibabelData}.");
        }
    }

    /// <summary>Runs the reference script on the given specs (path or path@volume) and returns its JSON records.</summary>
    public static JsonElement[] Reference(params string[] specs)
    {
        var psi = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(ReferenceScript);
        foreach (var s in specs)
        {
            psi.ArgumentList.Add(s);
        }
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(60_000))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail("nibabel reference script timed out.");
        }
        if (p.ExitCode != 0)
        {
            if (stderr.Result.Contains("No module named 'nibabel'", StringComparison.Ordinal))
            {
                Assert.Ignore($"{Python} lacks nibabel (install python3-nibabel): {stderr.Result}");
            }
            Assert.Fail($"nibabel reference script failed ({p.ExitCode}): {stderr.Result}");
        }
        using var doc = JsonDocument.Parse(stdout.Result);
        return doc.RootElement.EnumerateArray().Select(e => e.Clone()).ToArray();
    }

    public static NiftiHeader Header(int nx, int ny, int nz, NiftiDataType type, int nt = 1, int version = 1) => new()
    {
        Version = version,
        Dim = [nt > 1 ? 4 : 3, nx, ny, nz, nt, 1, 1, 1],
        DataTypeCode = (int)type,
        BitPix = 8 * NiftiDataTypes.BytesPerVoxel(type),
        PixDim = [1, 1.5, 2, 3, 1, 0, 0, 0],
        VoxOffset = version == 1 ? 352 : 544,
        SclSlope = 1,
        SformCode = 1,
        SRow = [1.5, 0, 0, -10, 0, 2, 0, 20, 0, 0, 3, 30],
    };

    /// <summary>A complete single-file NIfTI: header, 4 zero extension bytes, then the raw voxel bytes.</summary>
    public static byte[] File(NiftiHeader h, byte[] voxels, bool bigEndian = false)
    {
        var ms = new MemoryStream();
        ms.Write(h.ToBytes(bigEndian));
        ms.Write(new byte[4]);
        long pad = (long)h.VoxOffset - ms.Length;
        if (pad > 0)
        {
            ms.Write(new byte[pad]);
        }
        ms.Write(voxels);
        return ms.ToArray();
    }

    public static byte[] Gzip(byte[] data)
    {
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
        {
            gz.Write(data);
        }
        return ms.ToArray();
    }

    /// <summary>Encodes values as the given type and byte order.</summary>
    public static byte[] Encode(double[] values, NiftiDataType type, bool bigEndian)
    {
        int bpp = NiftiDataTypes.BytesPerVoxel(type);
        var b = new byte[values.Length * bpp];
        for (int i = 0; i < values.Length; i++)
        {
            var s = b.AsSpan(i * bpp);
            double v = values[i];
            switch (type)
            {
                case NiftiDataType.UInt8: s[0] = (byte)v; break;
                case NiftiDataType.Int8: s[0] = (byte)(sbyte)v; break;
                case NiftiDataType.Int16: if (bigEndian) { BinaryPrimitives.WriteInt16BigEndian(s, (short)v); } else { BinaryPrimitives.WriteInt16LittleEndian(s, (short)v); } break;
                case NiftiDataType.UInt16: if (bigEndian) { BinaryPrimitives.WriteUInt16BigEndian(s, (ushort)v); } else { BinaryPrimitives.WriteUInt16LittleEndian(s, (ushort)v); } break;
                case NiftiDataType.Int32: if (bigEndian) { BinaryPrimitives.WriteInt32BigEndian(s, (int)v); } else { BinaryPrimitives.WriteInt32LittleEndian(s, (int)v); } break;
                case NiftiDataType.UInt32: if (bigEndian) { BinaryPrimitives.WriteUInt32BigEndian(s, (uint)v); } else { BinaryPrimitives.WriteUInt32LittleEndian(s, (uint)v); } break;
                case NiftiDataType.Float32: if (bigEndian) { BinaryPrimitives.WriteSingleBigEndian(s, (float)v); } else { BinaryPrimitives.WriteSingleLittleEndian(s, (float)v); } break;
                case NiftiDataType.Float64: if (bigEndian) { BinaryPrimitives.WriteDoubleBigEndian(s, v); } else { BinaryPrimitives.WriteDoubleLittleEndian(s, v); } break;
            }
        }
        return b;
    }
}

/// <summary>A temporary folder deleted on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "thighseg-io-" + Guid.NewGuid().ToString("N"));

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
