using ThighSeg.Core;

namespace ThighSeg.ML;

/// <summary>
/// An input <see cref="Microsoft.ML.IDataView"/> lacks a column a ThighSeg estimator or transformer needs, or the column
/// has the wrong type. The message and <see cref="ColumnName"/> name the column.
/// </summary>
public sealed class SchemaMismatchException : ThighSegException
{
    /// <summary>Creates the exception with no message.</summary>
    public SchemaMismatchException() { }

    /// <summary>Creates the exception with a message.</summary>
    public SchemaMismatchException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public SchemaMismatchException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Creates the exception for a column.</summary>
    /// <param name="columnName">The column's name.</param>
    /// <param name="message">What is wrong with it.</param>
    public SchemaMismatchException(string columnName, string message) : base(message) => ColumnName = columnName;

    /// <summary>The name of the missing or mistyped column, when known.</summary>
    public string? ColumnName { get; }
}
