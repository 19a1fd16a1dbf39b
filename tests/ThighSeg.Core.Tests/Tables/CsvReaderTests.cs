using ThighSeg.Core.Tables;

namespace ThighSeg.Core.Tests.Tables;

public sealed class CsvReaderTests
{
    private static IReadOnlyList<CsvRecord> Parse(string text) => CsvReader.Parse(text, message => new FormatException(message));

    private static string[][] Fields(string text) => [.. Parse(text).Select(r => r.Fields.ToArray())];

    [Test]
    public void Parse_SplitsRecordsOnCrLfLfAndCr_WithoutATrailingEmptyRecord()
    {
        Assert.That(Fields("a,b\r\nc,d\ne,f\rg,h\r\n"), Is.EqualTo(new[] { new[] { "a", "b" }, ["c", "d"], ["e", "f"], ["g", "h"] }));
    }

    [Test]
    public void Parse_QuotedFields_HoldCommasDoubledQuotesAndLineBreaks()
    {
        var records = Parse("name,note\r\n\"Smith, J\",\"said \"\"hi\"\"\"\r\n\"two\r\nlines\",\"\"\r\nlast,x");
        Assert.Multiple(() =>
        {
            Assert.That(records[1].Fields, Is.EqualTo(new[] { "Smith, J", "said \"hi\"" }));
            Assert.That(records[2].Fields, Is.EqualTo(new[] { "two\r\nlines", "" }));
            Assert.That(records.Select(r => r.LineNumber), Is.EqualTo(new[] { 1, 2, 3, 5 }));
        });
    }

    [Test]
    public void Parse_KeepsEmptyFieldsAndSpaces_SkipsTheBomAndEmptyLines()
    {
        Assert.That(Fields("\uFEFFa,,c\n\n , b ,\n"), Is.EqualTo(new[] { new[] { "a", "", "c" }, [" ", " b ", ""] }));
    }

    [Test]
    public void Parse_RoundTripsWhatCsvWriterWrites()
    {
        string[] tricky = ["plain", "with,comma", "with \"quote\"", "multi\nline", " padded ", ""];
        var writer = new CsvWriter(["a", "b", "c", "d", "e", "f"]).AddRow(tricky);
        var records = Parse(writer.ToString());
        Assert.That(records[1].Fields, Is.EqualTo(tricky));
    }

    [Test]
    public void Parse_AnUnclosedQuote_ThrowsTheCallersException_NamingTheLine()
    {
        var ex = Assert.Throws<FormatException>(() => Parse("a,b\nc,\"open\nmore"));
        Assert.That(ex!.Message, Does.Contain("line 2").And.Contain("not closed"));
    }
}
