namespace ThighSeg.Cli;

/// <summary>Bad arguments found after parsing (values out of range, inconsistent options): exit code 2.</summary>
internal sealed class UsageException : Exception
{
    public UsageException(string message) : base(message) { }

    public UsageException() { }

    public UsageException(string message, Exception innerException) : base(message, innerException) { }
}
