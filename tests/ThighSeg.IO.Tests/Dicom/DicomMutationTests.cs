using System.Diagnostics;
using System.Text;
using ThighSeg.IO.Dicom;

namespace ThighSeg.IO.Tests.Dicom;

/// <summary>
/// Seeded mutation test: thousands of corrupted variants of real (pydicom's) and synthetic DICOM files, each of which
/// must either read or fail with a <see cref="VolumeFormatException"/> — never another exception, never a hang, and
/// never an allocation out of proportion to the file.
/// </summary>
[TestFixture]
public sealed class DicomMutationTests
{
    private const int Seed = 20240611;
    private const int TargetVariants = 3600;
    private static readonly string PydicomFiles = "/usr/lib/python3/dist-packages/pydicom/data/test_files";
    private static readonly string[] RealFiles =
    [
        "MR_small.dcm", "MR_small_implicit.dcm", "MR_small_bigendian.dcm", "MR_small_expb.dcm", "CT_small.dcm",
        "image_dfl.dcm", "rtdose_1frame.dcm", "rtdose_expb_1frame.dcm", "MR_small_RLE.dcm", "JPEG2000.dcm",
    ];

    private static readonly string[] Vrs =
    [
        "AE", "AS", "AT", "CS", "DA", "DS", "DT", "FD", "FL", "IS", "LO", "LT", "OB", "OD", "OF", "OL", "OV", "OW",
        "PN", "SH", "SL", "SQ", "SS", "ST", "SV", "TM", "UC", "UI", "UL", "UN", "UR", "US", "UT", "UV",
    ];

    private static readonly uint[] InterestingLengths = [0, 1, 2, 3, 7, 0xFF, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFF0, 100000];

    private static List<(string Name, byte[] Bytes)> SeedFiles()
    {
        var seeds = new List<(string, byte[])>();
        foreach (string f in RealFiles)
        {
            string path = Path.Combine(PydicomFiles, f);
            if (File.Exists(path))
            {
                seeds.Add((f, File.ReadAllBytes(path)));
            }
        }
        // Synthetic files with nested sequences of defined and undefined length in every syntax we read.
        var item = new DicomTestWriter().Text(0x00080100, "SH", "C1").Sequence(0x00400008, true, true, new DicomTestWriter().Text(0x00080104, "LO", "inner"));
        var slice = DicomTestWriter.MrSlice(6, 5, [1, 2, 3], [1, 0, 0, 0, 1, 0], [0.5, 0.5], Enumerable.Range(0, 30).Select(i => (short)(i - 9)).ToArray())
            .Sequence(0x00081032, true, false, item).Sequence(0x00081140, false, true, item, item);
        foreach (var syntax in Enum.GetValues<TestSyntax>())
        {
            seeds.Add(($"synthetic-{syntax}", slice.ToBytes(syntax)));
        }
        seeds.Add(("synthetic-raw-implicit", slice.ToBytes(TestSyntax.ImplicitLittle, preamble: false, meta: false)));
        return seeds;
    }

    [Test]
    public void Read_CorruptedVariants_NeverThrowAnythingButVolumeFormatException()
    {
        var seeds = SeedFiles();
        int perSeed = (TargetVariants + seeds.Count - 1) / seeds.Count; // works with or without pydicom's files installed
        int variants = 0, read = 0, refused = 0;
        var failures = new List<string>();
        var clock = Stopwatch.StartNew();
        var work = Task.Run(() =>
        {
            var rng = new Random(Seed);
            foreach (var (name, original) in seeds)
            {
                for (int v = 0; v < perSeed; v++)
                {
                    (byte[] bytes, string how) = Mutate(original, rng);
                    variants++;
                    long before = GC.GetAllocatedBytesForCurrentThread();
                    try
                    {
                        DicomSeriesReader.ReadSingle(bytes, name);
                        read++;
                    }
                    catch (VolumeFormatException)
                    {
                        refused++;
                    }
#pragma warning disable CA1031 // the point of the test is to catch every other exception type
                    catch (Exception ex)
#pragma warning restore CA1031
                    {
                        failures.Add($"{name} variant {v} ({how}): {ex.GetType().Name}: {ex.Message}\n{ex.StackTrace}");
                    }
                    long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                    long bound = (name.Contains("dfl", StringComparison.Ordinal) || name.Contains("Deflated", StringComparison.Ordinal) ? 2100L : 64L) * bytes.Length + (1 << 20);
                    if (allocated > bound)
                    {
                        failures.Add($"{name} variant {v} ({how}): allocated {allocated} bytes for a {bytes.Length}-byte file");
                    }
                }
            }
        });
        Assert.That(work.Wait(TimeSpan.FromSeconds(60)), Is.True, "the mutation run did not finish within 60 s (a hang?)");
        TestContext.Out.WriteLine($"{variants} variants of {seeds.Count} files in {clock.ElapsedMilliseconds} ms: {read} read, {refused} refused");
        Assert.That(failures, Is.Empty, string.Join("\n\n", failures.Take(5)));
        Assert.That(variants, Is.GreaterThanOrEqualTo(2000));
        Assert.That(refused, Is.GreaterThan(variants / 4), "most structural corruptions should be refused");
    }

    private static (byte[] Bytes, string How) Mutate(byte[] original, Random rng)
    {
        byte[] b = (byte[])original.Clone();
        // Most structure lives before the pixel data: aim two thirds of the edits at the first 1 KB.
        int Pick(int length) => rng.Next(3) < 2 ? rng.Next(Math.Min(length, 1024)) : rng.Next(length);
        switch (rng.Next(6))
        {
            case 0:
            {
                int n = 1 + rng.Next(8);
                for (int i = 0; i < n; i++)
                {
                    b[Pick(b.Length)] = (byte)rng.Next(256);
                }
                return (b, $"{n} random bytes");
            }
            case 1:
            {
                int at = Pick(b.Length);
                b[at] ^= (byte)(1 << rng.Next(8));
                return (b, $"bit flip at {at}");
            }
            case 2:
            {
                int len = rng.Next(b.Length);
                return (b[..len], $"truncated to {len}");
            }
            case 3:
            {
                // Overwrite the length field of a real explicit-VR element header.
                var headers = FindExplicitHeaders(b);
                if (headers.Count == 0)
                {
                    goto default;
                }
                int vrAt = headers[rng.Next(headers.Count)];
                string vr = Encoding.ASCII.GetString(b, vrAt, 2);
                uint value = InterestingLengths[rng.Next(InterestingLengths.Length)];
                bool longForm = vr is "OB" or "OD" or "OF" or "OL" or "OV" or "OW" or "SQ" or "SV" or "UC" or "UN" or "UR" or "UT" or "UV";
                if (longForm && vrAt + 8 <= b.Length)
                {
                    BitConverter.GetBytes(value).CopyTo(b, vrAt + 4);
                }
                else if (vrAt + 4 <= b.Length)
                {
                    BitConverter.GetBytes((ushort)value).CopyTo(b, vrAt + 2);
                }
                return (b, $"length of {vr} at {vrAt - 4} set to {value}");
            }
            case 4:
            {
                // Garbage VR.
                var headers = FindExplicitHeaders(b);
                if (headers.Count == 0)
                {
                    goto default;
                }
                int vrAt = headers[rng.Next(headers.Count)];
                string vr = rng.Next(2) == 0 ? Vrs[rng.Next(Vrs.Length)] : $"{(char)rng.Next(256)}{(char)rng.Next(256)}";
                b[vrAt] = (byte)vr[0];
                b[vrAt + 1] = (byte)vr[1];
                return (b, $"VR at {vrAt} set to bytes {(int)vr[0]},{(int)vr[1]}");
            }
            default:
            {
                // A 4-byte interesting value anywhere (covers implicit-VR lengths and tags).
                int at = Pick(Math.Max(1, b.Length - 4));
                uint value = InterestingLengths[rng.Next(InterestingLengths.Length)];
                if (at + 4 <= b.Length)
                {
                    BitConverter.GetBytes(value).CopyTo(b, at);
                }
                return (b, $"uint32 {value} written at {at}");
            }
        }
    }

    private static List<int> FindExplicitHeaders(byte[] b)
    {
        var found = new List<int>();
        for (int i = 4; i + 2 <= b.Length && i < 4096; i++)
        {
            if (b[i] is >= (byte)'A' and <= (byte)'Z' && b[i + 1] is >= (byte)'A' and <= (byte)'Z' && Array.IndexOf(Vrs, Encoding.ASCII.GetString(b, i, 2)) >= 0)
            {
                found.Add(i);
            }
        }
        return found;
    }
}
