using System.Diagnostics;
using Xunit;

namespace ImageDsl.IntegrationTests.Import;

/// <summary>
/// <c>dotnet imagedsl import</c> as a user runs it: the tool packed from this repository, installed as a local tool
/// (a tool manifest, its own packages folder and CLI home, so no older copy of the same version can answer), run on a file and on
/// standard input.
/// </summary>
public sealed class ImportToolTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("imagedsl-tool-");

    [Fact]
    public void Import_writes_the_definition_and_reports_what_it_cannot_carry()
    {
        var feed = Path.Combine(_root.FullName, "feed");
        // Its own CLI home too: the CLI keeps where it last found each local tool (~/.dotnet/toolResolverCache) and never
        // replaces an entry of the same version, so a copy installed by an earlier run, since deleted, would answer.
        var environment = new Dictionary<string, string?>
        {
            ["NUGET_PACKAGES"] = Path.Combine(_root.FullName, "packages"),
            ["DOTNET_CLI_HOME"] = Directory.CreateDirectory(Path.Combine(_root.FullName, "home")).FullName,
        };
        Run($"pack \"{ImageDsl.Tests.AllDefinitions.RepositoryRoot}src/Tool\" -c Release -o \"{feed}\" -nologo", environment);
        var work = Directory.CreateDirectory(Path.Combine(_root.FullName, "repo", "api")).FullName;
        Run("new tool-manifest", environment, work);
        Run($"tool install ImageDsl.Tool --add-source \"{feed}\" --ignore-failed-sources", environment, work);

        File.WriteAllText(Path.Combine(work, "Dockerfile"), "FROM busybox:1.36\n# greet\nCMD [\"echo\", \"hi\"]\n");
        var result = Run("imagedsl import Dockerfile -o ApiImage.cs", environment, work);
        var source = File.ReadAllText(Path.Combine(work, "ApiImage.cs"));
        Assert.Contains("[Image(\"api\")]", source);
        Assert.Contains("public static partial class ApiImage", source);
        Assert.Contains("            // greet\n            .Cmd(\"echo\", \"hi\");", source);
        Assert.Equal(0, result.ExitCode);

        // Standard input, with a line the DSL cannot carry: the C# is still written, the line is reported, exit code 2.
        File.WriteAllText(Path.Combine(work, "Other"), "FROM busybox:1.36\nENV PATH=/x:$PATH\nCOPY --chmod=4755 tool /usr/local/bin/\n");
        var piped = Shell($"dotnet imagedsl import - < Other", environment, work);
        Assert.Equal(2, piped.ExitCode);
        Assert.Contains("public static partial class ImportedImage", piped.Output);
        Assert.Contains(".Env(\"PATH\", \"/x:\" + Value.Env(\"PATH\"))", piped.Output);
        Assert.Contains("<stdin>(3): warning: COPY: COPY --chmod=4755 sets a setuid", piped.Error);

        var missing = Shell("dotnet imagedsl import nowhere/Dockerfile", environment, work);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("cannot read 'nowhere/Dockerfile'", missing.Error);
    }

    public void Dispose() => _root.Delete(recursive: true);

    private static MSBuildProject.Result Run(string arguments, IReadOnlyDictionary<string, string?> environment, string? directory = null)
    {
        var result = MSBuildProject.Dotnet(arguments, environment, directory);
        if (result.ExitCode is not (0 or 2)) throw new InvalidOperationException($"dotnet {arguments}: {result.Output}");
        return result;
    }

    private static (int ExitCode, string Output, string Error) Shell(string command, IReadOnlyDictionary<string, string?> environment, string directory)
    {
        var start = new ProcessStartInfo("/bin/sh") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(command);
        foreach (var (key, value) in environment) start.Environment[key] = value;
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output, error.Result);
    }
}
