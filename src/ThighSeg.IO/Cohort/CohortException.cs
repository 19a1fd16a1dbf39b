using ThighSeg.Core;

namespace ThighSeg.IO.Cohort;

/// <summary>A cohort job cannot run as asked: no cases, an output that would replace an input, a bad shard, a broken record.</summary>
public class CohortException : ThighSegException
{
    /// <summary>Creates the exception with no message.</summary>
    public CohortException() { }

    /// <summary>Creates the exception with a message that says what is wrong and where.</summary>
    public CohortException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public CohortException(string message, Exception innerException) : base(message, innerException) { }
}
