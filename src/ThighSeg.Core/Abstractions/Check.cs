using System.Globalization;

namespace ThighSeg.Core.Abstractions;

/// <summary>Argument validation helpers whose messages name the parameter and the value received.</summary>
internal static class Check
{
    public static void InRange(int value, int min, int max, string name)
    {
        if (value < min || value > max)
        {
            throw new ArgumentOutOfRangeException(name, value, string.Create(CultureInfo.InvariantCulture, $"{name} must be in [{min}, {max}], got {value}."));
        }
    }

    /// <summary>Checks an optional value: null passes, a value must be in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static void InRangeOrNull(int? value, int min, int max, string name)
    {
        if (value is int v)
        {
            InRange(v, min, max, name);
        }
    }

    public static void InRange(double value, double min, double max, string name)
    {
        if (double.IsNaN(value) || value < min || value > max)
        {
            throw new ArgumentOutOfRangeException(name, value, string.Create(CultureInfo.InvariantCulture, $"{name} must be in [{min}, {max}], got {value}."));
        }
    }

    public static void Positive(double value, string name)
    {
        if (!(value > 0) || double.IsInfinity(value))
        {
            throw new ArgumentOutOfRangeException(name, value, string.Create(CultureInfo.InvariantCulture, $"{name} must be positive and finite, got {value}."));
        }
    }

    public static void NonNegative(double value, string name)
    {
        if (!(value >= 0) || double.IsInfinity(value))
        {
            throw new ArgumentOutOfRangeException(name, value, string.Create(CultureInfo.InvariantCulture, $"{name} must be non-negative and finite, got {value}."));
        }
    }
}
