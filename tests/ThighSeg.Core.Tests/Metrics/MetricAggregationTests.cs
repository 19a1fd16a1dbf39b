using System.Globalization;
using ThighSeg.Core.Metrics;

namespace ThighSeg.Core.Tests.Metrics;

public class MetricAggregationTests
{
    private static SubjectMetrics Row(string subject, int label, double dice, double hd = 1, double volRef = 10, double volPred = 10) =>
        new(subject, label, $"L{label}", double.IsNaN(dice) ? LabelPresence.Neither : LabelPresence.Both, dice, hd, hd, 0, volRef, volPred);

    [Test]
    public void Statistic_IsMeanAndSampleSd_OverDefinedValues_CountingNaN()
    {
        var s = MetricStatistic.Of([0.8, 0.9, double.NaN, 1.0]);
        Assert.Multiple(() =>
        {
            Assert.That(s.Subjects, Is.EqualTo(4));
            Assert.That(s.Valid, Is.EqualTo(3));
            Assert.That(s.Excluded, Is.EqualTo(1));
            Assert.That(s.Mean, Is.EqualTo(0.9).Within(1e-12));
            Assert.That(s.StandardDeviation, Is.EqualTo(0.1).Within(1e-12)); // sqrt((0.01+0+0.01)/2)
        });
    }

    [Test]
    public void Statistic_HasNaNSd_ForOneValue_AndNaNMean_ForNone()
    {
        Assert.That(MetricStatistic.Of([0.5]).StandardDeviation, Is.NaN);
        Assert.That(MetricStatistic.Of([0.5]).Mean, Is.EqualTo(0.5));
        Assert.That(MetricStatistic.Of([double.NaN]).Mean, Is.NaN);
    }

    [Test]
    public void Summarize_AveragesOverSubjects_PerLabelAndOverall()
    {
        var rows = new[]
        {
            Row("a", 1, 0.8, volRef: 10, volPred: 12), Row("a", 2, 0.6, volRef: 5, volPred: 4),
            Row("b", 1, 1.0, volRef: 20, volPred: 18), Row("b", 2, double.NaN, volRef: 0, volPred: 0),
        };
        var summary = MetricAggregation.Summarize(rows);
        MetricStatistic Get(int? label, string metric) => summary.Single(s => s.Label == label && s.Metric == metric).Statistic;

        Assert.Multiple(() =>
        {
            Assert.That(Get(1, "dice").Mean, Is.EqualTo(0.9).Within(1e-12));
            Assert.That(Get(1, "dice").StandardDeviation, Is.EqualTo(Math.Sqrt(0.02)).Within(1e-12));
            Assert.That(Get(2, "dice").Valid, Is.EqualTo(1));
            Assert.That(Get(2, "dice").Excluded, Is.EqualTo(1));
            Assert.That(Get(2, "dice").Mean, Is.EqualTo(0.6).Within(1e-12));
            // Overall: subject a mean over labels 0.7, subject b 1.0 (NaN label skipped) -> mean 0.85.
            Assert.That(Get(null, "dice").Mean, Is.EqualTo(0.85).Within(1e-12));
            Assert.That(Get(null, "dice").Subjects, Is.EqualTo(2));
            // Volumes are summed per subject: a 15 mL, b 20 mL.
            Assert.That(Get(null, "volume_ml_ref").Mean, Is.EqualTo(17.5).Within(1e-12));
            Assert.That(Get(null, "volume_ml_pred").Mean, Is.EqualTo(17).Within(1e-12));
            Assert.That(summary.Where(s => s.Label is null).Select(s => s.LabelName), Is.All.EqualTo("all"));
        });
    }

    [Test]
    public void Summarize_Throws_WhenASubjectHasTwoRowsForOneLabel()
    {
        Assert.Throws<ArgumentException>(() => MetricAggregation.Summarize([Row("a", 1, 0.5), Row("a", 1, 0.6)]));
    }

    [Test]
    public void Csv_UsesInvariantCulture_NaN_AndQuoting_WhateverTheCurrentCulture()
    {
        var saved = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
            var rows = new[] { new SubjectMetrics("sub,1", 7101, "vastus \"lat\"", LabelPresence.ReferenceOnly, 0, double.NaN, double.NaN, -1, 12.5, 0) };
            string csv = MetricCsv.FormatRows(rows);
            string[] lines = csv.Split('\n');
            Assert.That(lines[0], Is.EqualTo("subject,label,label_name,presence,dice,hd95_mm,assd_mm,rvd,volume_ml_ref,volume_ml_pred"));
            Assert.That(lines[1], Is.EqualTo("\"sub,1\",7101,\"vastus \"\"lat\"\"\",reference_only,0,NaN,NaN,-1,12.5,0"));
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
    }

    [Test]
    public void SummaryCsv_HasOneLinePerLabelAndMetric_PlusOverall()
    {
        var summary = MetricAggregation.Summarize([Row("a", 1, 0.5), Row("b", 1, 0.7)]);
        string[] lines = MetricCsv.FormatSummary(summary).TrimEnd('\n').Split('\n');
        Assert.That(lines[0], Is.EqualTo("label,label_name,metric,n_subjects,n_valid,n_excluded,mean,sd"));
        Assert.That(lines, Has.Length.EqualTo(1 + 6 + 6));
        Assert.That(lines[1], Does.StartWith("1,L1,dice,2,2,0,0.6,0.1414"));
        Assert.That(lines[7], Does.StartWith("all,all,dice,2,2,0,0.6,"));
    }

    [Test]
    public void WriteRows_ReplacesAnExistingFileAtomically_LeavingNoTemporaryFile()
    {
        string dir = Path.Combine(Path.GetTempPath(), "thighseg-metrics-" + Guid.NewGuid().ToString("N"));
        try
        {
            string path = Path.Combine(dir, "sub", "metrics.csv");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, "old");
            MetricCsv.WriteRows(path, [Row("a", 1, 0.5)]);
            Assert.That(File.ReadAllText(path), Does.StartWith("subject,label"));
            Assert.That(Directory.GetFiles(Path.GetDirectoryName(path)!), Has.Length.EqualTo(1));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void FormatTable_ShowsMeanSdAndValidCounts()
    {
        var summary = MetricAggregation.Summarize([Row("a", 1, 0.5), Row("b", 1, 0.7), Row("c", 1, double.NaN)]);
        string table = MetricCsv.FormatTable(summary);
        Assert.That(table, Does.Contain("0.600 ± 0.141 [2/3]"));
        Assert.That(table.Split('\n')[0], Does.StartWith("label").And.Contain("hd95_mm"));
    }
}
