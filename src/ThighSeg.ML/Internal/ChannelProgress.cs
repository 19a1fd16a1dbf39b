using System.Globalization;
using Microsoft.ML.Runtime;
using ThighSeg.Core.Abstractions;

namespace ThighSeg.ML.Internal;

/// <summary>
/// Training progress sent to an ML.NET channel (so it reaches <c>MLContext.Log</c>), and the bridge from
/// <c>mlContext.CancelExecution()</c> and a caller's token to the training loop's <see cref="CancellationToken"/>:
/// cancellation is noticed at each progress report (every log interval and at each epoch end).
/// </summary>
internal sealed class ChannelProgress(IChannel channel, IHost host, CancellationTokenSource cancellation) : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress value)
    {
        string text = value.ValidationDice is double d
            ? string.Create(CultureInfo.InvariantCulture, $"{value.Phase} epoch {value.Epoch}/{value.Epochs}: validation Dice {d:F4}")
            : string.Create(CultureInfo.InvariantCulture,
                $"{value.Phase} epoch {value.Epoch}/{value.Epochs} step {value.Step}/{value.TotalSteps}: loss {value.Loss:F4}, lr {value.LearningRate:G3}, {value.Elapsed.TotalSeconds:F1} s");
        channel.Info(MessageSensitivity.None, text);
        if (MLNetBridge.IsCancelled(host))
        {
            cancellation.Cancel();
        }
    }
}
