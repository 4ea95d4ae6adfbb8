using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;

namespace ImageDsl.Tests;

/// <summary>Every [Image] definition compiled in the test definitions and the samples, found by reflection.</summary>
public static class AllDefinitions
{
    public static readonly Assembly[] Assemblies =
    {
        typeof(ImageDsl.Tests.Definitions.KitchenSink).Assembly,
        typeof(Samples.HelloWorld).Assembly,
        typeof(Samples.Greeter).Assembly,
        typeof(Samples.ManyImages.ApiImage).Assembly,
        typeof(Samples.PrivateRegistry.PrivateImage).Assembly,
        typeof(Samples.WebApi.WebApiImage).Assembly,
        typeof(Samples.PrivateFeed.PrivateFeedImage).Assembly,
    };

    public static IEnumerable<Type> Types =>
        Assemblies.SelectMany(a => a.GetTypes()).Where(t => t.GetCustomAttribute<ImageAttribute>() is not null).OrderBy(t => t.FullName, StringComparer.Ordinal);

    public static string NameOf(Type type) => type.GetCustomAttribute<ImageAttribute>()!.Name;

    public static Type ByName(string imageName) => Types.Single(t => NameOf(t) == imageName);

    /// <summary>Runs the definition's Define() — the runtime path.</summary>
    public static Dockerfile Define(Type type) =>
        (Dockerfile)type.GetMethod("Define", BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public)!.Invoke(null, null)!;

    /// <summary>The generator's constant — the compile-time path.</summary>
    public static string GeneratedText(Type type) => (string)type.GetField("DockerfileText")!.GetRawConstantValue()!;

    public static TheoryDataOfNames Names() => new(Types.Select(NameOf));

    public static string RepositoryRoot =>
        typeof(AllDefinitions).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;
}

public sealed class TheoryDataOfNames : Xunit.TheoryData<string>
{
    public TheoryDataOfNames(IEnumerable<string> names)
    {
        foreach (var name in names) Add(name);
    }
}
