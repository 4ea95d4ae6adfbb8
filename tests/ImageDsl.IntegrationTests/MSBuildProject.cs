using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace ImageDsl.IntegrationTests;

/// <summary>
/// A throwaway project, set up the way a user's project uses ImageDsl (the Dsl library, the generator as an
/// analyzer, the build props and targets), built with the real `dotnet build` against the real daemon.
/// </summary>
public sealed class MSBuildProject : IDisposable
{
    private static readonly string Configuration =
        typeof(MSBuildProject).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "Configuration").Value!;

    private static string Root => ImageDsl.Tests.AllDefinitions.RepositoryRoot;

    /// <summary>A project with the given definition and files; <paramref name="dockerignore"/> null writes none.</summary>
    public MSBuildProject(string definition, IReadOnlyDictionary<string, string>? files = null, string? dockerignore = "bin/\nobj/\n*.cs\n*.csproj\n", string projectXml = "")
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("imagedsl-project-");
        File.WriteAllText(Path.Combine(Directory.FullName, "App.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImageDslTasksAssembly>{Root}src/Build/bin/{Configuration}/net8.0/ImageDsl.Build.dll</ImageDslTasksAssembly>
                <ImageDslTasksOutOfProc>true</ImageDslTasksOutOfProc>
              </PropertyGroup>
              <Import Project="{Root}src/Build/build/ImageDsl.props" />
              <ItemGroup>
                <Reference Include="{Root}src/Dsl/bin/{Configuration}/netstandard2.0/ImageDsl.dll" />
                <Analyzer Include="{Root}src/Generator/bin/{Configuration}/netstandard2.0/ImageDsl.Generator.dll" />
              </ItemGroup>
              {projectXml}
              <Import Project="{Root}src/Build/build/ImageDsl.targets" />
            </Project>
            """);
        if (dockerignore is not null) File.WriteAllText(Path.Combine(Directory.FullName, ".dockerignore"), dockerignore);
        WriteDefinition(definition);
        foreach (var (name, content) in files ?? new Dictionary<string, string>()) Write(name, content);
    }

    public DirectoryInfo Directory { get; }

    public void WriteDefinition(string definition) => Write("Image.cs", "using ImageDsl;\n" + definition);

    public void Write(string relativePath, string content)
    {
        var path = Path.Combine(Directory.FullName, relativePath);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    public string Read(string relativePath) => File.ReadAllText(Path.Combine(Directory.FullName, relativePath));

    public sealed record Result(int ExitCode, string Output)
    {
        /// <summary>
        /// One line per distinct error (MSBuild repeats errors in its summary and prints each line of a multi-line
        /// message with the location and code again), e.g. "…: ImageDsl error IMAGEDSL3001: …".
        /// </summary>
        public string[] Errors => Coded("error");

        /// <summary>
        /// Asserts that the build failed with exactly one error, IMAGEDSL4001 naming this property (and value, when
        /// given), and returns its line, for the test to check what it says is allowed.
        /// </summary>
        public string RefusedProperty(string property, string? value = null)
        {
            Xunit.Assert.NotEqual(0, ExitCode);
            var error = Xunit.Assert.Single(Errors);
            Xunit.Assert.Contains("error IMAGEDSL4001", error);
            Xunit.Assert.Contains(value is null ? $"The property {property} has the value" : $"The property {property} has the value '{value}'", error);
            return error;
        }

        /// <summary>One line per distinct warning, as <see cref="Errors"/>.</summary>
        public string[] Warnings => Coded("warning");

        private string[] Coded(string kind) => Output.Split('\n')
            .Select(l => System.Text.RegularExpressions.Regex.Replace(l.Trim(), @"^\d+>", ""))
            .Select(l => (Line: l, Match: System.Text.RegularExpressions.Regex.Match(l, @"^(.*?): (?:\w+ )?" + kind + @" ([A-Z]+[0-9]+):")))
            .Where(x => x.Match.Success)
            .GroupBy(x => x.Match.Groups[1].Value + " " + x.Match.Groups[2].Value)
            .Select(g => g.First().Line)
            .ToArray();
    }

    /// <summary>Runs `dotnet build` with the given arguments; environment entries with a null value are removed.</summary>
    public Result Build(string arguments = "", IReadOnlyDictionary<string, string?>? environment = null, Action<string>? onLine = null) =>
        Dotnet($"build \"{Directory.FullName}\" -nologo -v:n {arguments}", environment, Directory.FullName, onLine);

    /// <summary>Runs the dotnet CLI, without MSBuild node reuse (each run sees the task assemblies as they are now).</summary>
    /// <remarks><paramref name="onLine"/> sees each line of output as it comes, so a test can act in the middle of a build.</remarks>
    /// <remarks>A command that is not an MSBuild one (<c>new</c>, <c>add package</c>) takes no -nodeReuse; MSBUILDDISABLENODEREUSE covers what it builds.</remarks>
    public static Result Dotnet(string arguments, IReadOnlyDictionary<string, string?>? environment = null, string? workingDirectory = null, Action<string>? onLine = null)
    {
        var isMSBuild = arguments.Split(' ', 2)[0] is "build" or "publish" or "pack" or "restore" or "msbuild" or "test";
        var start = new ProcessStartInfo("dotnet", isMSBuild ? arguments + " -nodeReuse:false" : arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null) start.Environment.Remove(key);
            else start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (output) output.AppendLine(e.Data);
            onLine?.Invoke(e.Data);
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.WaitForExit();
        return new Result(process.ExitCode, output.ToString());
    }

    public void Dispose() => Directory.Delete(true);
}
