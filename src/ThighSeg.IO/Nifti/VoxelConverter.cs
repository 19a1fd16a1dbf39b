using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;

namespace ThighSeg.IO.Nifti;

/// <summary>
/// Converts raw stored voxels to float32, span at a time: byte swap in place when the file's byte order differs from
/// the machine's, then one tight (SIMD where it pays) loop per datatype, with no per-voxel dispatch.
/// </summary>
internal static class VoxelConverter
{
    /// <summary>
    /// Converts <paramref name="raw"/> (whole voxels of <paramref name="type"/>; byte-swapped in place when
    /// <paramref name="swap"/>) into <paramref name="dst"/>. With <paramref name="scale"/>, each value becomes
    /// <c>(float)(raw·slope + inter)</c> computed in double, as nibabel's <c>get_fdata</c> does before rounding.
    /// </summary>
    public static void Convert(Span<byte> raw, Span<float> dst, NiftiDataType type, bool swap, bool scale, double slope, double inter)
    {
        switch (type)
        {
            case NiftiDataType.UInt8:
                if (scale) { Scaled<byte>(raw, dst, slope, inter); } else { FromUInt8(raw, dst); }
                break;
            case NiftiDataType.Int8:
                if (scale) { Scaled<sbyte>(raw, dst, slope, inter); } else { FromInt8(MemoryMarshal.Cast<byte, sbyte>(raw), dst); }
                break;
            case NiftiDataType.Int16:
            {
                var s = MemoryMarshal.Cast<byte, short>(raw);
                if (swap) { BinaryPrimitives.ReverseEndianness(s, s); }
                if (scale) { Scaled<short>(raw, dst, slope, inter); } else { FromInt16(s, dst); }
                break;
            }
            case NiftiDataType.UInt16:
            {
                var s = MemoryMarshal.Cast<byte, ushort>(raw);
                if (swap) { BinaryPrimitives.ReverseEndianness(s, s); }
                if (scale) { Scaled<ushort>(raw, dst, slope, inter); } else { FromUInt16(s, dst); }
                break;
            }
            case NiftiDataType.Int32:
            {
                var s = MemoryMarshal.Cast<byte, int>(raw);
                if (swap) { BinaryPrimitives.ReverseEndianness(s, s); }
                if (scale) { Scaled<int>(raw, dst, slope, inter); } else { Plain<int>(raw, dst); }
                break;
            }
            case NiftiDataType.UInt32:
            {
                var s = MemoryMarshal.Cast<byte, uint>(raw);
                if (swap) { BinaryPrimitives.ReverseEndianness(s, s); }
                if (scale) { Scaled<uint>(raw, dst, slope, inter); } else { Plain<uint>(raw, dst); }
                break;
            }
            case NiftiDataType.Float32:
            {
                var s = MemoryMarshal.Cast<byte, uint>(raw);
                if (swap) { BinaryPrimitives.ReverseEndianness(s, s); }
                if (scale) { Scaled<float>(raw, dst, slope, inter); } else { MemoryMarshal.Cast<byte, float>(raw).CopyTo(dst); }
                break;
            }
            case NiftiDataType.Float64:
            {
                var s = MemoryMarshal.Cast<byte, ulong>(raw);
                if (swap) { BinaryPrimitives.ReverseEndianness(s, s); }
                if (scale) { Scaled<double>(raw, dst, slope, inter); } else { Plain<double>(raw, dst); }
                break;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, "Unsupported datatype.");
        }
    }

    private static void Scaled<T>(Span<byte> raw, Span<float> dst, double slope, double inter) where T : unmanaged, INumberBase<T>
    {
        ReadOnlySpan<T> src = MemoryMarshal.Cast<byte, T>(raw);
        for (int i = 0; i < src.Length; i++)
        {
            dst[i] = (float)((double.CreateTruncating(src[i]) * slope) + inter);
        }
    }

    private static void Plain<T>(Span<byte> raw, Span<float> dst) where T : unmanaged, INumberBase<T>
    {
        ReadOnlySpan<T> src = MemoryMarshal.Cast<byte, T>(raw);
        for (int i = 0; i < src.Length; i++)
        {
            // Through double: correctly rounded, as nibabel's float64 result rounded to float32.
            dst[i] = (float)double.CreateTruncating(src[i]);
        }
    }

    private static void FromInt16(ReadOnlySpan<short> src, Span<float> dst)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && src.Length >= Vector<short>.Count)
        {
            var vs = MemoryMarshal.Cast<short, Vector<short>>(src);
            var vd = MemoryMarshal.Cast<float, Vector<float>>(dst[..(vs.Length * Vector<short>.Count)]);
            for (int v = 0; v < vs.Length; v++)
            {
                Vector.Widen(vs[v], out Vector<int> lo, out Vector<int> hi);
                vd[2 * v] = Vector.ConvertToSingle(lo);
                vd[(2 * v) + 1] = Vector.ConvertToSingle(hi);
            }
            i = vs.Length * Vector<short>.Count;
        }
        for (; i < src.Length; i++)
        {
            dst[i] = src[i];
        }
    }

    private static void FromUInt16(ReadOnlySpan<ushort> src, Span<float> dst)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && src.Length >= Vector<ushort>.Count)
        {
            var vs = MemoryMarshal.Cast<ushort, Vector<ushort>>(src);
            var vd = MemoryMarshal.Cast<float, Vector<float>>(dst[..(vs.Length * Vector<ushort>.Count)]);
            for (int v = 0; v < vs.Length; v++)
            {
                Vector.Widen(vs[v], out Vector<uint> lo, out Vector<uint> hi);
                vd[2 * v] = Vector.ConvertToSingle(Vector.AsVectorInt32(lo));
                vd[(2 * v) + 1] = Vector.ConvertToSingle(Vector.AsVectorInt32(hi));
            }
            i = vs.Length * Vector<ushort>.Count;
        }
        for (; i < src.Length; i++)
        {
            dst[i] = src[i];
        }
    }

    private static void FromUInt8(ReadOnlySpan<byte> src, Span<float> dst)
    {
        for (int i = 0; i < src.Length; i++)
        {
            dst[i] = src[i];
        }
    }

    private static void FromInt8(ReadOnlySpan<sbyte> src, Span<float> dst)
    {
        for (int i = 0; i < src.Length; i++)
        {
            dst[i] = src[i];
        }
    }
}
