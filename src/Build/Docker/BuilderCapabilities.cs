using System.Text.RegularExpressions;
using ImageDsl.Build.Diagnostics;

namespace ImageDsl.Build.Docker;

/// <summary>Which builder runs a build.</summary>
public enum BuilderKind
{
    /// <summary>The classic builder (Engine API version=1).</summary>
    Classic,
    /// <summary>The daemon's embedded BuildKit (Engine API version=2).</summary>
    BuildKit,
}

/// <summary>
/// What the chosen builder can run, checked against the generated Dockerfile before anything is sent, so that an
/// unsupported feature is one coded error naming the feature and its instruction instead of a daemon parse error
/// halfway through a build. The embedded Dockerfile frontend follows the engine version (20.10 ships frontend 1.2);
/// a '# syntax=' directive hands parsing to another frontend, so only the session-bound checks remain then.
/// </summary>
public sealed class BuilderCapabilities
{
    private static readonly Regex FlagPattern = new(@"--([a-z-]+)(=(\S*))?", RegexOptions.CultureInvariant);

    private readonly BuilderKind _builder;
    private readonly Version _engine;

    public BuilderCapabilities(BuilderKind builder, Version engineVersion)
    {
        _builder = builder;
        _engine = engineVersion;
    }

    public BuilderKind Builder => _builder;

    /// <summary>Throws IMAGEDSL2002 for the first instruction the builder cannot run.</summary>
    public void Check(string imageName, string dockerfile)
    {
        var lines = dockerfile.Split('\n');
        var customFrontend = lines.TakeWhile(l => l.StartsWith('#')).Any(l => l.StartsWith("# syntax=", StringComparison.Ordinal));
        var inHeredoc = (string?)null;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (inHeredoc is not null)
            {
                if (line == inHeredoc) inHeredoc = null;
                continue;
            }

            if (line.Length == 0 || line.StartsWith('#')) continue;
            var instruction = line.Split(' ', 2)[0];
            var rest = line.Length > instruction.Length ? line.Substring(instruction.Length + 1) : "";
            if (instruction == "ONBUILD") continue; // triggers run in the downstream build, with its builder
            var flags = LeadingFlags(rest);
            var heredoc = Regex.Match(rest, "^(?:--\\S+ )*<<\"([^\"]+)\"");
            if (heredoc.Success) inHeredoc = heredoc.Groups[1].Value;

            foreach (var (feature, why) in Unsupported(instruction, flags, heredoc.Success, customFrontend))
            {
                throw new ImageDslException(ErrorCodes.UnsupportedFeature, imageName, feature, "line " + (i + 1), Shorten(line),
                    _builder == BuilderKind.BuildKit ? $"BuildKit of Docker Engine {_engine}" : "classic builder", why);
            }
        }
    }

    private IEnumerable<(string Feature, string Why)> Unsupported(string instruction, IReadOnlyList<(string Name, string Value)> flags, bool heredoc, bool customFrontend)
    {
        if (_builder == BuilderKind.Classic)
        {
            foreach (var (name, value) in flags)
            {
                if (name == "mount" && value.Contains("type=secret", StringComparison.Ordinal))
                    yield return ("a secret mount", "Secret mounts need BuildKit and its session: build with ImageDslBuilder=buildkit (or auto).");
                if (name == "mount" && value.Contains("type=ssh", StringComparison.Ordinal))
                    yield return ("an ssh mount", "SSH mounts need BuildKit and its session: build with ImageDslBuilder=buildkit (or auto).");
            }

            if (heredoc) yield return ("a heredoc", "Use BuildKit (ImageDslBuilder=buildkit) or write the content to a file.");
            foreach (var (name, _) in flags)
            {
                var classicFlags = instruction switch
                {
                    "COPY" => new[] { "from", "chown" },
                    "ADD" => new[] { "chown" },
                    "FROM" => new[] { "platform" },
                    "HEALTHCHECK" => new[] { "interval", "timeout", "start-period", "retries" },
                    _ => Array.Empty<string>(),
                };
                if (!classicFlags.Contains(name)) yield return ($"{instruction} --{name}", "Use BuildKit (ImageDslBuilder=buildkit), which the classic builder lacks.");
            }

            yield break;
        }

        if (customFrontend) yield break;
        if (heredoc && _engine.Major < 23) yield return ("a heredoc", "Heredocs need Dockerfile frontend 1.4 (Docker Engine 23 or later); write the content to a file and COPY it.");
        foreach (var (name, value) in flags)
        {
            var minimum = (instruction, name) switch
            {
                ("COPY" or "ADD", "link") => 23,
                ("RUN", "network") => 23,
                ("RUN", "security") => 23,
                ("ADD", "keep-git-dir") => 24,
                ("ADD", "checksum") => 25,
                ("HEALTHCHECK", "start-interval") => 25,
                ("COPY" or "ADD", "parents" or "exclude") => 28,
                ("RUN", "mount") when value.Contains("type=tmpfs", StringComparison.Ordinal) && value.Contains(",size=", StringComparison.Ordinal) => 23,
                ("RUN", "mount") when value.Contains("type=secret", StringComparison.Ordinal) && value.Contains(",env=", StringComparison.Ordinal) => 26,
                _ => 0,
            };
            if (_engine.Major < minimum)
            {
                yield return ($"{instruction} --{name}" + (name != "mount" ? "" : value.Contains("type=secret", StringComparison.Ordinal) ? " (secret as env)" : " (tmpfs size)"),
                    $"It needs Docker Engine {minimum} or later (a newer Dockerfile frontend); upgrade the daemon or leave the option out.");
            }
        }
    }

    private static IReadOnlyList<(string Name, string Value)> LeadingFlags(string rest)
    {
        var flags = new List<(string, string)>();
        foreach (var word in rest.Split(' '))
        {
            var match = FlagPattern.Match(word);
            if (!match.Success || match.Index != 0 || match.Length != word.Length) break;
            flags.Add((match.Groups[1].Value, match.Groups[3].Value));
        }

        return flags;
    }

    /// <summary>An instruction as an error message quotes it: at most 100 characters.</summary>
    internal static string Shorten(string line) => line.Length <= 100 ? line : line.Substring(0, 97) + "...";
}
