using ImageDsl.Build.Parsing;

namespace ImageDsl.Build.Docker;

/// <summary>
/// What a base image's config says that decides how a build expands and creates things: its Env, User and Volumes, and
/// its ONBUILD triggers, which a build FROM it runs before the stage's own instructions (parsed with the default escape
/// character, as dockerfile2llb's initOnBuildTriggers and the classic builder parse them).
/// </summary>
/// <param name="Platform">The platform the config states (its os, architecture and variant as written), when known.</param>
public sealed record BaseImageConfig(IReadOnlyList<string> Env, string? User, IReadOnlyList<string> Volumes, IReadOnlyList<string>? OnBuild = null,
    Registry.ImagePlatform? Platform = null)
{
    /// <summary>The triggers as instructions; one that cannot be parsed is left for the build itself to report.</summary>
    public IReadOnlyList<DockerfileInstruction> Triggers =>
        (OnBuild ?? Array.Empty<string>()).SelectMany(trigger =>
        {
            try
            {
                return DockerfileReader.Read(trigger).Instructions;
            }
            catch (FormatException)
            {
                return Array.Empty<DockerfileInstruction>();
            }
        }).ToList();

    /// <summary>
    /// The environment a stage FROM this image has before its own first instruction: the config's Env, then what the
    /// triggers' ENV instructions set (each expanded with the variables set before it, all of one ENV before any is set).
    /// </summary>
    public IReadOnlyList<string> StageEnv
    {
        get
        {
            var env = Env.ToList();
            foreach (var trigger in Triggers.Where(t => t.Keyword == "env"))
            {
                var words = new ShellWords('\\', name => env.Where(e => EnvEntry.NameOf(e) == name).Select(e => EnvEntry.Split(e).Value).LastOrDefault());
                foreach (var (key, value) in DockerfileReader.NameValues(trigger, '\\').Select(p => (words.Word(p.Key), words.Word(p.Value))).ToList())
                {
                    var at = env.FindIndex(e => EnvEntry.NameOf(e) == key);
                    if (at >= 0) env[at] = key + "=" + value;
                    else env.Add(key + "=" + value);
                }
            }

            return env;
        }
    }
}
