namespace ThighSeg.Core.Abstractions;

/// <summary>One attempt of a pretraining that restarts after a collapse (<see cref="PretrainOptions.CollapseRestarts"/>).</summary>
/// <param name="Attempt">0 for the run with the given options, 1.. for restarts.</param>
/// <param name="Seed">The attempt's seed (the given one, then derived per restart).</param>
/// <param name="LearningRate">The attempt's peak learning rate (the given one, then scaled per restart).</param>
/// <param name="Epochs">Epochs the attempt trained.</param>
/// <param name="FinalLoss">Mean loss of its last epoch.</param>
/// <param name="Collapsed">Whether it was stopped (or ended) collapsed.</param>
public sealed record PretrainAttempt(int Attempt, int Seed, double LearningRate, int Epochs, double FinalLoss, bool Collapsed);
