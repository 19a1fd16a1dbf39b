using System.Diagnostics;
using System.Text.Json.Nodes;
using ThighSeg.Core;
using ThighSeg.Core.Abstractions;
using ThighSeg.Core.Data;
using ThighSeg.Core.Randomness;
using ThighSeg.Torch.Interop;
using static TorchSharp.torch;

namespace ThighSeg.Torch.Training;

/// <summary>
/// The one training loop of ThighSeg. It owns everything around an <see cref="ITrainingObjective"/>: batches from the
/// <see cref="PositionalSliceSampler"/>, one dispose scope per step, the learning-rate schedule, loss meters (read back
/// only at logging intervals and epoch ends), progress, cancellation between steps, a checkpoint after every epoch
/// (atomic) and resumption from it, and <see cref="ITrainingCallback"/>s after every epoch (validation, best model,
/// early stopping).
/// </summary>
/// <remarks>
/// Determinism: epoch <c>e</c> draws its batches from the sampler's (seed, e) generator and its augmentation from
/// <c>Random(Seeds.Derive(seed, Seeds.Augmentation, e))</c>; because both restart at every epoch, a run resumed from the
/// checkpoint of epoch <c>e</c> is identical (on the CPU, for the same thread count) to an uninterrupted one.
/// Not thread-safe; tensors never leave the thread that runs the loop.
/// </remarks>
internal sealed class TrainingLoop
{
    private readonly TrainingSchedule _schedule;
    private readonly string _phase;
    private readonly Device _device;
    private readonly PerformanceOptions _performance;

    /// <summary>What a callback sees after an epoch.</summary>
    /// <param name="Epoch">The epoch just finished, 1-based.</param>
    /// <param name="Epochs">Epochs of the run.</param>
    /// <param name="Step">Steps done so far.</param>
    /// <param name="TotalSteps">Steps of the run.</param>
    /// <param name="EpochLoss">Mean loss of the epoch.</param>
    /// <param name="LearningRate">Learning rate of the epoch's last step.</param>
    /// <param name="Elapsed">Time since the loop started in this process.</param>
    /// <param name="Progress">The run's progress sink, for callbacks that report.</param>
    public sealed record EpochEnd(int Epoch, int Epochs, long Step, long TotalSteps, double EpochLoss, double LearningRate, TimeSpan Elapsed, IProgress<TrainingProgress>? Progress)
    {
        /// <summary>Whether this is the last scheduled epoch.</summary>
        public bool IsLast => Epoch == Epochs;
    }

    /// <summary>The outcome of a run.</summary>
    /// <param name="Steps">Steps done in total (including resumed ones).</param>
    /// <param name="LossHistory">Mean loss of every epoch run, in order.</param>
    /// <param name="Resumed">Whether the run continued from a checkpoint.</param>
    /// <param name="EpochsRun">Epochs completed (fewer than scheduled when a callback stopped the run).</param>
    public sealed record Result(long Steps, IReadOnlyList<double> LossHistory, bool Resumed, int EpochsRun);

    /// <summary>Where and how a run is checkpointed.</summary>
    /// <param name="Path">Checkpoint file.</param>
    /// <param name="Fingerprint">Hash of options and data; a checkpoint with another one is refused.</param>
    /// <param name="Extra">Fixed values stored with every checkpoint (for example the method).</param>
    public sealed record CheckpointSpec(string Path, string Fingerprint, JsonObject? Extra = null);

    /// <summary>Creates a loop for <paramref name="schedule"/> (validated here).</summary>
    /// <param name="schedule">Epochs, steps, batch, learning rates, warm-up, seed, logging.</param>
    /// <param name="phase">The phase name in progress reports (<c>pretrain</c>, <c>finetune</c>).</param>
    /// <param name="device">The training device (loss meters live there).</param>
    /// <param name="performance">Precision, layout and cuDNN autotuning; the run holds a <see cref="PerformanceScope"/>
    /// (checked at start, autotuning restored at the end, also after an exception). The objective applies the
    /// per-forward-pass part (<see cref="MixedPrecision.Forward"/>).</param>
    public TrainingLoop(TrainingSchedule schedule, string phase, Device device, PerformanceOptions? performance = null)
    {
        _performance = performance ?? PerformanceOptions.Default;
        ArgumentNullException.ThrowIfNull(schedule);
        schedule.Validate();
        _schedule = schedule;
        _phase = phase;
        _device = device;
    }

    /// <summary>Steps of a run over <paramref name="sampler"/>.</summary>
    public long TotalSteps(PositionalSliceSampler sampler) =>
        (long)sampler.BatchesPerEpoch(_schedule.BatchSize, _schedule.StepsPerEpoch) * _schedule.Epochs;

    /// <summary>Runs (or resumes) training.</summary>
    /// <exception cref="OperationCanceledException">Cancelled; the last complete epoch stays checkpointed.</exception>
    public Result Run(
        ITrainingObjective objective,
        PositionalSliceSampler sampler,
        CheckpointSpec? checkpoint,
        IReadOnlyList<ITrainingCallback> callbacks,
        IProgress<TrainingProgress>? progress,
        CancellationToken cancellationToken)
    {
        var s = _schedule;
        using var performanceScope = PerformanceScope.Enter(_performance, _device);
        long totalSteps = TotalSteps(sampler);
        var clock = Stopwatch.StartNew();
        if (checkpoint is not null)
        {
            // The temporary file of a checkpoint write killed in an earlier run (AtomicFile's naming only).
            AtomicFile.RemoveStaleTemps(checkpoint.Path, DateTime.UtcNow);
        }
        var state = checkpoint is null ? null : Checkpoint.TryRead(checkpoint.Path, checkpoint.Fingerprint, objective.Module, objective.Optimizer);
        int startEpoch = state?.Epoch ?? 0;
        long step = state?.Step ?? 0;
        var history = state?.LossHistory ?? [];
        if (state is not null)
        {
            foreach (var c in callbacks)
            {
                c.LoadState(state.Extra, state.Blobs);
            }
            progress?.Report(new TrainingProgress("resume", startEpoch, s.Epochs, step, totalSteps, history.LastOrDefault(double.NaN), 0, clock.Elapsed));
        }

        using var epochMeter = new LossMeter(_device);
        using var logMeter = new LossMeter(_device);
        int epoch = startEpoch;
        bool stop = state?.Extra["stopped"]?.GetValue<bool>() ?? false;
        while (!stop && epoch < s.Epochs)
        {
            objective.Module.train();
            var rng = new Random(Seeds.Derive(s.Seed, Seeds.Augmentation, epoch));
            double lr = s.LearningRate;
            foreach (var batch in sampler.Batches(epoch, s.BatchSize, s.StepsPerEpoch))
            {
                cancellationToken.ThrowIfCancellationRequested();
                lr = s.LearningRateAt(step, totalSteps);
                objective.Optimizer.LearningRate = lr;
                using (NewDisposeScope())
                {
                    Tensor loss = objective.Loss(batch, rng);
                    objective.Optimizer.ZeroGrad();
                    loss.backward();
                    objective.Optimizer.Step();
                    epochMeter.Add(loss);
                    logMeter.Add(loss);
                }
                step++;
                if (step % s.LogInterval == 0)
                {
                    progress?.Report(new TrainingProgress(_phase, epoch + 1, s.Epochs, step, totalSteps, logMeter.Drain(), lr, clock.Elapsed));
                }
            }
            epoch++;
            double epochLoss = epochMeter.Drain();
            history.Add(epochLoss);
            progress?.Report(new TrainingProgress(_phase, epoch, s.Epochs, step, totalSteps, epochLoss, lr, clock.Elapsed));
            var end = new EpochEnd(epoch, s.Epochs, step, totalSteps, epochLoss, lr, clock.Elapsed, progress);
            foreach (var c in callbacks)
            {
                stop |= c.OnEpochEnd(end);
            }
            if (checkpoint is not null)
            {
                var extra = checkpoint.Extra?.DeepClone().AsObject() ?? [];
                var blobs = new List<byte[]>();
                foreach (var c in callbacks)
                {
                    c.SaveState(extra, blobs);
                }
                if (stop)
                {
                    extra["stopped"] = true;
                }
                Checkpoint.Write(checkpoint.Path, new Checkpoint.State(checkpoint.Fingerprint, epoch, step, history, extra, blobs), objective.Module, objective.Optimizer);
            }
        }
        return new Result(step, history, state is not null, epoch);
    }
}
