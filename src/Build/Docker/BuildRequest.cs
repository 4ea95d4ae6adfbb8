namespace ImageDsl.Build.Docker;

/// <summary>Everything one image build needs. <see cref="Settings"/> feeds the incremental stamp.</summary>
public sealed record BuildRequest(
    string ImageName,
    string Dockerfile,
    string ContextDirectory,
    IReadOnlyList<string> Tags,
    IReadOnlyDictionary<string, string> BuildArgs,
    IReadOnlyDictionary<string, string> Labels,
    string? Target = null,
    string? Platform = null,
    bool NoCache = false,
    IReadOnlyList<string>? CacheFrom = null,
    string NetworkMode = "default",
    Session.SessionResources? Session = null)
{
    /// <summary>The settings that change the result, in a stable text form.</summary>
    public string Settings =>
        string.Join("\n",
            "tags=" + string.Join(",", Tags),
            "args=" + string.Join(",", BuildArgs.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + "=" + p.Value)),
            "labels=" + string.Join(",", Labels.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + "=" + p.Value)),
            "target=" + Target, "platform=" + Platform, "nocache=" + NoCache, "cachefrom=" + string.Join(",", CacheFrom ?? Array.Empty<string>()),
            "network=" + NetworkMode);
}

/// <summary>The outcome of a smoke run.</summary>
public sealed record RunResult(long ExitCode, string Stdout, string Stderr)
{
    public string Output => Stdout + Stderr;
}
