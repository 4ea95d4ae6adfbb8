using System.Text.Json;
using Docker.DotNet;
using ImageDsl.Build.Context;
using ImageDsl.Build.Diagnostics;
using ImageDsl.Build.Docker;
using ImageDsl.Build.Metadata;
using ImageDsl.IntegrationTests.Daemonless;
using Xunit;

namespace ImageDsl.IntegrationTests.Exactness;

/// <summary>
/// The classic builder and BuildKit, given the same Dockerfile, build different images in a few cases (see
/// <see cref="ClassicBuilderDifferences"/>). For each the daemon shows the difference, the check refuses the definition
/// for the classic builder (IMAGEDSL2030), and the way out the error names makes both builders build the same image.
/// </summary>
public sealed class BuilderAgreementTests
{
    private static readonly BuildArg TargetArch = new("TARGETARCH");

    [Fact]
    public async Task An_automatic_platform_argument_is_refused_for_the_classic_builder_unless_the_build_gives_its_value()
    {
        var dockerfile = Dockerfile.From(TestEngine.BaseImage).Arg(TargetArch).Label("arch", "[" + TargetArch + "]").ToString();
        var none = new Dictionary<string, string>();

        // The daemon, unchecked: BuildKit fills the argument, the classic builder does not.
        var fromBuildKit = await BuildAsync("arg", dockerfile, BuilderKind.BuildKit, none);
        Assert.Equal("[]", (await BuildAsync("arg", dockerfile, BuilderKind.Classic, none)).Labels!["arch"]);
        Assert.Matches(@"^\[[a-z0-9]+\]$", fromBuildKit.Labels!["arch"]);

        var error = await Assert.ThrowsAsync<ImageDslException>(() => CheckAsync(dockerfile, none));
        Assert.Equal(ErrorCodes.BuildersDisagree, error.Code);
        Assert.Contains("automatic argument TARGETARCH (line 2: 'ARG TARGETARCH')", error.Message);
        Assert.Contains("ImageDslBuildArgs=TARGETARCH=", error.Message);

        // Given its value, the classic builder is let through and builds what BuildKit builds.
        var given = new Dictionary<string, string> { ["TARGETARCH"] = fromBuildKit.Labels["arch"].Trim('[', ']') };
        await CheckAsync(dockerfile, given);
        Assert.Equal(JsonSerializer.Serialize(fromBuildKit), JsonSerializer.Serialize(await BuildAsync("arg", dockerfile, BuilderKind.Classic, given)));
    }

    [Fact]
    public async Task A_platform_flag_from_an_automatic_argument_is_refused_for_the_classic_builder()
    {
        var dockerfile = Dockerfile.From(TestEngine.BaseImage, Platform.BuildPlatform).Label("a", "b").ToString();

        var error = await Assert.ThrowsAsync<ImageDslException>(() => CheckAsync(dockerfile, new Dictionary<string, string>()));

        Assert.Contains("automatic argument BUILDPLATFORM (line 1:", error.Message);
    }

    [Fact]
    public async Task A_workdir_under_a_user_is_refused_for_the_classic_builder_and_one_before_the_user_builds_the_same_with_both()
    {
        var under = Dockerfile.From(TestEngine.BaseImage).User("1000:1000").Workdir("/app/data").ToString();
        var before = Dockerfile.From(TestEngine.BaseImage).Workdir("/app/data").User("1000:1000").ToString();

        // The daemon, unchecked: BuildKit makes the new directories the user's, the classic builder root's. The way
        // out: the same directories, owned by root, with both builders.
        await AssertRefusedAndWayOutAgreesAsync("workdir", under, (buildKit, classic) =>
        {
            Assert.Contains("app/data Directory 755 1000:1000", buildKit);
            Assert.Contains("app/data Directory 755 0:0", classic);
        }, "WORKDIR under USER 1000:1000 (line 3: 'WORKDIR /app/data')", before, "app/data Directory 755 0:0");
    }

    [Theory]
    [InlineData("1000", true)]
    [InlineData("root", false)]
    [InlineData("", false)]
    public async Task The_user_a_base_image_runs_as_counts_and_a_stage_from_a_stage_keeps_its_user(string baseUser, bool refused)
    {
        // FROM the image, then a stage FROM that stage which makes the WORKDIR; the base's configured user is what the check is told.
        var dockerfile = $"FROM img:1 AS base\nENV A=1\nFROM base\nWORKDIR /app\n";
        var manifest = new ImageManifest(
            new[]
            {
                new ManifestStage("base", new[] { new PathPart("img:1", null, null) }, Array.Empty<int>()),
                new ManifestStage(null, null, new[] { 0 }, From: 0),
            },
            Array.Empty<ContextPath>(), Array.Empty<MountedId>(), Array.Empty<MountedId>(), Array.Empty<ImageUse>(), Array.Empty<ManifestStep>());
        var asked = new List<string>();
        var check = ClassicBuilderDifferences.CheckAsync("app", dockerfile, null, new Dictionary<string, string>(), manifest, reference =>
        {
            asked.Add(reference);
            return Task.FromResult<BaseImageConfig?>(new BaseImageConfig(Array.Empty<string>(), baseUser, Array.Empty<string>()));
        }, ContextSources.Empty, null);

        if (refused) Assert.Contains($"WORKDIR under USER {baseUser} (line 4:", (await Assert.ThrowsAsync<ImageDslException>(() => check)).Message);
        else await check;
        Assert.Equal(new[] { "img:1" }, asked);
    }

    [Fact]
    public async Task A_run_after_a_volume_is_refused_for_the_classic_builder_and_a_volume_after_the_runs_builds_the_same_with_both()
    {
        var after = Dockerfile.From(TestEngine.BaseImage).Volume("/data").Run("mkdir -p /data/d && echo x > /data/f").ToString();
        var before = Dockerfile.From(TestEngine.BaseImage).Run("mkdir -p /data/d && echo x > /data/f").Volume("/data").ToString();

        // The daemon, unchecked: the classic builder drops what the RUN wrote under the volume, BuildKit keeps it.
        await AssertRefusedAndWayOutAgreesAsync("volume", after, (buildKit, classic) =>
        {
            Assert.Contains("data/f RegularFile", buildKit);
            Assert.DoesNotContain("data/f RegularFile", classic);
        }, "RUN after VOLUME /data (line 3: 'RUN mkdir -p /data/d", before, "data/f RegularFile");
    }

    [Fact]
    public async Task A_volume_of_the_base_image_counts_for_a_run_in_a_stage_from_a_stage()
    {
        var dockerfile = "FROM img:1 AS base\nENV A=1\nFROM base\nRUN true\n";
        var manifest = new ImageManifest(
            new[]
            {
                new ManifestStage("base", new[] { new PathPart("img:1", null, null) }, Array.Empty<int>()),
                new ManifestStage(null, null, new[] { 0 }, From: 0),
            },
            Array.Empty<ContextPath>(), Array.Empty<MountedId>(), Array.Empty<MountedId>(), Array.Empty<ImageUse>(), Array.Empty<ManifestStep>());

        var error = await Assert.ThrowsAsync<ImageDslException>(() => ClassicBuilderDifferences.CheckAsync("app", dockerfile, null, new Dictionary<string, string>(), manifest,
            _ => Task.FromResult<BaseImageConfig?>(new BaseImageConfig(Array.Empty<string>(), null, new[] { "/var/lib/db" })), ContextSources.Empty, null));

        Assert.Contains("RUN after VOLUME /var/lib/db (line 4: 'RUN true')", error.Message);
        await ClassicBuilderDifferences.CheckAsync("app", dockerfile, null, new Dictionary<string, string>(), manifest,
            _ => Task.FromResult<BaseImageConfig?>(new BaseImageConfig(Array.Empty<string>(), null, Array.Empty<string>())), ContextSources.Empty, null);
    }

    [Fact]
    public async Task A_chown_by_user_name_without_a_group_is_refused_for_the_classic_builder_and_with_the_group_builds_the_same_with_both()
    {
        // A user whose primary group (2000) is not the group of the same name (3000): the builders pick different ones.
        var users = Dockerfile.From(TestEngine.BaseImage)
            .Run("echo 'app:x:1000:2000::/:/bin/sh' >> /etc/passwd && echo 'app:x:3000:' >> /etc/group && echo 'two:x:2000:' >> /etc/group");
        var nameOnly = users.Copy("a.txt", "/f", chown: Owner.Name("app")).ToString();
        var withGroup = users.Copy("a.txt", "/f", chown: Owner.Name("app", "app")).ToString();

        // The daemon, unchecked: BuildKit takes the user's primary group, the classic builder the group named like the user.
        await AssertRefusedAndWayOutAgreesAsync("chown", nameOnly, (buildKit, classic) =>
        {
            Assert.Contains("\nf RegularFile 644 1000:2000 ", buildKit);
            Assert.Contains("\nf RegularFile 644 1000:3000 ", classic);
        }, "--chown=app without a group (line 3:", withGroup, "\nf RegularFile 644 1000:3000 ");
        // A numeric user without a group passes: both builders take the number for the group too, not the primary
        // group /etc/passwd lists for that uid (2000) — the decoy the daemonless builder once picked up.
        var numeric = users.Copy("a.txt", "/f", chown: Owner.Id(1000)).ToString();
        await CheckAsync(numeric, new Dictionary<string, string>());
        var (numericBuildKit, numericClassic) = await FilesOfBothAsync("chown-numeric", numeric);
        Assert.Contains("\nf RegularFile 644 1000:1000 ", numericBuildKit);
        Assert.Equal(numericBuildKit, numericClassic);
    }

    [Fact]
    public async Task An_add_with_chown_of_an_archive_is_refused_for_the_classic_builder_and_without_it_builds_the_same_with_both()
    {
        var withChown = Dockerfile.From(TestEngine.BaseImage).Add("bundle.tar", "/unpacked/", chown: Owner.Id(1000, 1000)).ToString();
        var withoutChown = Dockerfile.From(TestEngine.BaseImage).Add("bundle.tar", "/unpacked/").ToString();

        // The daemon, unchecked: BuildKit makes the directory it unpacks into the --chown owner's, the classic builder root's.
        await AssertRefusedAndWayOutAgreesAsync("add-archive", withChown, (buildKit, classic) =>
        {
            Assert.Contains("\nunpacked Directory 755 1000:1000 ", buildKit);
            Assert.Contains("\nunpacked Directory 755 0:0 ", classic);
        }, "unpacks the archive bundle.tar with --chown=1000:1000 (line 2:", withoutChown, "\nunpacked/inside.txt RegularFile 644 7:8 ");
        // A file that is no archive is copied, not unpacked: both builders give it the owner.
        await CheckAsync(Dockerfile.From(TestEngine.BaseImage).Add("a.txt", "/copied/", chown: Owner.Id(1000, 1000)).ToString(), new Dictionary<string, string>());
    }

    /// <summary>
    /// A setuid file of the context: BuildKit's COPY keeps the bit, the classic builder's clears it (it changes the owner
    /// of what it copies, and chown clears setuid). Refused for the classic builder wherever a source copies it — named,
    /// through a directory, through a pattern; a COPY --from reads no context file and passes.
    /// </summary>
    [Fact]
    public async Task A_copy_of_a_setuid_file_is_refused_for_the_classic_builder_and_a_RUN_chmod_builds_the_same_with_both()
    {
        var differing = Dockerfile.From(TestEngine.BaseImage).Copy("tool", "/usr/local/bin/tool").ToString();
        var wayOut = Dockerfile.From(TestEngine.BaseImage).Copy("a.txt", "/usr/local/bin/tool").Run("chmod 4755 /usr/local/bin/tool").ToString();

        await AssertRefusedAndWayOutAgreesAsync("setuid", differing, (buildKit, classic) =>
        {
            Assert.Contains("\nusr/local/bin/tool RegularFile 4755 0:0 ", buildKit);
            Assert.Contains("\nusr/local/bin/tool RegularFile 755 0:0 ", classic);
        }, "copies tool, a file with the setuid bit (line 2:", wayOut, "\nusr/local/bin/tool RegularFile 4755 0:0 ");
        foreach (var copy in new[] { Dockerfile.From(TestEngine.BaseImage).Copy(".", "/all/"), Dockerfile.From(TestEngine.BaseImage).Copy(Glob.Of("to?l"), "/bin/"),
            Dockerfile.From(TestEngine.BaseImage).Add("tool", "/bin/tool", chown: Owner.Id(1, 1)) })
        {
            var error = await Assert.ThrowsAsync<ImageDslException>(() => CheckAsync(copy.ToString(), new Dictionary<string, string>()));
            Assert.Contains("copies tool, a file with the setuid bit", error.Message);
        }

        await CheckAsync($"FROM {TestEngine.BaseImage} AS tools\nFROM {TestEngine.BaseImage}\nCOPY --from=tools /tool /tool\nCOPY a.txt bundle.tar /x/\n", new Dictionary<string, string>());
    }

    /// <summary>
    /// A setuid or setgid file made by another stage (what the check cannot see before the build): copied without
    /// chown, both builders keep its bits; with chown (even to root), the classic builder's chown clears them and
    /// BuildKit keeps them — the documented case, whose way out is a RUN chmod after the copy.
    /// </summary>
    [Fact]
    public async Task A_setuid_file_from_another_stage_keeps_its_bits_with_both_builders_unless_copied_with_chown()
    {
        const string Stage = "RUN mkdir /d && echo x > /d/f && chmod 4755 /d/f && echo y > /d/g && chmod 2775 /d/g";
        var plain = $"FROM {TestEngine.BaseImage} AS made\n{Stage}\nFROM {TestEngine.BaseImage}\nCOPY --from=made /d /copied\n";
        var chowned = $"FROM {TestEngine.BaseImage} AS made\n{Stage}\nFROM {TestEngine.BaseImage}\nCOPY --from=made --chown=0:0 /d /copied\n";

        var (buildKit, classic) = await FilesOfBothAsync("setuid-from-stage", plain);
        Assert.Contains("\ncopied/f RegularFile 4755 0:0 ", buildKit);
        Assert.Contains("\ncopied/g RegularFile 2775 0:0 ", buildKit);
        Assert.Equal(buildKit, classic);

        (buildKit, classic) = await FilesOfBothAsync("setuid-from-stage-chown", chowned);
        Assert.Contains("\ncopied/f RegularFile 4755 0:0 ", buildKit);
        Assert.Contains("\ncopied/f RegularFile 755 0:0 ", classic);
        Assert.Contains("\ncopied/g RegularFile 775 0:0 ", classic);
    }

    /// <summary>
    /// ResetEntrypoint() (<c>ENTRYPOINT []</c>) over a stage with an entrypoint and a command: both builders leave the
    /// image with neither (an ENTRYPOINT clears the inherited CMD), and so does the daemonless builder (its parity cases).
    /// </summary>
    [Fact]
    public async Task A_reset_entrypoint_leaves_neither_entrypoint_nor_the_inherited_command_with_both_builders()
    {
        var withEntrypoint = Dockerfile.From(TestEngine.BaseImage).As("tool").Entrypoint("/bin/echo").Cmd("base");
        var dockerfile = Dockerfile.From(withEntrypoint).ResetEntrypoint().Label("reset", "yes").ToString();
        Assert.Contains("\nENTRYPOINT []\n", dockerfile);

        foreach (var builder in new[] { BuilderKind.BuildKit, BuilderKind.Classic })
        {
            var config = await BuildAsync("reset-entrypoint-" + builder.ToString().ToLowerInvariant(), dockerfile, builder, new Dictionary<string, string>());
            Assert.Null(config.Entrypoint);
            Assert.Null(config.Cmd);
            Assert.Equal("yes", config.Labels!["reset"]);
        }
    }

    /// <summary>
    /// ResetCmd() (<c>CMD []</c>) under an entrypoint and a command: the entrypoint stays and runs without arguments
    /// with both builders, but their images differ — BuildKit records no command, the classic builder an empty one —
    /// so the check refuses it for the classic builder (the daemonless builder records none, as BuildKit: its parity
    /// cases).
    /// </summary>
    [Fact]
    public async Task A_reset_command_is_no_command_with_BuildKit_and_an_empty_one_with_the_classic_builder_which_is_refused()
    {
        var withCommand = Dockerfile.From(TestEngine.BaseImage).As("tool").Entrypoint("/bin/echo", "entry").Cmd("base");
        var dockerfile = Dockerfile.From(withCommand).ResetCmd().ToString();
        Assert.Contains("\nCMD []\n", dockerfile);

        var fromBuildKit = await BuildAsync("reset-cmd-buildkit", dockerfile, BuilderKind.BuildKit, new Dictionary<string, string>());
        var fromClassic = await BuildAsync("reset-cmd-classic", dockerfile, BuilderKind.Classic, new Dictionary<string, string>());
        Assert.Equal(new[] { "/bin/echo", "entry" }, fromBuildKit.Entrypoint);
        Assert.Equal(new[] { "/bin/echo", "entry" }, fromClassic.Entrypoint);
        Assert.Null(fromBuildKit.Cmd);
        Assert.NotNull(fromClassic.Cmd);
        Assert.Empty(fromClassic.Cmd!);
        using var engine = await TestEngine.ConnectAsync();
        var run = await engine.RunAsync("tests/agree-reset-cmd-classic:1", TimeSpan.FromSeconds(60), "none", CancellationToken.None);
        Assert.Equal("entry\n", run.Stdout);

        var error = await Assert.ThrowsAsync<ImageDslException>(() => CheckAsync(dockerfile, new Dictionary<string, string>()));
        Assert.Equal(ErrorCodes.BuildersDisagree, error.Code);
        Assert.Contains("resets the command with CMD []", error.Message);
    }

    /// <summary>
    /// ResetCmd() in a stage the image only copies from: the image's config comes from its own stage, so both builders
    /// give it the same command (its base's) and the check lets the classic build through.
    /// </summary>
    [Fact]
    public async Task A_reset_command_in_a_stage_only_copied_from_gives_the_same_image_config_and_is_not_refused()
    {
        var withCommand = Dockerfile.From(TestEngine.BaseImage).As("base").Cmd("echo", "base");
        var tool = Dockerfile.From(withCommand).As("tool").ResetCmd();
        var dockerfile = Dockerfile.From(withCommand).Copy("/bin/busybox", "/copied", from: tool).ToString();
        Assert.Contains("\nCMD []\n", dockerfile);

        await CheckAsync(dockerfile, new Dictionary<string, string>());
        var fromBuildKit = await BuildAsync("copied-reset-cmd-buildkit", dockerfile, BuilderKind.BuildKit, new Dictionary<string, string>());
        var fromClassic = await BuildAsync("copied-reset-cmd-classic", dockerfile, BuilderKind.Classic, new Dictionary<string, string>());
        Assert.Equal(new[] { "echo", "base" }, fromBuildKit.Cmd); // the base stage's, which the copied-from stage's reset did not touch
        Assert.Equal(fromBuildKit.Cmd, fromClassic.Cmd);
        Assert.Equal(fromBuildKit.Entrypoint, fromClassic.Entrypoint);
    }

    /// <summary>
    /// A reset that something later on the image's way makes agree: a later CMD sets the command again, or a later
    /// ENTRYPOINT clears it (to null with both builders, also in the reset's own stage: the classic builder does not
    /// count CMD [] as the stage's command) — the check lets the classic build through. Where the stage set a command
    /// with arguments before the reset, the classic builder's ENTRYPOINT keeps its empty one: still differs, still refused.
    /// </summary>
    [Fact]
    public async Task A_reset_command_made_agree_later_on_the_image_s_way_is_not_refused_and_one_left_as_it_is_still_is()
    {
        var withCommand = Dockerfile.From(TestEngine.BaseImage).As("base").Entrypoint("/bin/echo", "base").Cmd("base");
        var reset = Dockerfile.From(withCommand).As("reset").ResetCmd();
        var cases = new (string Name, string Dockerfile, bool Agree)[]
        {
            ("later-cmd", Dockerfile.From(reset).Cmd("again").ToString(), true),
            ("later-entrypoint", Dockerfile.From(reset).Entrypoint("/bin/echo", "later").ToString(), true),
            ("same-stage-entrypoint", Dockerfile.From(withCommand).ResetCmd().Entrypoint("/bin/echo", "same").ToString(), true),
            ("set-then-reset-then-entrypoint", Dockerfile.From(withCommand).Cmd("first").ResetCmd().Entrypoint("/bin/echo", "kept").ToString(), false),
        };

        foreach (var (name, dockerfile, agree) in cases)
        {
            Assert.Contains("\nCMD []\n", dockerfile);
            var fromBuildKit = await BuildAsync("reset-" + name + "-buildkit", dockerfile, BuilderKind.BuildKit, new Dictionary<string, string>());
            var fromClassic = await BuildAsync("reset-" + name + "-classic", dockerfile, BuilderKind.Classic, new Dictionary<string, string>());
            Assert.Equal(fromBuildKit.Entrypoint, fromClassic.Entrypoint);
            Assert.Equal(agree, (fromBuildKit.Cmd ?? Array.Empty<string>()).SequenceEqual(fromClassic.Cmd ?? Array.Empty<string>()) && (fromBuildKit.Cmd is null) == (fromClassic.Cmd is null));
            if (agree)
            {
                await CheckAsync(dockerfile, new Dictionary<string, string>());
            }
            else
            {
                var error = await Assert.ThrowsAsync<ImageDslException>(() => CheckAsync(dockerfile, new Dictionary<string, string>()));
                Assert.Contains("resets the command with CMD []", error.Message);
            }
        }
    }

    /// <summary>
    /// Two names of one context file (hard links), which the daemon receives as such from ImageDsl as from the docker
    /// CLI: where one source copies both, both builders keep them one file; copied by separate sources, both write two.
    /// Nothing to refuse (built without the cache, whose key does not tell hard links from copies).
    /// </summary>
    [Fact]
    public async Task Two_names_of_one_file_stay_one_file_with_both_builders_where_one_source_copies_them()
    {
        var together = Dockerfile.From(TestEngine.BaseImage).Copy("pair", "/pair/").ToString();
        var separate = Dockerfile.From(TestEngine.BaseImage).Copy(["pair/one", "pair/two"], "/pair/").ToString();

        var (buildKit, classic) = await FilesOfBothAsync("hard-links", together);
        Assert.Contains("\npair/two HardLink 644 0:0 0 pair/one", buildKit);
        Assert.Equal(buildKit, classic);
        (buildKit, classic) = await FilesOfBothAsync("hard-links-separate", separate);
        Assert.Contains("\npair/two RegularFile 644 0:0 ", buildKit);
        Assert.Equal(buildKit, classic);
        await CheckAsync(together, new Dictionary<string, string>());
        await CheckAsync(separate, new Dictionary<string, string>());
    }

    /// <summary>
    /// What an ADD unpacks from a local archive: modes with setuid, setgid and sticky, owners, a file's two names, a
    /// symbolic link, a FIFO, a directory that only the archive gives a mode — both builders unpack the same tree.
    /// </summary>
    [Fact]
    public async Task An_unpacked_archive_is_the_same_tree_with_both_builders()
    {
        var (buildKit, classic) = await FilesOfBothAsync("unpacked", Dockerfile.From(TestEngine.BaseImage).Add("odd.tar", "/odd/").ToString());

        Assert.Contains("\nodd/bin/tool RegularFile 4755 0:0 ", buildKit);
        Assert.Contains("\nodd/private Directory 700 5:6 ", buildKit);
        Assert.Equal(buildKit, classic);
    }

    /// <summary>
    /// A COPY of a directory into a directory the image already has, with and without --chown: both builders leave that
    /// directory as it was; a file copied with --chown into missing directories makes them the owner's with both.
    /// </summary>
    [Fact]
    public async Task Copying_into_an_existing_directory_leaves_it_alike_with_both_builders()
    {
        var dockerfile = Dockerfile.From(TestEngine.BaseImage)
            .Run("mkdir -p /owned /private /plain && chmod 700 /private && chown 7:8 /owned")
            .Copy("pair", "/plain/", chown: Owner.Id(1000, 1000))
            .Copy("pair", "/private/")
            .Copy("pair", "/owned/")
            .Copy("a.txt", "/file-parents/deeper/", chown: Owner.Id(1000, 1000))
            .ToString();
        await CheckAsync(dockerfile, new Dictionary<string, string>());
        var (buildKit, classic) = await FilesOfBothAsync("existing-dir", dockerfile);

        Assert.Contains("\nprivate Directory 700 0:0 ", buildKit);
        Assert.Contains("\nowned Directory 755 7:8 ", buildKit);
        Assert.Contains("\nfile-parents Directory 755 1000:1000 ", buildKit);
        Assert.Equal(buildKit, classic);
    }

    /// <summary>
    /// A directory copied with --chown into a destination whose parents are missing: BuildKit makes those parents the
    /// owner's, the classic builder's copyDirectory root's (the destination is the owner's with both). Refused where the
    /// check can see that a parent is missing — not in the base image (read from the daemon), not made by the stage;
    /// creating it first makes the builders agree. A parent the base has, or a RUN before that may have made it, passes.
    /// </summary>
    [Fact]
    public async Task A_directory_copied_with_chown_into_missing_parents_is_refused_for_the_classic_builder()
    {
        var differing = Dockerfile.From(TestEngine.BaseImage).Copy("pair", "/created/deeper/", chown: Owner.Id(1000, 1000)).ToString();
        var wayOut = Dockerfile.From(TestEngine.BaseImage).Run("mkdir -p /created").Copy("pair", "/created/deeper/", chown: Owner.Id(1000, 1000)).ToString();

        await AssertRefusedAndWayOutAgreesAsync("chown-parents", differing, (buildKit, classic) =>
        {
            Assert.Contains("\ncreated Directory 755 1000:1000 ", buildKit);
            Assert.Contains("\ncreated Directory 755 0:0 ", classic);
            Assert.Contains("\ncreated/deeper Directory 755 1000:1000 ", classic);
        }, "copies the directory pair with --chown=1000:1000 into /created/deeper/, where /created does not exist yet (line 2:", wayOut, "\ncreated/deeper/one RegularFile 644 1000:1000 ");

        await CheckAsync(Dockerfile.From(TestEngine.BaseImage).Copy("pair", "/etc/pair/", chown: Owner.Id(1000, 1000)).ToString(), new Dictionary<string, string>());
        await CheckAsync(Dockerfile.From(TestEngine.BaseImage).Workdir("/srv").Copy("pair", "pair/", chown: Owner.Id(1000, 1000)).ToString(), new Dictionary<string, string>());
        var relative = await Assert.ThrowsAsync<ImageDslException>(() =>
            CheckAsync(Dockerfile.From(TestEngine.BaseImage).Workdir("/srv").Copy("pair", "app/sub/pair/", chown: Owner.Id(1000, 1000)).ToString(), new Dictionary<string, string>()));
        Assert.Contains("where /srv/app does not exist yet", relative.Message);
    }

    /// <summary>
    /// A WORKDIR under a non-root USER whose directory the base image already has: both builders leave it alone, so
    /// it passes; one the base lacks is still the WORKDIR difference.
    /// </summary>
    [Fact]
    public async Task A_workdir_under_a_user_that_the_base_has_passes_and_builds_the_same()
    {
        var existing = Dockerfile.From(TestEngine.BaseImage).User("1000").Workdir("/etc").ToString();
        await CheckAsync(existing, new Dictionary<string, string>());
        var (buildKit, classic) = await FilesOfBothAsync("workdir-existing", existing);
        Assert.Equal(buildKit, classic);

        var missing = await Assert.ThrowsAsync<ImageDslException>(() =>
            CheckAsync(Dockerfile.From(TestEngine.BaseImage).User("1000").Workdir("/nowhere-yet").ToString(), new Dictionary<string, string>()));
        Assert.Contains("makes a WORKDIR under USER 1000", missing.Message);
    }

    /// <summary>
    /// ADD of an http URL: the file each builder writes — name, mode, owner (with --chown too), content and the time it
    /// takes from Last-Modified — judged against a server on 127.0.0.1.
    /// </summary>
    [Fact]
    public async Task A_downloaded_file_is_the_same_with_both_builders()
    {
        int port;
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        }

        using var listener = new System.Net.HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        var serving = Task.Run(async () =>
        {
            while (listener.IsListening)
            {
                System.Net.HttpListenerContext request;
                try
                {
                    request = await listener.GetContextAsync();
                }
                catch (Exception e) when (e is System.Net.HttpListenerException or ObjectDisposedException)
                {
                    return;
                }

                var body = "downloaded " + request.Request.Url!.AbsolutePath + "\n";
                var bytes = System.Text.Encoding.UTF8.GetBytes(body);
                request.Response.Headers["Last-Modified"] = "Tue, 15 Nov 1994 08:12:31 GMT";
                request.Response.ContentLength64 = bytes.Length;
                await request.Response.OutputStream.WriteAsync(bytes);
                request.Response.Close();
            }
        });

        var dockerfile = Dockerfile.From(TestEngine.BaseImage)
            .Add(new Uri($"http://127.0.0.1:{port}/files/tool.sh"), "/fetched/")
            .Add(new Uri($"http://127.0.0.1:{port}/files/renamed.txt"), "/fetched/given-name", chown: Owner.Id(1000, 1000))
            .Run("stat -c '%n %a %u:%g %Y' /fetched/* > /stat")
            .ToString();
        var (buildKit, classic) = await FilesOfBothAsync("add-url", dockerfile);
        listener.Stop();
        await serving;

        Assert.Contains("\nfetched/tool.sh RegularFile 600 0:0 ", buildKit);
        Assert.Contains("\nfetched/given-name RegularFile 600 1000:1000 ", buildKit);
        Assert.Equal(buildKit, classic);
    }

    /// <summary>A COPY after a VOLUME (unlike a RUN) keeps what it writes there with both builders, and the daemonless builder's image is BuildKit's.</summary>
    [Fact]
    public async Task A_copy_after_a_volume_keeps_its_files_with_every_builder()
    {
        var dockerfile = Dockerfile.From(TestEngine.BaseImage).Volume("/data").Copy("a.txt", "/data/a.txt").Copy("pair", "/data/pair/", chown: Owner.Id(1000, 1000)).ToString();
        await CheckAsync(dockerfile, new Dictionary<string, string>());
        var (buildKit, classic) = await FilesOfBothAsync("volume-copy", dockerfile);

        Assert.Contains("\ndata/a.txt RegularFile 644 0:0 ", buildKit);
        Assert.Contains("\ndata/pair/one RegularFile 644 1000:1000 ", buildKit);
        Assert.Equal(buildKit, classic);
    }

    /// <summary>An archive named through build arguments is known as the builders would name it: given values, defaults (built from others), global values.</summary>
    [Theory]
    [InlineData("ARG EXT=.tar\nADD --chown=1000:1000 bundle${EXT} /u/", "", true)]
    [InlineData("ARG EXT=.tar\nADD --chown=1000:1000 bundle${EXT} /u/", "EXT=.txt", false)]
    [InlineData("ARG NAME=bundle\nARG FILE=${NAME}.tar\nADD --chown=1000:1000 ${FILE} /u/", "", true)]
    [InlineData("ARG NAME=bundle\nARG FILE=${NAME}.tar\nADD --chown=1000:1000 ${FILE} /u/", "NAME=a", false)]
    // A stage's ARG line is expanded before it declares any of its arguments: FILE is ".tar".
    [InlineData("ARG NAME=bundle FILE=${NAME}.tar\nADD --chown=1000:1000 ${FILE} /u/", "", false)]
    // A global argument declared again in the stage keeps its global value; one not declared there is empty.
    [InlineData("ARG NAME\nADD --chown=1000:1000 ${NAME}.tar /u/", "", true, "ARG NAME=bundle\n")]
    [InlineData("ADD --chown=1000:1000 ${NAME}.tar /u/", "", false, "ARG NAME=bundle\n")]
    public async Task An_archive_named_by_build_arguments_is_recognized(string stage, string given, bool refused, string globals = "")
    {
        var dockerfile = $"{globals}FROM {TestEngine.BaseImage}\n{stage}\n";
        var buildArgs = given.Length == 0 ? new Dictionary<string, string>() : new Dictionary<string, string> { [given[..given.IndexOf('=')]] = given[(given.IndexOf('=') + 1)..] };
        if (!refused)
        {
            await CheckAsync(dockerfile, buildArgs);
            return;
        }

        var error = await Assert.ThrowsAsync<ImageDslException>(() => CheckAsync(dockerfile, buildArgs));
        Assert.Contains("unpacks the archive bundle.tar with --chown=1000:1000", error.Message);
    }

    /// <summary>
    /// A base image's ONBUILD triggers run first in a stage FROM it, with both builders: an ONBUILD WORKDIR under an
    /// ONBUILD USER is the WORKDIR difference, reported at the FROM line, and a trigger's USER counts for the stage's
    /// own WORKDIR. The base's config as the build reads it (the daemon's copy) carries the triggers.
    /// </summary>
    [Fact]
    public async Task The_base_images_onbuild_triggers_count_as_the_stages_first_instructions()
    {
        var reference = "tests/agree-onbuild-base:1";
        await BuildAsync("onbuild-base", $"FROM {TestEngine.BaseImage}\nONBUILD USER 1000\nONBUILD WORKDIR /trig\n", BuilderKind.Classic, new Dictionary<string, string>());
        var baseConfig = await BaseConfigAsync(reference);
        Assert.Equal(new[] { "USER 1000", "WORKDIR /trig" }, baseConfig.OnBuild);

        var dockerfile = $"FROM {reference}\nCOPY a.txt /a.txt\n";
        var (buildKit, classic) = await FilesOfBothAsync("onbuild-workdir", dockerfile);
        Assert.Contains("\ntrig Directory 755 1000:1000 ", buildKit);
        Assert.Contains("\ntrig Directory 755 0:0 ", classic);

        var manifest = ImageManifest.Empty with { Stages = new[] { new ManifestStage(null, PathPart.Literal(reference), Array.Empty<int>()) } };
        var error = await Assert.ThrowsAsync<ImageDslException>(() => ClassicBuilderDifferences.CheckAsync("app", dockerfile, null, new Dictionary<string, string>(), manifest,
            _ => Task.FromResult<BaseImageConfig?>(baseConfig), ContextSources.Empty, null));
        Assert.Contains("makes a WORKDIR under USER 1000 (an ONBUILD trigger of its base, run at line 1: 'WORKDIR /trig')", error.Message);

        // Without the trigger's WORKDIR, its USER still counts for the stage's own.
        var userOnly = baseConfig with { OnBuild = new[] { "USER 1000" } };
        error = await Assert.ThrowsAsync<ImageDslException>(() => ClassicBuilderDifferences.CheckAsync("app", $"FROM {reference}\nWORKDIR /mine\n", null,
            new Dictionary<string, string>(), manifest, _ => Task.FromResult<BaseImageConfig?>(userOnly), ContextSources.Empty, null));
        Assert.Contains("makes a WORKDIR under USER 1000 (line 2: 'WORKDIR /mine')", error.Message);

        // A trigger is quoted as itself, and placed at the FROM that runs it.
        var archTrigger = baseConfig with { OnBuild = new[] { "ARG TARGETARCH" } };
        error = await Assert.ThrowsAsync<ImageDslException>(() => ClassicBuilderDifferences.CheckAsync("app", dockerfile, null,
            new Dictionary<string, string>(), manifest, _ => Task.FromResult<BaseImageConfig?>(archTrigger), ContextSources.Empty, null));
        Assert.Contains("uses BuildKit's automatic argument TARGETARCH (an ONBUILD trigger of its base, run at line 1: 'ARG TARGETARCH')", error.Message);
    }

    /// <summary>
    /// The same with the triggers of a stage of the file: a stage FROM it runs them (and only them: those of the stage's
    /// own base ran there).
    /// </summary>
    [Fact]
    public async Task A_stages_onbuild_triggers_count_in_a_stage_from_it()
    {
        var dockerfile = $"FROM {TestEngine.BaseImage} AS parent\nONBUILD USER 1000\nONBUILD WORKDIR /trig\nFROM parent\nCOPY a.txt /a.txt\n";
        var (buildKit, classic) = await FilesOfBothAsync("stage-onbuild", dockerfile);
        Assert.Contains("\ntrig Directory 755 1000:1000 ", buildKit);
        Assert.Contains("\ntrig Directory 755 0:0 ", classic);

        var error = await Assert.ThrowsAsync<ImageDslException>(() => CheckAsync(dockerfile, new Dictionary<string, string>()));
        Assert.Contains("makes a WORKDIR under USER 1000 (an ONBUILD trigger of its base, run at line 4: 'WORKDIR /trig')", error.Message);
        // The parent stage itself does not run its own triggers.
        await CheckAsync($"FROM {TestEngine.BaseImage} AS parent\nONBUILD USER 1000\nWORKDIR /mine\n", new Dictionary<string, string>());
    }

    /// <summary>
    /// A trigger's ENV is in the environment a stage FROM the image starts with: the classic builder expands it instead
    /// of a build argument of the same name (IMAGEDSL2026's check sees it), BuildKit the argument declared after it.
    /// </summary>
    [Fact]
    public async Task An_onbuild_env_of_the_base_image_is_in_the_stages_environment()
    {
        var reference = "tests/agree-onbuild-env:1";
        await BuildAsync("onbuild-env", $"FROM {TestEngine.BaseImage}\nENV HOME_DIR=/home\nONBUILD ENV VERSION=from-trigger DIR=${{HOME_DIR}}/x\n", BuilderKind.Classic, new Dictionary<string, string>());
        var baseConfig = await BaseConfigAsync(reference);
        Assert.Contains("VERSION=from-trigger", baseConfig.StageEnv);
        Assert.Contains("DIR=/home/x", baseConfig.StageEnv);
        Assert.DoesNotContain(baseConfig.Env, e => e.StartsWith("VERSION=", StringComparison.Ordinal));

        var dockerfile = $"FROM {reference}\nARG VERSION=1.0\nLABEL v=${{VERSION}}\n";
        Assert.Equal("1.0", (await BuildAsync("onbuild-env-buildkit", dockerfile, BuilderKind.BuildKit, new Dictionary<string, string>())).Labels!["v"]);
        Assert.Equal("from-trigger", (await BuildAsync("onbuild-env-classic", dockerfile, BuilderKind.Classic, new Dictionary<string, string>())).Labels!["v"]);

        var manifest = ImageManifest.Empty with
        {
            Stages = new[] { new ManifestStage(null, PathPart.Literal(reference), Array.Empty<int>(), new[] { new ExposedArgument("VERSION", PathPart.Literal("1.0"), 2) }) },
        };
        var error = await Assert.ThrowsAsync<ImageDslException>(() => manifest.CheckHiddenArgumentsAsync("app", new Dictionary<string, string>(), true,
            _ => Task.FromResult<IReadOnlyList<string>?>(baseConfig.StageEnv), null));
        Assert.Equal(ErrorCodes.ArgumentHiddenByEnv, error.Code);
    }

    private static async Task<BaseImageConfig> BaseConfigAsync(string reference)
    {
        using var client = Client();
        var config = (await client.Images.InspectImageAsync(reference)).Config!;
        return new BaseImageConfig(config.Env?.ToList() ?? new List<string>(), config.User, config.Volumes?.Keys.ToList() ?? new List<string>(), config.OnBuild?.ToList());
    }

    [Fact]
    public async Task Stages_after_the_target_are_not_checked()
    {
        var dockerfile = $"FROM {TestEngine.BaseImage} AS first\nENV A=1\nFROM first\nUSER 1000\nWORKDIR /app\n";

        await ClassicBuilderDifferences.CheckAsync("app", dockerfile, "first", new Dictionary<string, string>(), ImageManifest.Empty, _ => Task.FromResult<BaseImageConfig?>(null), ContextSources.Empty, null);
        await Assert.ThrowsAsync<ImageDslException>(() =>
            ClassicBuilderDifferences.CheckAsync("app", dockerfile, null, new Dictionary<string, string>(), ImageManifest.Empty, _ => Task.FromResult<BaseImageConfig?>(null), ContextSources.Empty, null));
    }

    // Checked against the context every build here gets (see MakeContextAsync) and the base images' file systems in the
    // daemon (each FROM names an image or scratch, as the manifest would).
    private static async Task CheckAsync(string dockerfile, IReadOnlyDictionary<string, string> buildArgs)
    {
        var context = await MakeContextAsync();
        try
        {
            var stages = dockerfile.Split('\n').Where(l => l.StartsWith("FROM ", StringComparison.Ordinal))
                .Select(l => new ManifestStage(null, PathPart.Literal(l.Split(' ')[1]), Array.Empty<int>())).ToList();
            using var engine = await TestEngine.ConnectAsync();
            await ClassicBuilderDifferences.CheckAsync("app", dockerfile, null, buildArgs, ImageManifest.Empty with { Stages = stages }, _ => Task.FromResult<BaseImageConfig?>(null),
                new ContextSources(ContextPacker.List(context.FullName)), null, (image, path) => engine.ImageHasPathAsync(image, path, CancellationToken.None));
        }
        finally
        {
            context.Delete(recursive: true);
        }
    }

    /// <summary>
    /// The context of every build and check here: a.txt; bundle.tar and odd.tar, archives ADD unpacks; tool, a setuid
    /// file; pair/one and pair/two, one file.
    /// </summary>
    private static async Task<DirectoryInfo> MakeContextAsync()
    {
        var context = Directory.CreateTempSubdirectory("imagedsl-agree-");
        File.WriteAllText(Path.Combine(context.FullName, "a.txt"), "a\n");
        File.WriteAllText(Path.Combine(context.FullName, "tool"), "#!/bin/sh\n");
        File.SetUnixFileMode(Path.Combine(context.FullName, "tool"), (UnixFileMode)0x9ED /* 04755 */);
        Directory.CreateDirectory(Path.Combine(context.FullName, "pair"));
        File.WriteAllText(Path.Combine(context.FullName, "pair", "one"), "one file\n");
        ImageDsl.Build.Context.PosixFiles.CreateHardLink(Path.Combine(context.FullName, "pair", "two"), Path.Combine(context.FullName, "pair", "one"));
        await using (var bundle = File.Create(Path.Combine(context.FullName, "bundle.tar")))
        await using (var writer = new System.Formats.Tar.TarWriter(bundle))
        {
            writer.WriteEntry(new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, "inside.txt")
            {
                Uid = 7, Gid = 8, Mode = (UnixFileMode)0x1A4, DataStream = new MemoryStream("in\n"u8.ToArray()),
            });
        }

        await using (var odd = File.Create(Path.Combine(context.FullName, "odd.tar")))
        await using (var writer = new System.Formats.Tar.TarWriter(odd))
        {
            System.Formats.Tar.PaxTarEntry Entry(System.Formats.Tar.TarEntryType type, string name, int mode, int uid = 0, int gid = 0, string? data = null, string? link = null)
            {
                var entry = new System.Formats.Tar.PaxTarEntry(type, name) { Mode = (UnixFileMode)mode, Uid = uid, Gid = gid };
                if (data is not null) entry.DataStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(data));
                if (link is not null) entry.LinkName = link;
                return entry;
            }

            writer.WriteEntry(Entry(System.Formats.Tar.TarEntryType.RegularFile, "bin/tool", 0x9ED, data: "#!/bin/sh\n"));
            writer.WriteEntry(Entry(System.Formats.Tar.TarEntryType.RegularFile, "bin/group-tool", 0x5E9 /* 02751 */, 3, 4, "g\n"));
            writer.WriteEntry(Entry(System.Formats.Tar.TarEntryType.HardLink, "bin/tool-again", 0x9ED, link: "bin/tool"));
            writer.WriteEntry(Entry(System.Formats.Tar.TarEntryType.SymbolicLink, "bin/alias", 0x1FF, link: "tool"));
            writer.WriteEntry(Entry(System.Formats.Tar.TarEntryType.Directory, "private/", 0x1C0, 5, 6));
            writer.WriteEntry(Entry(System.Formats.Tar.TarEntryType.RegularFile, "private/key", 0x180, 5, 6, "k\n"));
            writer.WriteEntry(Entry(System.Formats.Tar.TarEntryType.Directory, "shared/", 0x3FF));
            writer.WriteEntry(Entry(System.Formats.Tar.TarEntryType.Fifo, "shared/pipe", 0x1B6));
            writer.WriteEntry(Entry(System.Formats.Tar.TarEntryType.RegularFile, "implied/dir/file", 0x1A4, 9, 9, "i\n"));
        }

        return context;
    }

    /// <summary>
    /// Each difference, judged the same way: the daemon, unchecked, builds two images of <paramref name="differing"/>
    /// (<paramref name="differs"/> says how); the check refuses it, naming <paramref name="refusal"/>; and the way out the
    /// error names passes the check and builds the same files with both builders (holding <paramref name="wayOutHas"/>).
    /// </summary>
    private static async Task AssertRefusedAndWayOutAgreesAsync(string name, string differing, Action<string, string> differs, string refusal, string wayOut, string wayOutHas)
    {
        var (buildKitFiles, classicFiles) = await FilesOfBothAsync(name, differing);
        differs(buildKitFiles, classicFiles);

        var error = await Assert.ThrowsAsync<ImageDslException>(() => CheckAsync(differing, new Dictionary<string, string>()));
        Assert.Equal(ErrorCodes.BuildersDisagree, error.Code);
        Assert.Contains(refusal, error.Message);

        await CheckAsync(wayOut, new Dictionary<string, string>());
        var (fromBuildKit, fromClassic) = await FilesOfBothAsync(name + "-way-out", wayOut);
        Assert.Contains(wayOutHas, fromBuildKit);
        Assert.Equal(fromBuildKit, fromClassic);
    }

    /// <summary>The file listing of the image each builder makes of the Dockerfile: (BuildKit's, the classic builder's).</summary>
    private static async Task<(string BuildKit, string Classic)> FilesOfBothAsync(string name, string dockerfile)
    {
        using var client = Client();
        await BuildAsync(name + "-buildkit", dockerfile, BuilderKind.BuildKit, new Dictionary<string, string>());
        await BuildAsync(name + "-classic", dockerfile, BuilderKind.Classic, new Dictionary<string, string>());
        return (await DaemonlessParityTests.FilesAsync(client, $"tests/agree-{name}-buildkit:1"), await DaemonlessParityTests.FilesAsync(client, $"tests/agree-{name}-classic:1"));
    }

    private static DockerClient Client() => new DockerClientBuilder().WithEndpoint(TestEngine.SocketEndpoint.Uri).WithApiVersion(DockerEngine.ApiVersion).Build();

    private static async Task<Docker.DotNet.Models.DockerOCIImageConfig> BuildAsync(string name, string dockerfile, BuilderKind builder, IReadOnlyDictionary<string, string> buildArgs)
    {
        var tag = $"tests/agree-{name}:1";
        var context = await MakeContextAsync();
        try
        {
            using var engine = await TestEngine.ConnectAsync();
            var request = new BuildRequest(tag, dockerfile, context.FullName, new[] { tag }, buildArgs, new Dictionary<string, string>(), NoCache: true, NetworkMode: TestEngine.NetworkMode);
            await engine.BuildAsync(request, TestEngine.Layout(context.FullName, builder), builder, new ListLog(), CancellationToken.None);
            using var client = Client();
            return (await client.Images.InspectImageAsync(tag)).Config!;
        }
        finally
        {
            context.Delete(recursive: true);
        }
    }
}
