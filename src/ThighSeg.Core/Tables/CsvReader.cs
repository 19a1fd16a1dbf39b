using System.Globalization;
using System.Text;

namespace ThighSeg.Core.Tables;

/// <summary>
/// The one CSV reader of ThighSeg, the counterpart of <see cref="CsvWriter"/>: RFC 4180 records separated by CRLF, LF
/// or CR; fields separated by commas; a field may be quoted (<c>"a, b"</c>), a quote inside a quoted field is doubled
/// (<c>""</c>), and a quoted field may span lines. Fields are returned as written: no trimming, no type conversion.
/// A leading byte-order mark and empty lines are skipped; a line break at the end of the text ends the last record.
/// </summary>
/// <remarks>
/// Lenient where files written by hand or by spreadsheets differ from the RFC without ambiguity: white space before
/// the opening quote of a field is dropped, and text after a closing quote is kept as part of the field. Stateless and
/// thread-safe.
/// </remarks>
public static class CsvReader
{
    /// <summary>Parses CSV text into records.</summary>
    /// <param name="text">The CSV text.</param>
    /// <param name="error">Makes the exception thrown for malformed text from a message (which names the line), so
    /// that each caller throws its own exception type.</param>
    /// <exception cref="Exception">The exception made by <paramref name="error"/>: a quoted field is not closed.</exception>
    public static IReadOnlyList<CsvRecord> Parse(string text, Func<string, Exception> error)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(error);
        var records = new List<CsvRecord>();
        var fields = new List<string>();
        var field = new StringBuilder();
        bool quoted = false, recordHasText = false;
        int line = 1, recordLine = 1, quoteLine = 1;
        int i = text.Length > 0 && text[0] == '\uFEFF' ? 1 : 0;
        for (; i < text.Length; i++)
        {
            char c = text[i];
            if (quoted)
            {
                if (c == '"')
                {
                    if (i + 1 < text.Length && text[i + 1] == '"')
                    {
                        field.Append('"');
                        i++;
                    }
                    else
                    {
                        quoted = false;
                    }
                }
                else
                {
                    if (c == '\n' || (c == '\r' && (i + 1 >= text.Length || text[i + 1] != '\n')))
                    {
                        line++;
                    }
                    field.Append(c);
                }
                continue;
            }
            switch (c)
            {
                case '"' when string.IsNullOrWhiteSpace(field.ToString()):
                    field.Clear();
                    quoted = true;
                    quoteLine = line;
                    recordHasText = true;
                    break;
                case ',':
                    fields.Add(field.ToString());
                    field.Clear();
                    recordHasText = true;
                    break;
                case '\r' or '\n':
                    if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
                    {
                        i++;
                    }
                    if (recordHasText || field.Length > 0)
                    {
                        fields.Add(field.ToString());
                        records.Add(new CsvRecord(recordLine, [.. fields]));
                    }
                    fields.Clear();
                    field.Clear();
                    recordHasText = false;
                    line++;
                    recordLine = line;
                    break;
                default:
                    field.Append(c);
                    break;
            }
        }
        if (quoted)
        {
            throw error(string.Create(CultureInfo.InvariantCulture, $"line {quoteLine}: a quoted field is not closed (a \" is missing)."));
        }
        if (recordHasText || field.Length > 0)
        {
            fields.Add(field.ToString());
            records.Add(new CsvRecord(recordLine, [.. fields]));
        }
        return records;
    }
}
