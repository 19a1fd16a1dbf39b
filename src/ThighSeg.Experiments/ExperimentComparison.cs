namespace ThighSeg.Experiments;

/// <summary>Paired Wilcoxon signed-rank comparison of a pretrained initialisation against random initialisation at one size.</summary>
/// <param name="Method">The pretrained initialisation.</param>
/// <param name="Size">Labelled-set size.</param>
/// <param name="Subjects">Test subjects paired (each subject's mean Dice over labels, averaged over repeats).</param>
/// <param name="MeanDice">Mean Dice of <paramref name="Method"/>.</param>
/// <param name="MeanDiceRandom">Mean Dice of random initialisation.</param>
/// <param name="PValue">Two-sided p-value (NaN when fewer than one non-zero pair).</param>
/// <param name="DifferenceInterval">Percentile bootstrap 95% confidence interval of the mean paired difference
/// (<paramref name="Method"/> − random) over the paired subjects (10,000 resamples, seed 0).</param>
public sealed record ExperimentComparison(InitMethod Method, int Size, int Subjects, double MeanDice, double MeanDiceRandom, double PValue,
    ThighSeg.Core.Statistics.BootstrapInterval DifferenceInterval);
