using ThighSeg.Core.Tables;

namespace ThighSeg.Core.Tests.Tables;

public sealed class CsvWriterTests
{
    [Test]
    public void Fields_AreQuotedAsRfc4180Requires()
    {
        var csv = new CsvWriter(["subject", "value", "note"]);
        csv.AddRow("smith,john", 0.5, "say \"hi\"");
        csv.AddRow("plain", double.NaN, null);
        csv.AddRow(" padded", 3, "two\nlines");
        Assert.That(csv.ToString(), Is.EqualTo(
            "subject,value,note\n" +
            "\"smith,john\",0.5,\"say \"\"hi\"\"\"\n" +
            "plain,NaN,\n" +
            "\" padded\",3,\"two\nlines\"\n"));
        Assert.That(csv.RowCount, Is.EqualTo(3));
    }

    [Test]
    public void AddRow_Throws_WhenTheRowHasAnotherWidth()
    {
        var csv = new CsvWriter(["a", "b"]);
        Assert.That(() => csv.AddRow(1), Throws.ArgumentException.With.Message.Contains("2 columns"));
    }

    [Test]
    public void Numbers_UseTheInvariantCulture()
    {
        var previous = System.Globalization.CultureInfo.CurrentCulture;
        try
        {
            System.Globalization.CultureInfo.CurrentCulture = new System.Globalization.CultureInfo("de-DE");
            Assert.That(CsvWriter.Format(1.25), Is.EqualTo("1.25"));
            Assert.That(CsvWriter.Format(1234567L), Is.EqualTo("1234567"));
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = previous;
        }
    }
}
