using System.IO;
using System.Linq;
using System.Reflection;
using Xunit;

namespace ImageDsl.Tests.Dsl;

public class DocumentationTests
{
    public static TheoryData<string> Ids()
    {
        var data = new TheoryData<string>();
        foreach (var field in typeof(DiagnosticIds).GetFields(BindingFlags.Public | BindingFlags.Static)) data.Add((string)field.GetRawConstantValue()!);
        return data;
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Every_diagnostic_id_has_a_row_in_docs(string id)
    {
        var doc = File.ReadAllText(Path.Combine(AllDefinitions.RepositoryRoot, "docs", "diagnostics.md"));
        Assert.Contains($"| {id} |", doc);
    }

    [Fact]
    public void Diagnostic_ids_are_unique()
    {
        var ids = typeof(DiagnosticIds).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (string)f.GetRawConstantValue()!).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }
}
