extern alias tool;
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using ImageDsl.Tests.Generator;
using Microsoft.CodeAnalysis;
using tool::ImageDsl.Build.Parsing;
using tool::ImageDsl.Tool.Import;
using Xunit;

namespace ImageDsl.Tests.Import;

/// <summary>
/// <c>imagedsl import</c> over the corpus (Import/Corpus: Dockerfiles of the shapes people write): the C# it writes
/// compiles with the generator without a diagnostic, and the Dockerfile the generator then emits is, instruction for
/// instruction, what BuildKit reads from the original (<see cref="InstructionStream"/>). Every line import reports is
/// marked in the corpus file with a <c># import-reports</c> comment right above it, and nothing else is reported; an
/// instruction import leaves out is left out of the comparison too (a stage whose FROM it leaves out, whole).
/// </summary>
public class ImportRoundTripTests
{
    private const string Marker = "import-reports";

    public static TheoryData<string> Corpus()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(CorpusDirectory).Select(Path.GetFileName).Order(StringComparer.Ordinal)) data.Add(file!);
        return data;
    }

    private static string CorpusDirectory => Path.Combine(AllDefinitions.RepositoryRoot, "tests", "ImageDsl.Tests", "Import", "Corpus");

    [Fact]
    public void The_corpus_has_at_least_sixty_dockerfiles() => Assert.True(Corpus().Count >= 60, $"{Corpus().Count} files");

    [Theory]
    [MemberData(nameof(Corpus))]
    public void Import_round_trips(string file)
    {
        var original = File.ReadAllText(Path.Combine(CorpusDirectory, file));
        var result = DockerfileImporter.Import(original, "CorpusImage", "corpus");

        var marked = DockerfileReader.Parse(original).Instructions.Where(i => i.Comments.Contains(Marker)).Select(i => i.Line).ToHashSet();
        Assert.Equal(marked.Order(), result.Problems.Select(p => p.Line).Distinct().Order());

        var emitted = Emit(result.Source);
        var omitted = result.Problems.Where(p => p.Omitted).Select(p => p.Line).ToHashSet();
        var omittedStages = new HashSet<string>();
        var expected = InstructionStream.Of(original, omitted, omittedStages);
        Assert.Equal(expected, InstructionStream.Of(emitted, excludedStages: omittedStages));
        Assert.NotEqual("", expected);
    }

    /// <summary>The generator's DockerfileText for the imported class, after checking that nothing reported an error or warning.</summary>
    private static string Emit(string source)
    {
        var run = GeneratorHarness.Run(source);
        var problems = run.GeneratorDiagnostics.Concat(run.CompilerDiagnostics).Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems) + "\n" + source);
        using var stream = new MemoryStream();
        var emit = run.Output.Emit(stream);
        Assert.True(emit.Success, string.Join("\n", emit.Diagnostics));
        var context = new AssemblyLoadContext("import", isCollectible: true);
        try
        {
            stream.Position = 0;
            var assembly = context.LoadFromStream(stream);
            return (string)assembly.GetType("CorpusImage")!.GetField("DockerfileText", BindingFlags.Public | BindingFlags.Static)!.GetRawConstantValue()!;
        }
        finally
        {
            context.Unload();
        }
    }
}
