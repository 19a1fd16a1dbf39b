using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using ThighSeg.Core;

namespace ThighSeg.ML.Internal;

/// <summary>Schema checks and reading of path columns from an <see cref="IDataView"/>.</summary>
internal static class DataViewIO
{
    /// <summary>Throws unless <paramref name="schema"/> has a visible scalar text column <paramref name="name"/>.</summary>
    public static int CheckTextColumn(DataViewSchema schema, string name, string role)
    {
        var col = schema.GetColumnOrNull(name) ?? throw new SchemaMismatchException(name,
            $"The input has no {role} column '{name}' (columns: {string.Join(", ", schema.Where(c => !c.IsHidden).Select(c => c.Name))}).");
        if (col.Type is not TextDataViewType)
        {
            throw new SchemaMismatchException(name, $"The {role} column '{name}' must hold text (file paths), but its type is {col.Type}.");
        }
        return col.Index;
    }

    /// <summary>The <see cref="SchemaShape"/> form of <see cref="CheckTextColumn(DataViewSchema, string, string)"/>.</summary>
    public static void CheckTextColumn(SchemaShape shape, string name, string role)
    {
        var found = shape.Where(c => c.Name == name).ToList();
        if (found.Count == 0)
        {
            throw new SchemaMismatchException(name, $"The input has no {role} column '{name}' (columns: {string.Join(", ", shape.Select(c => c.Name))}).");
        }
        var col = found[^1];
        if (col.Kind != SchemaShape.Column.VectorKind.Scalar || col.ItemType is not TextDataViewType)
        {
            throw new SchemaMismatchException(name, $"The {role} column '{name}' must hold text (file paths), but it is a {col.Kind} of {col.ItemType}.");
        }
    }

    /// <summary>Reads the text values of <paramref name="columns"/> row by row (missing or empty values are rejected).</summary>
    /// <param name="data">The input.</param>
    /// <param name="columns">Column names and their roles (for messages).</param>
    /// <param name="host">For cancellation.</param>
    /// <param name="need">What an empty input lacks, ending the message "The input has no rows; ..." (for example
    /// "pretraining needs at least one volume").</param>
    /// <exception cref="ThighSegException">The input has no rows.</exception>
    public static List<string[]> ReadRows(IDataView data, IReadOnlyList<(string Name, string Role)> columns, IHost host, string need)
    {
        var cols = columns.Select(c => data.Schema[CheckTextColumn(data.Schema, c.Name, c.Role)]).ToArray();
        var rows = new List<string[]>();
        using var cursor = data.GetRowCursor(cols);
        var getters = cols.Select(c => cursor.GetGetter<ReadOnlyMemory<char>>(c)).ToArray();
        ReadOnlyMemory<char> value = default;
        while (cursor.MoveNext())
        {
            if (MLNetBridge.IsCancelled(host))
            {
                throw new OperationCanceledException("ML.NET execution was cancelled.");
            }
            var row = new string[cols.Length];
            for (int i = 0; i < cols.Length; i++)
            {
                getters[i](ref value);
                row[i] = value.ToString().Trim();
                if (row[i].Length == 0)
                {
                    throw new SchemaMismatchException(cols[i].Name, string.Create(CultureInfo.InvariantCulture,
                        $"Row {cursor.Position} of the {columns[i].Role} column '{cols[i].Name}' is empty; every row needs a file path."));
                }
            }
            rows.Add(row);
        }
        return rows.Count > 0 ? rows : throw new ThighSegException($"The input has no rows; {need}.");
    }
}
