using ThighSeg.Core;

namespace ThighSeg.Cli.Commands;

/// <summary>Inputs of <c>thighseg evaluate</c> that cannot be paired or understood (missing predictions, bad labels.json): exit code 1.</summary>
internal sealed class EvaluationInputException : ThighSegException
{
    public EvaluationInputException(string message) : base(message) { }

    public EvaluationInputException(string message, Exception innerException) : base(message, innerException) { }

    public EvaluationInputException() { }
}
