using System.Globalization;
using System.Text;

namespace ThighSeg.Core.Tables;

/// <summary>
/// The one CSV writer of ThighSeg: RFC 4180 quoting (a field with a comma, quote, CR, LF or leading/trailing space is
/// quoted, quotes doubled), invariant culture (dot decimal separator, shortest round-trip numbers, <c>NaN</c> for
/// undefined values, empty for null), UTF-8 without BOM, <c>\n</c> line ends, a fixed header. Every table the library
/// or the tool writes goes through this type.
/// </summary>
/// <remarks>Not thread-safe. <see cref="WriteAtomically"/> writes to a temporary file, then renames it over the target.</remarks>
public sealed class CsvWriter
{
    private readonly StringBuilder _text = new();

    /// <summary>Starts a table with the given header.</summary>
    /// <exception cref="ArgumentException">No columns, or a duplicate column name.</exception>
    public CsvWriter(IEnumerable<string> columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        Columns = [.. columns];
        if (Columns.Count == 0)
        {
            throw new ArgumentException("A CSV table needs at least one column.", nameof(columns));
        }
        if (Columns.Distinct(StringComparer.Ordinal).Count() != Columns.Count)
        {
            throw new ArgumentException($"Duplicate column names in [{string.Join(", ", Columns)}].", nameof(columns));
        }
        AppendLine(_text, Columns);
    }

    /// <summary>The header.</summary>
    public IReadOnlyList<string> Columns { get; }

    /// <summary>Rows added so far.</summary>
    public int RowCount { get; private set; }

    /// <summary>Adds a row of exactly <see cref="Columns"/>.Count values, each formatted by <see cref="Format"/>.</summary>
    /// <exception cref="ArgumentException">The row has another number of values.</exception>
    public CsvWriter AddRow(params object?[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Length != Columns.Count)
        {
            throw new ArgumentException($"A row has {values.Length} values but the table has {Columns.Count} columns ({string.Join(",", Columns)}).", nameof(values));
        }
        AppendLine(_text, values.Select(Format));
        RowCount++;
        return this;
    }

    /// <summary>The table as text (header and rows).</summary>
    public override string ToString() => _text.ToString();

    /// <summary>Writes the table to <paramref name="path"/> atomically (creating its folder); an existing file is
    /// replaced only once the new one is complete.</summary>
    public void WriteAtomically(string path) => AtomicFile.WriteAllText(path, _text.ToString());

    /// <summary>One value as a CSV field, unquoted: strings as they are, numbers in the invariant culture (round-trip),
    /// booleans as <c>true</c>/<c>false</c>, null as empty.</summary>
    public static string Format(object? value) => value switch
    {
        null => "",
        string s => s,
        double d => d.ToString(CultureInfo.InvariantCulture),
        float f => f.ToString(CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>A field quoted as RFC 4180 requires (and when it has leading or trailing spaces).</summary>
    public static string Escape(string field)
    {
        ArgumentNullException.ThrowIfNull(field);
        return field.AsSpan().IndexOfAny(",\"\r\n") >= 0 || (field.Length > 0 && (field[0] == ' ' || field[^1] == ' '))
            ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
            : field;
    }

    /// <summary>One CSV line (escaped fields, comma-separated, ending in <c>\n</c>).</summary>
    public static string Line(IEnumerable<string> fields)
    {
        var sb = new StringBuilder();
        AppendLine(sb, fields);
        return sb.ToString();
    }

    private static void AppendLine(StringBuilder sb, IEnumerable<string> cells)
    {
        bool first = true;
        foreach (var cell in cells)
        {
            if (!first)
            {
                sb.Append(',');
            }
            first = false;
            sb.Append(Escape(cell));
        }
        sb.Append('\n');
    }
}
