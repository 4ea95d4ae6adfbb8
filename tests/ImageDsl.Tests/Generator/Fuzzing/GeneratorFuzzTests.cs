extern alias generator;
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;
using Xunit.Abstractions;
using ImageGenerator = generator::ImageDsl.Generator.ImageGenerator;

namespace ImageDsl.Tests.Generator.Fuzzing;

/// <summary>
/// Seeded mutations of every definition in the tests and samples, run through the generator in-process. For every
/// case: no generator exception, only IDSL diagnostics, and no case still running when its watchdog fires (a hang
/// detector, not a performance assertion: the generator's own limits are counted, see EvaluationBudget). For every
/// case that compiles, each [Image] class's constant equals its run-time <c>Define().ToString()</c>.
/// The count and seed come from IMAGEDSL_FUZZ_CASES (default 10,000) and IMAGEDSL_FUZZ_SEED (default 1); a failing
/// case is reported with its seed, its mutations and its source, so that it replays exactly.
/// </summary>
public class GeneratorFuzzTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Watchdog = TimeSpan.FromSeconds(60);

    [Fact]
    public void Mutated_definitions_never_crash_hang_or_build_a_different_image()
    {
        var cases = int.TryParse(Environment.GetEnvironmentVariable("IMAGEDSL_FUZZ_CASES"), out var n) ? n : 10_000;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("IMAGEDSL_FUZZ_SEED"), out var s) ? s : 1;
        var seeds = Seeds();
        var failures = new ConcurrentQueue<string>();
        var outcomes = new ConcurrentDictionary<string, int>();
        long slowest = 0;

        Parallel.For(0, cases, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            var caseSeed = unchecked(seed * 1_000_003 + i);
            var mutator = new DefinitionMutator(caseSeed);
            var original = seeds[new Random(caseSeed).Next(seeds.Count)];
            var source = mutator.Mutate(original.Source);
            var clock = Stopwatch.StartNew();
            var failure = RunCase(source, out var outcome);
            InterlockedMax(ref slowest, clock.ElapsedMilliseconds);
            outcomes.AddOrUpdate(outcome, 1, (_, c) => c + 1);
            if (failure is not null)
            {
                failures.Enqueue($"case {i} (IMAGEDSL_FUZZ_SEED={seed}, case seed {caseSeed}) from {original.Name}, {string.Join(", ", mutator.Applied)}: {failure}\n{Shorten(source)}");
            }
        });

        output.WriteLine($"{cases:N0} cases from {seeds.Count} seeds, slowest {slowest} ms: " +
            string.Join(", ", outcomes.OrderByDescending(o => o.Value).Select(o => $"{o.Key} {o.Value:N0}")));
        Assert.True(failures.IsEmpty, $"{failures.Count} of {cases:N0} cases failed; the first:\n\n" + string.Join("\n\n", failures.Take(3)));
        Assert.True(outcomes.GetValueOrDefault("constant equals run time") > cases / 20, "too few cases compiled and ran: the mutations no longer reach the interesting paths");
    }

    [Fact]
    public void Every_seed_compiles_and_its_constant_equals_the_run_time_text()
    {
        foreach (var seed in Seeds())
        {
            Assert.True(RunCase(seed.Source + DefinitionMutator.Helpers, out var outcome) is null, seed.Name);
            Assert.Equal("constant equals run time", outcome);
        }
    }

    /// <summary>Null when the case behaved; otherwise what went wrong.</summary>
    private static string? RunCase(string source, out string outcome)
    {
        outcome = "?";
        var compilation = GeneratorHarness.Compile(source);
        GeneratorDriver driver = CSharpGeneratorDriver.Create(new[] { new ImageGenerator().AsSourceGenerator() }, parseOptions: GeneratorHarness.ParseOptions);
        using var watchdog = new CancellationTokenSource(Watchdog);
        Compilation output;
        System.Collections.Immutable.ImmutableArray<Diagnostic> diagnostics;
        try
        {
            driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out output, out diagnostics, watchdog.Token);
        }
        catch (OperationCanceledException)
        {
            return $"still running after {Watchdog.TotalSeconds} s";
        }

        var run = driver.GetRunResult().Results.Single();
        if (run.Exception is not null) return $"generator exception: {run.Exception}";
        if (diagnostics.FirstOrDefault(d => !d.Id.StartsWith("IDSL", StringComparison.Ordinal)) is { } foreign) return $"non-ImageDsl diagnostic from the generator: {foreign}";

        var ours = diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.Id).Distinct().OrderBy(id => id).ToList();
        outcome = ours.Count > 0 ? string.Join("+", ours) : "no diagnostic";
        if (!run.GeneratedSources.Any(s => s.HintName.EndsWith(".ImageDsl.g.cs", StringComparison.Ordinal))) return null;

        // Fuzz.Forever never returns: the generator refuses it, and running it would overflow this process's stack.
        if (source.Substring(0, source.Length - DefinitionMutator.Helpers.Length).Contains("Fuzz.Forever(")) return null;
        IReadOnlyList<CompiledImages.Image>? images;
        try
        {
            images = CompiledImages.Run(output);
        }
        catch (Exception e)
        {
            return $"compiled code could not be loaded: {e}";
        }

        if (images is null)
        {
            outcome += ", does not compile";
            return null;
        }

        foreach (var image in images)
        {
            if (image.Failure is TypeInitializationException) continue; // a mutated static constructor, not an image
            if (image.Failure is not null) return $"{image.Class}: the generator built a constant but Define() throws {image.Failure.GetType().Name}: {image.Failure.Message}";
            if (image.RunTime != image.Constant)
            {
                return $"{image.Class}: the constant differs from the run-time text\n--- constant\n{Shorten(image.Constant)}\n--- run time\n{Shorten(image.RunTime!)}";
            }
        }

        outcome = images.Count > 0 ? "constant equals run time" : outcome + ", nothing to run";
        return null;
    }

    private static List<(string Name, string Source)> Seeds()
    {
        var root = AllDefinitions.RepositoryRoot;
        var files = Directory.GetFiles(Path.Combine(root, "tests", "Definitions"), "*.cs")
            .Concat(Directory.GetDirectories(Path.Combine(root, "samples")).SelectMany(d => Directory.GetFiles(d, "*.cs")))
            .Where(f => File.ReadAllText(f).Contains("[Image(", StringComparison.Ordinal))
            .OrderBy(f => f, StringComparer.Ordinal);
        return files.Select(f => (Path.GetRelativePath(root, f), File.ReadAllText(f))).Concat(FieldSeeds).ToList();
    }

    /// <summary>Definitions built from fields, helpers and several types, so that order and static constructors have something to act on.</summary>
    private static readonly (string Name, string Source)[] FieldSeeds =
    [
        ("fields", """
            using ImageDsl;
            public static class Versions
            {
                public static readonly string Base = "1.36";
                public static readonly string Image = "busybox:" + Base;
                public const string Channel = "stable";
            }
            [Image("fuzz/fields", Tags = ["latest", "v1"])]
            public static partial class Fields
            {
                static readonly BuildArg Version = new("VERSION", "1.0");
                static readonly string Greeting = "hello";
                static readonly string Message = Greeting + ", " + "world";
                static readonly Dockerfile Base = Dockerfile.From(Versions.Image).As("base").Env("CHANNEL", Versions.Channel);
                static string[] Command => ["echo", Message];
                static Dockerfile WithUser(Dockerfile stage) => stage.User("app");
                static Dockerfile Define() =>
                    WithUser(Dockerfile.From(Base).Arg(Version).Env("MESSAGE", Message).Label("v", "v" + Version))
                        .Copy(["a.txt", "b.txt"], "/app/")
                        .Cmd(Command);
            }
            """),
    ];

    private static string Shorten(string text) => text.Length <= 4000 ? text : text.Substring(0, 4000) + $"… ({text.Length:N0} characters)";

    private static void InterlockedMax(ref long target, long value)
    {
        long current;
        while (value > (current = Interlocked.Read(ref target)) && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
