using System.CommandLine;
using System.Globalization;

namespace ThighSeg.Cli.Options;

/// <summary>
/// Binding of flag values to library options: a library validation error becomes a <see cref="UsageException"/> that
/// names the flag and the value given, never a library parameter name.
/// </summary>
internal static class Flag
{
    /// <summary>Applies <paramref name="bind"/>; an <see cref="ArgumentException"/> from the library's validation of
    /// <paramref name="property"/> becomes a usage error naming <paramref name="option"/>.</summary>
    public static T Bind<T>(Option option, object? value, string property, Func<T> bind)
    {
        try
        {
            return bind();
        }
        catch (ArgumentException ex)
        {
            throw new UsageException(Describe(option, value, property, ex), ex);
        }
    }

    /// <summary>Whether the user gave <paramref name="option"/> on the command line (not its default).</summary>
    public static bool IsExplicit(ParseResult parse, Option option) => parse.GetResult(option) is { Implicit: false };

    /// <summary>"--flag VALUE: reason", with the library's property name replaced by the flag.</summary>
    public static string Describe(Option option, object? value, string property, ArgumentException ex)
    {
        string message = Reason(ex);
        if (message.StartsWith(property + " ", StringComparison.Ordinal))
        {
            message = message[(property.Length + 1)..];
        }
        message = message.Replace(property, option.Name, StringComparison.Ordinal);
        return string.Create(CultureInfo.InvariantCulture, $"{option.Name} {Format(value)}: {message}");
    }

    /// <summary>The first line of <paramref name="ex"/>'s message without the runtime's "(Parameter 'name')" suffix.</summary>
    public static string Reason(ArgumentException ex)
    {
        string message = ex.Message;
        int cut = message.IndexOf(" (Parameter '", StringComparison.Ordinal);
        if (cut >= 0)
        {
            message = message[..cut];
        }
        return message.Split('\n')[0].Trim();
    }

    private static string Format(object? value) => value switch
    {
        null => "(none)",
        double d => d.ToString(CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
