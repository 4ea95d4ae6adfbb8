using ImageDsl.Build.Docker;
using Xunit;

namespace ImageDsl.IntegrationTests;

/// <summary>
/// The exactness contract, judged by the daemon: every hostile value goes into ENV, LABEL (key and value; one pair and
/// several pairs per instruction), an ARG default, WORKDIR, USER, a COPY source and destination file name, an
/// exec-form CMD and HEALTHCHECK, a VOLUME, and ONBUILD triggers, and is read back through an environment-variable reference (Value.Env); the image is built by both
/// of the daemon's builders and by the daemonless builder (which reads the Dockerfile itself: its word lexer, quotes and
/// escapes are on trial too), and what `docker inspect` and the container's file system show must equal the input byte
/// for byte.
/// </summary>
public sealed class HostileValueRoundTripTests : IClassFixture<HostileValueRoundTripTests.Images>
{
    public static readonly string[] Values =
    {
        "plain",
        "say \"hi\" and 'bye'",
        "$HOME ${PATH} $1 $$ $",
        @"back\slash \n not a newline",
        @"ends with a backslash\",
        @"C:\Program Files\App\",
        "# not a comment",
        "  leading and trailing blanks  ",
        "tab\tinside",
        "grüße — 日本語 🐳",
        "[\"looks\", \"like\", \"json\"]",
        "cat <<EOF",
        "key=value; a=b",
        "`backticks` and %PERCENT%",
        "{{ template }} & | > <",
        "-- starts like a flag",
    };

    /// <summary>The builders judged: the daemon's two, and the daemonless one.</summary>
    public enum Builder
    {
        Classic,
        BuildKit,
        Daemonless,
    }

    public static TheoryData<int, Builder> Cases()
    {
        var data = new TheoryData<int, Builder>();
        foreach (var builder in Enum.GetValues<Builder>())
        {
            for (var i = 0; i < Values.Length; i++) data.Add(i, builder);
        }

        return data;
    }

    private readonly Images _images;

    public HostileValueRoundTripTests(Images images) => _images = images;

    [Theory]
    [MemberData(nameof(Cases))]
    public void Env_and_arg_default_arrive_exactly(int index, Builder builder)
    {
        var env = _images.Config(builder).Env ?? new List<string>();
        Assert.Contains($"E{index}={Values[index]}", env);
        Assert.Contains($"A{index}={Values[index]}", env);
        Assert.Contains($"ME{index}={Values[index]}", env);
        Assert.Contains($"MA{index}={Values[index]}", env);
        Assert.Contains($"MX{index}=x", env);
        Assert.Contains($"C{index}={Values[index]}{Values[index]}{Values[index]}", env);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_variable_read_through_Value_Env_arrives_exactly(int index, Builder builder)
    {
        var config = _images.Config(builder);
        var env = config.Env ?? new List<string>();
        // The expansion of ${E…} is the variable's value as set, never expanded again.
        Assert.Contains($"R{index}=<{Values[index]}>", env);
        Assert.Equal(Values[index], config.Labels![$"RL{index}"]);
        // Every value of one ENV is expanded before any is set: T sees S as it was (unset), not "new".
        Assert.Contains($"T{index}=[]", env);
        // The base image's own variable.
        Assert.Contains("FROM_BASE=x:/bin", env);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Label_key_and_value_arrive_exactly(int index, Builder builder)
    {
        var labels = _images.Config(builder).Labels;
        Assert.NotNull(labels);
        Assert.Equal(Values[index], labels[$"L{index}"]);
        Assert.Equal($"{index}", labels[LabelKey(index)]);
        Assert.Equal(Values[index], labels[$"ML{index}"]);
        Assert.Equal($"{index}", labels["M" + LabelKey(index)]);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Copied_file_names_arrive_exactly(int index, Builder builder)
    {
        Assert.Contains(FileName(index), _images.Listing(builder));
        Assert.Contains("copy-" + FileName(index), _images.Listing(builder));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Workdir_user_and_exec_cmd_arrive_exactly(int index, Builder builder)
    {
        var image = await _images.SingleAsync(index, builder);
        var config = image.Config!;
        Assert.Equal("/w/" + Values[index], config.WorkingDir);
        Assert.Equal(UserName(index), config.User);
        Assert.Equal(new[] { "printf", "%s", Values[index] }, config.Cmd);
        Assert.Equal(new[] { "/bin/sh", "-c", Values[index] }, config.Entrypoint);
        Assert.Equal(new[] { "CMD", "printf", "%s", Values[index] }, config.Healthcheck!.Test);
        Assert.Equal(new[] { VolumePath(index) }, config.Volumes!.Keys);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Shell_and_shell_form_healthcheck_arrive_exactly_or_are_refused(int index, Builder builder)
    {
        Dockerfile definition;
        try
        {
            definition = Dockerfile.From(TestEngine.BaseImage).Shell("/bin/sh", "-c", Values[index]).Healthcheck(Command.Shell(Values[index]));
            _ = definition.ToString();
        }
        catch (DockerfileException e)
        {
            // A shell form the parser would change (surrounding blanks, a trailing backslash, a leading '[' or "--", "<<"),
            // and HEALTHCHECK has no exec fallback: refused, never written differently.
            Assert.Equal(DiagnosticIds.InexpressibleValue, e.Id);
            return;
        }

        var config = (await _images.ShellAsync(index, builder)).Config!;
        Assert.Equal(new[] { "/bin/sh", "-c", Values[index] }, config.Shell);
        Assert.Equal(new[] { "CMD-SHELL", Values[index] }, config.Healthcheck!.Test);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Onbuild_triggers_are_stored_as_BuildKit_stores_them(int index, Builder builder)
    {
        // A trigger is kept as text, to be read by a later build: every builder must keep the same text.
        var expected = (await _images.SingleAsync(index, Builder.BuildKit)).Config!.OnBuild;
        var actual = (await _images.SingleAsync(index, builder)).Config!.OnBuild;

        Assert.Equal(2, expected!.Count);
        Assert.Equal(expected, actual);
    }

    // A label key cannot contain '=' (the parser splits there) — the DSL refuses it — so keys drop it.
    private static string LabelKey(int index) => "K " + Values[index].Replace("=", "");

    // File names cannot contain '/'; every other character, pattern characters included, is part of the literal name.
    private static string FileName(int index) => $"{index:00} " + Values[index];

    // Docker trims a VOLUME path's surrounding blanks (the DSL refuses them), so the path ends in a marker.
    private static string VolumePath(int index) => "/v/" + Values[index] + "|";

    // USER "a:b" means user a, group b, so ':' cannot be part of a user name.
    private static string UserName(int index) => Values[index].Replace(":", ".");

    public sealed class Images : IAsyncLifetime
    {
        private readonly Dictionary<Builder, Docker.DotNet.Models.ImageInspectResponse> _all = new();
        private readonly Dictionary<Builder, string[]> _listings = new();
        private readonly Dictionary<(int, Builder), Docker.DotNet.Models.ImageInspectResponse> _single = new();
        private DockerEngine _engine = null!;

        public Docker.DotNet.Models.DockerOCIImageConfig Config(Builder builder) => _all[builder].Config!;

        public string[] Listing(Builder builder) => _listings[builder];

        // The same busybox: the daemon's copy, or the loopback registry's for the daemonless builder.
        private static string BaseImage(Builder builder) => builder == Builder.Daemonless ? Daemonless.DaemonlessParityTests.RegistryBase : TestEngine.BaseImage;

        private async Task BuildAsync(Builder builder, string tag, Dockerfile definition, IReadOnlyDictionary<string, string>? files = null)
        {
            if (builder == Builder.Daemonless) await TestEngine.BuildDaemonlessAsync(_engine, tag, definition.ToString(), files);
            else await TestEngine.BuildAsync(_engine, tag, definition.ToString(), builder == Builder.Classic ? BuilderKind.Classic : BuilderKind.BuildKit, files);
        }

        public async Task InitializeAsync()
        {
            _engine = await TestEngine.ConnectAsync();
            foreach (var builder in Enum.GetValues<Builder>())
            {
                var stage = Dockerfile.From(BaseImage(builder));
                var files = new Dictionary<string, string>();
                for (var i = 0; i < Values.Length; i++)
                {
                    var arg = new BuildArg($"ARG{i}", Values[i]);
                    // A default built from the value and another argument: the value on both sides of ${ARG…}.
                    var composed = new BuildArg($"CARG{i}", Values[i] + arg + Values[i]);
                    stage = stage.Arg(arg)
                        .Arg(composed)
                        .Env($"C{i}", composed)
                        .Env($"E{i}", Values[i])
                        .Env($"A{i}", arg)
                        .Label($"L{i}", Values[i])
                        .Label(LabelKey(i), $"{i}")
                        // Several pairs in one instruction: each value still arrives as written.
                        .Env(($"ME{i}", Values[i]), ($"MA{i}", arg), ($"MX{i}", "x"))
                        .Label(($"ML{i}", Values[i]), ("M" + LabelKey(i), $"{i}"))
                        .Env($"R{i}", "<" + Value.Env($"E{i}") + ">")
                        .Label($"RL{i}", Value.Env($"E{i}"))
                        .Env(($"S{i}", "new"), ($"T{i}", "[" + Value.Env($"S{i}") + "]"))
                        .Copy(FileName(i), "/copied/")
                        .Copy(FileName(i), "/copied/copy-" + FileName(i));
                    files[FileName(i)] = Values[i];
                }

                stage = stage.Env("FROM_BASE", "x:" + Value.Env("PATH"));
                var tag = $"imagedsl-tests/hostile-all:{builder.ToString().ToLowerInvariant()}";
                await BuildAsync(builder, tag, stage, files);
                _all[builder] = (await _engine.InspectImageAsync(tag, CancellationToken.None))!;
                var run = await _engine.RunAsync(tag, TimeSpan.FromSeconds(30), "none", CancellationToken.None, new[] { "find", "/copied", "-mindepth", "1", "-print0" });
                // find prints names as raw bytes (busybox ls would mask tabs and non-ASCII as '?').
                _listings[builder] = run.Stdout.Split('\0', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Substring("/copied/".Length)).ToArray();
            }
        }

        /// <summary>WORKDIR, USER and CMD hold one value per image, so each value gets its own small image.</summary>
        public async Task<Docker.DotNet.Models.ImageInspectResponse> SingleAsync(int index, Builder builder)
        {
            if (_single.TryGetValue((index, builder), out var known)) return known;
            var definition = Dockerfile.From(BaseImage(builder))
                .Workdir("/w/" + Values[index])
                .User(UserName(index))
                .Shell("/bin/sh", "-c")
                .EntrypointShell(Values[index])
                .Cmd("printf", "%s", Values[index])
                .Healthcheck(Command.Exec("printf", "%s", Values[index]))
                .Volume(VolumePath(index))
                .OnBuild(t => t.Env("O", Values[index]).Label("o", Values[index]));
            var tag = $"imagedsl-tests/hostile-{index}:{builder.ToString().ToLowerInvariant()}";
            await BuildAsync(builder, tag, definition);
            return _single[(index, builder)] = (await _engine.InspectImageAsync(tag, CancellationToken.None))!;
        }

        /// <summary>SHELL and a shell-form HEALTHCHECK of one value (one that the DSL writes exactly).</summary>
        public async Task<Docker.DotNet.Models.ImageInspectResponse> ShellAsync(int index, Builder builder)
        {
            var definition = Dockerfile.From(BaseImage(builder)).Shell("/bin/sh", "-c", Values[index]).Healthcheck(Command.Shell(Values[index]));
            var tag = $"imagedsl-tests/hostile-shell-{index}:{builder.ToString().ToLowerInvariant()}";
            await BuildAsync(builder, tag, definition);
            return (await _engine.InspectImageAsync(tag, CancellationToken.None))!;
        }

        public Task DisposeAsync()
        {
            _engine.Dispose();
            return Task.CompletedTask;
        }
    }
}
