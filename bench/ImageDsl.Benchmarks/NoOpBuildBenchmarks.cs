using BenchmarkDotNet.Attributes;

namespace ImageDsl.Benchmarks;

/// <summary>
/// A no-op `dotnet build` (nothing changed since the last one) of a hello-world project with the image build on
/// (ImageDslBuildOnBuild=true, tasks loaded in process as the package does), against the same project without
/// ImageDsl's generator and targets. Both were built once in setup; each iteration is one `dotnet build`.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 8, invocationCount: 1)]
public class NoOpBuildBenchmarks
{
    private DirectoryInfo _with = null!;
    private DirectoryInfo _without = null!;

    [GlobalSetup]
    public void Setup()
    {
        var root = BenchSupport.RepositoryRoot;
        BenchSupport.Run("dotnet", $"build \"{root}src/Build\" -c Release -nologo");
        BenchSupport.Run("dotnet", $"build \"{root}src/Generator\" -c Release -nologo");
        _with = Create(withImageDsl: true);
        _without = Create(withImageDsl: false);
        Build(_with);
        Build(_without);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _with.Delete(true);
        _without.Delete(true);
    }

    [Benchmark(Baseline = true, Description = "no-op dotnet build without ImageDsl")]
    public void Without() => Build(_without);

    [Benchmark(Description = "no-op dotnet build with ImageDsl (image build on)")]
    public void With() => Build(_with);

    private static void Build(DirectoryInfo project) =>
        BenchSupport.Run("dotnet", $"build \"{project.FullName}\" -c Release -nologo --no-restore -p:ImageDslBuildArgs=BASE_IMAGE={BenchSupport.BaseImage}");

    private static DirectoryInfo Create(bool withImageDsl)
    {
        var root = BenchSupport.RepositoryRoot;
        var directory = Directory.CreateTempSubdirectory("imagedsl-bench-noop-");
        var imageDsl = withImageDsl
            ? $"""
              <PropertyGroup><ImageDslTasksAssembly>{root}src/Build/bin/Release/net8.0/ImageDsl.Build.dll</ImageDslTasksAssembly><ImageDslBuildOnBuild>true</ImageDslBuildOnBuild></PropertyGroup>
              <Import Project="{root}src/Build/build/ImageDsl.props" />
              <ItemGroup><Analyzer Include="{root}src/Generator/bin/Release/netstandard2.0/ImageDsl.Generator.dll" /></ItemGroup>
              <Import Project="{root}src/Build/build/ImageDsl.targets" />
              """
            : "";
        File.WriteAllText(Path.Combine(directory.FullName, "App.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup>
              <ItemGroup><Reference Include="{root}src/Dsl/bin/Release/netstandard2.0/ImageDsl.dll" /></ItemGroup>
              {imageDsl}
            </Project>
            """);
        File.Copy(Path.Combine(root, "samples", "HelloWorld", "HelloWorld.cs"), Path.Combine(directory.FullName, "HelloWorld.cs"));
        File.Copy(Path.Combine(root, "samples", "HelloWorld", "hello.txt"), Path.Combine(directory.FullName, "hello.txt"));
        File.Copy(Path.Combine(root, "samples", "HelloWorld", ".dockerignore"), Path.Combine(directory.FullName, ".dockerignore"));
        BenchSupport.Run("dotnet", $"restore \"{directory.FullName}\"");
        return directory;
    }
}
