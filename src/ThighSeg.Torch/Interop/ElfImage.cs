using System.Buffers.Binary;
using System.Text;

namespace ThighSeg.Torch.Interop;

/// <summary>
/// A minimal, read-mostly view of a little-endian ELF64 shared object: just enough of the dynamic
/// symbol-versioning tables (<c>.gnu.version</c>, <c>.gnu.version_r</c>, <c>.gnu.version_d</c>),
/// <c>.dynsym</c> and the RELA relocation sections to decide and apply the GLIBCXX compatibility patch.
/// </summary>
/// <remarks>Every offset is bounds-checked; a malformed file gives <see cref="NativeCompatException"/>.</remarks>
internal sealed class ElfImage
{
    private const uint ShtRela = 4;
    private const uint ShtDynsym = 11;
    private const uint ShtGnuVerdef = 0x6ffffffd;
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const uint ShtGnuVersym = 0x6fffffff;

    /// <summary>The <c>VER_FLG_WEAK</c> flag of a version requirement: glibc treats a missing weak version as non-fatal.</summary>
    public const ushort VerFlagWeak = 0x2;

    private readonly byte[] _bytes;
    private readonly List<Section> _sections = [];

    private readonly record struct Section(int Index, uint Type, ulong Offset, ulong Size, uint Link, ulong EntrySize);

    /// <summary>A version requirement (<c>Elf64_Vernaux</c>) on a needed file.</summary>
    /// <param name="File">The needed file, e.g. <c>libstdc++.so.6</c>.</param>
    /// <param name="Name">The version name, e.g. <c>GLIBCXX_3.4.32</c>.</param>
    /// <param name="Index">The version index used in <c>.gnu.version</c>.</param>
    /// <param name="Flags">The <c>vna_flags</c> value.</param>
    /// <param name="FlagsOffset">File offset of <c>vna_flags</c>.</param>
    public readonly record struct VersionNeed(string File, string Name, ushort Index, ushort Flags, int FlagsOffset);

    /// <summary>A dynamic symbol with its version index.</summary>
    public readonly record struct DynamicSymbol(int Index, string Name, bool IsUndefined, ushort VersionIndex, int VersymOffset);

    public ElfImage(byte[] bytes)
    {
        _bytes = bytes ?? throw new ArgumentNullException(nameof(bytes));
        if (bytes.Length < 64 || bytes[0] != 0x7f || bytes[1] != (byte)'E' || bytes[2] != (byte)'L' || bytes[3] != (byte)'F')
        {
            throw new NativeCompatException("not an ELF file (bad magic)");
        }
        if (bytes[4] != 2 || bytes[5] != 1)
        {
            throw new NativeCompatException("only little-endian ELF64 files are supported");
        }
        ulong shoff = U64(0x28);
        int shentsize = U16(0x3A);
        int shnum = U16(0x3C);
        if (shentsize < 64 || shnum == 0)
        {
            throw new NativeCompatException("ELF file has no section headers");
        }
        for (int i = 0; i < shnum; i++)
        {
            int h = Checked(shoff + (ulong)(i * shentsize), 64);
            var s = new Section(i, U32(h + 4), U64(h + 0x18), U64(h + 0x20), U32(h + 0x28), U64(h + 0x38));
            if (s.Type != 8 /* SHT_NOBITS */)
            {
                Checked(s.Offset, s.Size);
            }
            _sections.Add(s);
        }
    }

    /// <summary>The raw bytes of the image (patches are applied to a copy, see <see cref="WithPatches"/>).</summary>
    public ReadOnlySpan<byte> Bytes => _bytes;

    /// <summary>The version requirements in <c>.gnu.version_r</c>.</summary>
    public IReadOnlyList<VersionNeed> VersionNeeds()
    {
        var result = new List<VersionNeed>();
        foreach (var sec in _sections.Where(s => s.Type == ShtGnuVerneed))
        {
            int pos = (int)sec.Offset;
            for (int guard = 0; guard < 4096; guard++)
            {
                Checked((ulong)pos, 16);
                int cnt = U16(pos + 2);
                string file = ReadString(sec.Link, U32(pos + 4));
                int aux = pos + (int)U32(pos + 8);
                for (int j = 0; j < cnt; j++)
                {
                    Checked((ulong)aux, 16);
                    ushort flags = U16(aux + 4);
                    ushort other = U16(aux + 6);
                    string name = ReadString(sec.Link, U32(aux + 8));
                    result.Add(new VersionNeed(file, name, other, flags, aux + 4));
                    uint nextAux = U32(aux + 12);
                    if (nextAux == 0)
                    {
                        break;
                    }
                    aux += (int)nextAux;
                }
                uint next = U32(pos + 12);
                if (next == 0)
                {
                    break;
                }
                pos += (int)next;
            }
        }
        return result;
    }

    /// <summary>The version names this image defines in <c>.gnu.version_d</c> (for example every <c>GLIBCXX_*</c> of a libstdc++).</summary>
    public IReadOnlySet<string> VersionDefinitions()
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        foreach (var sec in _sections.Where(s => s.Type == ShtGnuVerdef))
        {
            int pos = (int)sec.Offset;
            for (int guard = 0; guard < 65536; guard++)
            {
                Checked((ulong)pos, 20);
                int cnt = U16(pos + 6);
                int aux = pos + (int)U32(pos + 12);
                if (cnt > 0)
                {
                    Checked((ulong)aux, 8);
                    result.Add(ReadString(sec.Link, U32(aux)));
                }
                uint next = U32(pos + 16);
                if (next == 0)
                {
                    break;
                }
                pos += (int)next;
            }
        }
        return result;
    }

    /// <summary>The dynamic symbols with their version indices.</summary>
    public IReadOnlyList<DynamicSymbol> DynamicSymbols()
    {
        var dynsym = _sections.FirstOrDefault(s => s.Type == ShtDynsym);
        var versym = _sections.FirstOrDefault(s => s.Type == ShtGnuVersym);
        if (dynsym.Type != ShtDynsym)
        {
            return [];
        }
        int count = (int)(dynsym.Size / 24);
        var result = new List<DynamicSymbol>(count);
        for (int i = 0; i < count; i++)
        {
            int e = (int)dynsym.Offset + (i * 24);
            string name = ReadString(dynsym.Link, U32(e));
            bool undefined = U16(e + 6) == 0;
            int vOff = versym.Type == ShtGnuVersym && (ulong)(i * 2) < versym.Size ? (int)versym.Offset + (i * 2) : -1;
            ushort v = vOff >= 0 ? U16(vOff) : (ushort)1;
            result.Add(new DynamicSymbol(i, name, undefined, v, vOff));
        }
        return result;
    }

    /// <summary>Indices of dynamic symbols that some RELA relocation refers to.</summary>
    public IReadOnlySet<int> RelocatedSymbolIndices()
    {
        var result = new HashSet<int>();
        int dynsymIndex = _sections.FindIndex(s => s.Type == ShtDynsym);
        foreach (var sec in _sections.Where(s => s.Type == ShtRela && s.Link == (uint)dynsymIndex))
        {
            ulong n = sec.Size / 24;
            for (ulong i = 0; i < n; i++)
            {
                ulong info = U64((int)(sec.Offset + (i * 24) + 8));
                result.Add((int)(info >> 32));
            }
        }
        return result;
    }

    /// <summary>Returns a copy of the image with 16-bit little-endian values written at the given offsets.</summary>
    public byte[] WithPatches(IEnumerable<(int Offset, ushort Value)> patches)
    {
        var copy = (byte[])_bytes.Clone();
        foreach (var (offset, value) in patches)
        {
            Checked((ulong)offset, 2);
            BinaryPrimitives.WriteUInt16LittleEndian(copy.AsSpan(offset, 2), value);
        }
        return copy;
    }

    private string ReadString(uint sectionIndex, uint offset)
    {
        if (sectionIndex >= _sections.Count)
        {
            throw new NativeCompatException($"string table index {sectionIndex} out of range");
        }
        var s = _sections[(int)sectionIndex];
        if (offset >= s.Size)
        {
            throw new NativeCompatException($"string offset {offset} outside its table");
        }
        int start = (int)(s.Offset + offset);
        int end = Array.IndexOf(_bytes, (byte)0, start, (int)(s.Size - offset));
        if (end < 0)
        {
            throw new NativeCompatException("unterminated string in ELF string table");
        }
        return Encoding.ASCII.GetString(_bytes, start, end - start);
    }

    private int Checked(ulong offset, ulong length)
    {
        if (offset > (ulong)_bytes.Length || length > (ulong)_bytes.Length - offset)
        {
            throw new NativeCompatException($"ELF structure at offset {offset} (length {length}) lies outside the {_bytes.Length}-byte file");
        }
        return (int)offset;
    }

    private ushort U16(int o) => BinaryPrimitives.ReadUInt16LittleEndian(_bytes.AsSpan(Checked((ulong)o, 2), 2));
    private uint U32(int o) => BinaryPrimitives.ReadUInt32LittleEndian(_bytes.AsSpan(Checked((ulong)o, 4), 4));
    private ulong U64(int o) => BinaryPrimitives.ReadUInt64LittleEndian(_bytes.AsSpan(Checked((ulong)o, 8), 8));
    private ulong U64(ulong o) => U64(checked((int)o));
}
