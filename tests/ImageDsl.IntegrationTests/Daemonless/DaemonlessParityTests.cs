using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text.Json;
using Docker.DotNet;
using ImageDsl.Build.Context;
using ImageDsl.Build.Daemonless;
using ImageDsl.Build.Parsing;
using ImageDsl.Build.Docker;
using ImageDsl.Build.Registry;
using Xunit;

namespace ImageDsl.IntegrationTests.Daemonless;

/// <summary>
/// The daemonless builder against the judge: each Dockerfile is built by the daemon's BuildKit and by the daemonless
/// builder (then loaded into the daemon), and the two images must have the same config, the same history and the
/// same file tree — every path with its type, mode, owner, size, link target and content hash. Differences fail.
/// </summary>
public sealed class DaemonlessParityTests
{
    public static string RegistryBase => TestEngine.Get("IMAGEDSL_REGISTRY_BASE_IMAGE");

    public static TheoryData<string, string> Cases => new()
    {
        { "config", """
            FROM @BASE@
            ENV A=1 B="two words" C=$A-x
            ENV LEGACY value with spaces
            LABEL x=y "quoted key"="v $A"
            ARG Q=3
            ARG R
            ENV FROMARG=$Q
            USER 1000:1000
            EXPOSE 8080 53/udp 9090/tcp
            VOLUME /data ["/other"]
            STOPSIGNAL SIGTERM
            SHELL ["/bin/sh", "-eu", "-c"]
            ONBUILD ENV Z=1
            HEALTHCHECK --interval=1m30s --timeout=500ms --retries=3 CMD wget -q -O- http://127.0.0.1/ || exit 1
            MAINTAINER someone
            CMD echo "$HOME"
            """ },
        { "healthcheck-durations", """
            FROM @BASE@
            HEALTHCHECK --interval=1000000100ns --timeout=1500ms --start-period=90m --retries=12 CMD ["true", "a b"]
            STOPSIGNAL 9
            """ },
        { "healthcheck-odd-durations", """
            FROM @BASE@
            HEALTHCHECK --interval=25h0m0.000001s --timeout=1001us --start-period=3723s --retries=92 CMD true
            """ },
        { "volume-blanks", """
            FROM @BASE@
            VOLUME ["/a ", " /b", "\t/c\u00a0"]
            VOLUME /d
            COPY app/a.txt /d/
            """ },
        { "entrypoint-resets-cmd", """
            FROM @BASE@
            CMD ["a"]
            ENTRYPOINT ["/bin/echo", "x"]
            HEALTHCHECK NONE
            """ },
        { "copy", """
            FROM @BASE@
            WORKDIR /work/dir
            COPY app /dest/
            COPY app/a.txt /owned/deep/
            COPY --chown=1000:1000 app /chowned
            COPY --chown=1000 app/a.txt /uid-only.txt
            COPY --chmod=640 app/a.txt rel.txt
            COPY --chmod=751 app /chmod-dir
            COPY --chmod=4755 app/a.txt /chmod-setuid
            COPY --chmod=0755 app/suid /chmod-over-setuid
            COPY --chmod=1777 app/sub /chmod-sticky-dir
            COPY app/a.txt app/hard /separate-sources/
            COPY --chown=1000:1000 --chmod=600 app/a.txt /file-parents/deep/
            COPY --chown=1000:1000 app/sub /dir-parents/deep/er/
            COPY app/*.txt /pattern/
            COPY app/link /followed
            COPY app/sub /etc/
            COPY ["app/a.txt", "app/sub/b.txt", "/two/"]
            WORKDIR /tmp
            WORKDIR relative
            USER 1000
            WORKDIR /as-user
            """ },
        { "stages", """
            ARG BASE_IMAGE=@BASE@
            FROM $BASE_IMAGE AS first
            COPY app /app
            FROM scratch AS unused
            COPY missing /nowhere
            FROM scratch
            COPY --from=first /app/a.txt /a.txt
            COPY --from=0 /bin/busybox /busybox
            ENV X=1
            CMD ["/busybox", "true"]
            """ },
        { "add-and-copy-from-image", """
            FROM @BASE@
            ADD app/a.txt /added/
            ADD --chown=7:8 app/sub /added-dir
            COPY --from=@BASE@ /etc/passwd /from-image/passwd
            """ },
        { "oci-base", """
            FROM @OCI@
            COPY app /app/
            CMD ["ls", "/app"]
            """ },
        { "chown-names", """
            FROM @BASE@
            COPY --chown=nobody app/a.txt /n1
            COPY --chown=nobody:root app/a.txt /n2
            COPY --chown=root:nogroup app /n3
            COPY --chown=65534:nogroup app/a.txt /n4
            ADD --chown=nobody app/sub /n5/deep/
            COPY --chown=4242 app/a.txt /n6
            USER nobody
            WORKDIR /as-nobody
            """ },
        { "chown-copied-users", """
            FROM @BASE@
            COPY users/passwd users/group /etc/
            COPY --chown=4 app/a.txt /n1
            COPY --chown=sync app/a.txt /n2
            COPY --chown=4:staff app/a.txt /n3
            COPY --chown=sync:4 app/sub /n4
            COPY --chown=65534 app/a.txt /n5
            USER sync
            WORKDIR /as-sync
            USER 4
            WORKDIR /as-4
            """ },
        { "symlinks", """
            FROM @BASE@
            COPY app/dirlink /dl
            COPY app/dirlink/ /dl2/
            COPY app /tree
            COPY app/a.txt /tree/dirlink/
            COPY app/c.txt /tree/dirlink/renamed.txt
            COPY app/sub /tree/dirlink/merged
            COPY app/c.txt /tree/link
            COPY app/sub/ /tree/dirlink
            COPY app/link /tree/sub/
            COPY app/link /tree/
            """ },
        { "wildcards-and-dot", """
            FROM @BASE@
            COPY app/* /star/
            COPY app/s* /s-prefix/
            COPY . /all/
            COPY app/hard app/a.txt /hardlinked/
            WORKDIR /star/dirlink
            COPY app/a.txt in-linked-workdir.txt
            """ },
        { "pattern-forms", """
            FROM @BASE@
            COPY app/[ab].txt /class/
            COPY app/?.txt /one-char/
            COPY app/s*/b.txt /star-dir/
            COPY app/[!a]*.txt /negated/
            COPY app/[^a]*.txt /caret/
            COPY app/[a-c].txt /range/
            COPY app/*/*.txt /two-levels/
            COPY app/su* /prefix-dirs/
            COPY app/\a.txt /escaped/
            COPY users/* app/c.txt /mixed/
            """ },
        { "patterns-matching-nothing", """
            FROM @BASE@
            COPY app/nomatch* /tmp/
            COPY app/nomatch* /created-or-not/
            COPY app/nomatch* app/a.txt /some/
            ENV AFTER=1
            """ },
        { "repeated-keys", """
            FROM @BASE@
            ENV A=1 B=2 A=3
            ENV B=$A-b
            LABEL k=1 other=x k=2
            LABEL "k"=3
            COPY --chown=1000:1000 app/link /owned-link
            COPY --chown=1000:1000 app/dirlink /owned-dirlink
            """ },
        { "automatic-platform-arguments", """
            ARG TARGETPLATFORM
            ARG BASE=@BASE@
            FROM ${BASE}
            ARG TARGETARCH
            ARG TARGETOS
            ARG TARGETVARIANT
            ARG TARGETPLATFORM
            ARG BUILDARCH
            ARG BUILDPLATFORM
            ENV T="$TARGETPLATFORM|$TARGETOS|$TARGETARCH|$TARGETVARIANT|$BUILDARCH|$BUILDPLATFORM"
            LABEL undeclared="[$BUILDOS]"
            """ },
        { "from-stage", """
            FROM @BASE@ AS base
            ENV STAGE=base
            CMD ["base"]
            FROM base
            COPY app/sub/ /sub/
            """ },
        { "expose-spellings", """
            FROM @BASE@
            ARG P=080
            EXPOSE ${P} 0443/UDP 9000/Sctp 65535
            """ },
        { "value-spellings", """
            FROM @BASE@
            ARG W=/srv//app/./x/../y/
            ARG S=sigint
            ARG U=1000:1000
            WORKDIR ${W}
            WORKDIR rel/../sub/
            WORKDIR ${W}
            STOPSIGNAL ${S}
            USER ${U}
            VOLUME ${W} /data//x/
            """ },
        { "flag-arguments", """
            FROM @BASE@
            ARG OWNER=1000:1001
            ARG ID=1002
            COPY --chown=${OWNER} app/a.txt /owned-by-arg.txt
            COPY --chown=${ID}:${ID} app/sub /dir-owned-by-args/
            """ },
        { "substitution-modifiers", """
            FROM @BASE@
            ARG SET=v
            ARG EMPTY=
            ARG UNSET
            ENV A=${SET:-d} B=${EMPTY:-d} C=${UNSET:-d} D=${SET:+alt} E=${EMPTY:+alt} F=${UNSET:+alt}
            ENV G="${UNSET:-${SET}x}" H=${SET:-a\ b}x I='${SET}' J="$SET'q'" K=\$SET L=a${SET}b$SET M=${SET}$
            ENV O=${SET:+"in $SET"} P=$EMPTY$UNSET. Q=${SET}${SET}
            ENV PATH=$PATH:/extra HOME2=${HOME:-none}
            WORKDIR /w/${UNSET:-dflt}/${SET:+plus}
            LABEL l1=${UNSET:-"lab el"} "l2"="${SET:+x}y"
            """ },
        { "arg-defaults", """
            ARG BASE=@BASE@
            ARG IMG=${BASE} SAME=[${BASE}]
            FROM ${IMG}
            ARG SAME
            ARG A=1
            ARG B=${A}-b C=x${A}
            ARG E=5 F=x${E}
            ENV OUT="$A|$B|$C|$E|$F|$SAME"
            """ },
        // CMD [] on the image's way, then something that makes both daemon builders agree (IMAGEDSL2030 lets these
        // through): the daemonless builder must agree with them too.
        { "reset-command-then-cmd", """
            FROM @BASE@ AS base
            ENTRYPOINT ["/bin/echo", "base"]
            CMD ["base"]
            FROM base AS reset
            CMD []
            FROM reset
            CMD ["again"]
            """ },
        { "reset-command-then-entrypoint", """
            FROM @BASE@ AS base
            ENTRYPOINT ["/bin/echo", "base"]
            CMD ["base"]
            FROM base AS reset
            CMD []
            FROM reset
            ENTRYPOINT ["/bin/echo", "later"]
            """ },
        { "reset-command-then-entrypoint-same-stage", """
            FROM @BASE@ AS base
            ENTRYPOINT ["/bin/echo", "base"]
            CMD ["base"]
            FROM base
            CMD []
            ENTRYPOINT ["/bin/echo", "same"]
            """ },
        // (and one the classic builder disagrees on, which IMAGEDSL2030 refuses in a definition: BuildKit's answer)
        { "set-reset-command-then-entrypoint", """
            FROM @BASE@
            ENTRYPOINT ["/bin/echo", "base"]
            CMD ["first"]
            CMD []
            ENTRYPOINT ["/bin/echo", "kept"]
            """ },
        { "from-stage-with-onbuild", """
            FROM @BASE@ AS parent
            ONBUILD ENV FROM_PARENT=1
            ONBUILD COPY app/a.txt /from-parent.txt
            FROM parent
            ENV CHILD=$FROM_PARENT
            """ },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public Task Daemonless_image_equals_the_daemon_BuildKit_image(string name, string dockerfile) =>
        AssertSameImageAsync(name, dockerfile.Replace("@BASE@", RegistryBase, StringComparison.Ordinal)
            .Replace("@OCI@", RegistryBase.Replace("/base/busybox:", "/base/busybox-oci:", StringComparison.Ordinal), StringComparison.Ordinal));

    /// <summary>
    /// A base image with ONBUILD triggers (made here with the classic builder and pushed to the loopback registry): a
    /// build FROM it runs the triggers first — ENV, LABEL and a COPY from the downstream build's context — and the
    /// image it makes has no triggers of its own. The daemonless builder does the same as BuildKit.
    /// </summary>
    [Fact]
    public async Task A_base_image_with_ONBUILD_triggers_builds_the_same_both_ways()
    {
        var reference = RegistryBase.Replace("/base/busybox:", "/base/onbuild-triggers:", StringComparison.Ordinal);
        await PushBaseAsync(reference, $"FROM {RegistryBase}\nONBUILD ENV TRIGGERED=yes\nONBUILD LABEL trig=1\nONBUILD COPY app/a.txt /triggered.txt\n", BuilderKind.Classic);

        await AssertSameImageAsync("onbuild-triggers", $"FROM {reference}\nENV MINE=$TRIGGERED\nCOPY app/sub /sub/\n");
        // Its own trigger is the only one its image keeps: the base's ran and are gone.
        await AssertSameImageAsync("onbuild-triggers-own", $"FROM {reference}\nONBUILD ENV CHILD=1\nONBUILD COPY app/a.txt /child.txt\n");
    }

    /// <summary>
    /// A base whose config sets everything a Dockerfile can (made here with BuildKit and pushed to the loopback
    /// registry), and children that inherit, extend and reset it: an ENTRYPOINT clears the inherited CMD, a relative
    /// WORKDIR continues the inherited one and is created for the inherited USER, a SHELL-form CMD uses the inherited
    /// SHELL. The daemonless builder does what BuildKit does.
    /// </summary>
    [Theory]
    [InlineData("extend", "ENV B=2 PATH=/child:$PATH\nEXPOSE 81/udp\nLABEL child=1\nVOLUME /w\nCMD child $B\n")]
    [InlineData("entrypoint", "ENTRYPOINT [\"/bin/cat\"]\nWORKDIR sub/dir\nCOPY app/a.txt here.txt\n")]
    [InlineData("reset", "USER root\nHEALTHCHECK NONE\nSTOPSIGNAL 9\nWORKDIR /\nENTRYPOINT []\nCMD [\"sh\"]\n")]
    [InlineData("empty-cmd", "CMD []\n")]
    [InlineData("empty-both", "CMD []\nENTRYPOINT []\n")]
    [InlineData("empty-shell-form", "ENTRYPOINT []\nCMD echo \"$A\"\n")]
    [InlineData("override", "HEALTHCHECK --retries=1 CMD echo $A\nENTRYPOINT echo x\nLABEL base=\nENV A= C=$A.\nUSER 1000\nEXPOSE 80 80/tcp\nVOLUME /v\n")]
    [InlineData("relative-workdirs", "WORKDIR ../up\nWORKDIR ./here/../there\nCOPY app/sub ./\nUSER 0\nWORKDIR /base/new\n")]
    public async Task A_base_with_a_full_config_is_inherited_the_same_both_ways(string name, string child)
    {
        var reference = RegistryBase.Replace("/base/busybox:", "/base/full-config:", StringComparison.Ordinal);
        await PushBaseAsync(reference, $"FROM {RegistryBase}\nENV A=1 PATH=/custom:/bin\nWORKDIR /base\nUSER 1000:1000\nEXPOSE 80\nVOLUME /v\nSTOPSIGNAL SIGQUIT\n"
            + "HEALTHCHECK --interval=5s CMD true\nSHELL [\"/bin/sh\", \"-xc\"]\nENTRYPOINT [\"/bin/echo\"]\nCMD [\"base\"]\nLABEL base=1\n", BuilderKind.BuildKit);

        await AssertSameImageAsync("full-config-" + name, $"FROM {reference}\n{child}");
    }

    /// <summary>
    /// A base whose own tree has symbolic links (made here with a RUN step and pushed): a relative and an absolute
    /// link to a directory, a link to a file, a dangling link, a link that climbs above the root. A COPY whose
    /// destination goes through them, lands on them, or a WORKDIR under them: BuildKit resolves the links in the base's
    /// tree, and the daemonless builder, which knows that tree from the base's layers, must do the same.
    /// </summary>
    [Theory]
    [InlineData("through-relative", "COPY app/a.txt /lib2/x.txt\nCOPY app/sub /lib2/sub\n")]
    [InlineData("through-absolute", "COPY app/a.txt /abs-link/\nCOPY app/sub /etc/rel-link/sub\n")]
    [InlineData("onto-file-link", "COPY app/c.txt /usr/lib/real/file-link\n")]
    [InlineData("onto-dangling", "COPY app/c.txt /dangling\nCOPY app/a.txt /dangling-dir/\n")]
    [InlineData("into-dir-link", "COPY app/sub/ /dlink/\nCOPY app/a.txt /dlink\n")]
    [InlineData("above-root", "COPY app/a.txt /up-too-far/lib/real/\n")]
    [InlineData("workdir", "WORKDIR /abs-link/w\nCOPY app/a.txt .\nWORKDIR /dlink\nUSER 1000\nWORKDIR /lib2/new\n")]
    [InlineData("chown-through", "COPY --chown=1000:1000 app/sub /lib2/owned/deeper/\nCOPY --chown=7 app/a.txt /dlink/owned.txt\n")]
    public async Task A_base_with_symbolic_links_is_copied_into_the_same_both_ways(string name, string child)
    {
        var reference = RegistryBase.Replace("/base/busybox:", "/base/linked-tree:", StringComparison.Ordinal);
        await PushBaseAsync(reference, $"FROM {RegistryBase}\nRUN mkdir -p /usr/lib/real /d && echo base > /usr/lib/real/f && chmod 700 /d"
            + " && ln -s usr/lib /lib2 && ln -s /usr/lib/real /abs-link && ln -s ../usr/lib/real /etc/rel-link && ln -s f /usr/lib/real/file-link"
            + " && ln -s missing /dangling && ln -s nowhere/ /dangling-dir && ln -s d /dlink && ln -s ../../../../usr /up-too-far\n", BuilderKind.BuildKit);

        await AssertSameImageAsync("linked-tree-" + name, $"FROM {reference}\n{child}");
    }

    /// <summary>A base image made here from <paramref name="dockerfile"/> (over the sample context) and pushed to the loopback registry as <paramref name="reference"/>.</summary>
    private static async Task PushBaseAsync(string reference, string dockerfile, BuilderKind builder)
    {
        var context = await SampleContextAsync("imagedsl-parity-base-");
        try
        {
            using var engine = await TestEngine.ConnectAsync();
            await engine.BuildAsync(new BuildRequest(reference, dockerfile, context.FullName, new[] { reference }, new Dictionary<string, string>(), new Dictionary<string, string>(),
                NetworkMode: TestEngine.NetworkMode), TestEngine.Layout(context.FullName, builder), builder, new ListLog(), CancellationToken.None);
            await engine.PushAsync(ImageReference.Parse(reference), null, PushPolicy.Default, _ => { }, CancellationToken.None);
        }
        finally
        {
            context.Delete(recursive: true);
        }
    }

    private static async Task AssertSameImageAsync(string name, string dockerfile)
    {
        var context = await SampleContextAsync("imagedsl-parity-");
        try
        {
            using var engine = await TestEngine.ConnectAsync();
            var daemonTag = $"tests/parity-{name}:daemon";
            var daemonlessTag = $"tests/parity-{name}:daemonless";
            // Not from the cache: BuildKit's cache key of a COPY is the content of what it copies, which does not tell hard
            // links from copies, so a result cached from another context would be the judge.
            var request = new BuildRequest(daemonTag, dockerfile, context.FullName, new[] { daemonTag }, new Dictionary<string, string>(), new Dictionary<string, string>(),
                NoCache: true, NetworkMode: TestEngine.NetworkMode);
            await engine.BuildAsync(request, TestEngine.Layout(context.FullName, BuilderKind.BuildKit), BuilderKind.BuildKit, new ListLog(), CancellationToken.None);

            var store = new BlobStore(Path.Combine(Path.GetTempPath(), "imagedsl-parity-store"));
            using var bases = new RegistryBaseImages(store, new RegistryCredentials(_ => null, "/nonexistent"), PushPolicy.Default);
            var assembled = await new ImageAssembler(bases, store).AssembleAsync(new AssemblyRequest(dockerfile, null, new Dictionary<string, string>(),
                new Dictionary<string, string>(), ContextPacker.List(context.FullName), Platform: null, DateTimeOffset.UnixEpoch, 1), CancellationToken.None);
            var archive = new MemoryStream();
            var artifacts = ImageArtifacts.Of(assembled);
            // The image keeps its base's manifest family.
            Assert.Equal(name == "oci-base" ? RegistryClient.OciManifest : RegistryClient.DockerManifest, artifacts.ManifestMediaType);
            await ImageOutputs.WriteArchiveAsync(new[] { artifacts }, artifacts, new[] { daemonlessTag }, archive, heldLayers: 0, CancellationToken.None);
            archive.Position = 0;
            await engine.LoadAsync(archive, CancellationToken.None);

            using var client = new DockerClientBuilder().WithEndpoint(TestEngine.SocketEndpoint.Uri).WithApiVersion(DockerEngine.ApiVersion).Build();
            var expected = await client.Images.InspectImageAsync(daemonTag);
            var actual = await client.Images.InspectImageAsync(daemonlessTag);
            Assert.Equal(JsonSerializer.Serialize(expected.Config), JsonSerializer.Serialize(actual.Config));
            Assert.Equal(expected.Architecture, actual.Architecture);
            Assert.Equal(expected.Os, actual.Os);
            Assert.Equal(await HistoryAsync(client, daemonTag), await HistoryAsync(client, daemonlessTag));
            AssertSameLines(await FilesAsync(client, daemonTag), await FilesAsync(client, daemonlessTag));
        }
        finally
        {
            context.Delete(recursive: true);
        }
    }

    /// <summary>Equal listings, or a failure that shows every line that differs (not only the first).</summary>
    private static void AssertSameLines(string daemon, string daemonless)
    {
        var (expected, actual) = (daemon.Split('\n'), daemonless.Split('\n'));
        var missing = expected.Except(actual).Select(l => "  daemon only:     " + l);
        var extra = actual.Except(expected).Select(l => "  daemonless only: " + l);
        Assert.True(daemon == daemonless, "the file trees differ:\n" + string.Join("\n", missing.Concat(extra)));
    }

    /// <summary>
    /// The base image sets ENV PATH=/bin; the Dockerfile declares ARG PATH=/opt and expands it. The two builders
    /// disagree: this daemon's BuildKit expands the argument declared after the inherited variable, the classic builder
    /// always the variable (moby/moby#45228, docker/cli#3344). The daemonless builder does what BuildKit does, and
    /// refuses where BuildKit too would expand the variable instead of the argument: an ARG without a value.
    /// </summary>
    [Fact]
    public async Task A_build_argument_after_an_inherited_variable_expands_as_BuildKit_expands_it()
    {
        string Dockerfile(string arg) => $"FROM {RegistryBase}\n{arg}\nLABEL p=${{PATH}}\n";
        var context = await SampleContextAsync("imagedsl-hidden-");
        try
        {
            using var engine = await TestEngine.ConnectAsync();
            using var client = new DockerClientBuilder().WithEndpoint(TestEngine.SocketEndpoint.Uri).WithApiVersion(DockerEngine.ApiVersion).Build();
            var labels = new List<string>();
            foreach (var (builder, arg) in new[] { (BuilderKind.BuildKit, "ARG PATH=/opt"), (BuilderKind.Classic, "ARG PATH=/opt"), (BuilderKind.BuildKit, "ARG PATH") })
            {
                var tag = $"tests/parity-hidden:{builder.ToString().ToLowerInvariant()}";
                await engine.BuildAsync(new BuildRequest(tag, Dockerfile(arg), context.FullName, new[] { tag }, new Dictionary<string, string>(), new Dictionary<string, string>(),
                    NetworkMode: TestEngine.NetworkMode), TestEngine.Layout(context.FullName, builder), builder, new ListLog(), CancellationToken.None);
                labels.Add((await client.Images.InspectImageAsync(tag)).Config!.Labels!["p"]);
            }

            Assert.Equal(new[] { "/opt", "/bin", "/bin" }, labels);

            var store = new BlobStore(Path.Combine(Path.GetTempPath(), "imagedsl-parity-store"));
            using var bases = new RegistryBaseImages(store, new RegistryCredentials(_ => null, "/nonexistent"), PushPolicy.Default);
            var assembler = new ImageAssembler(bases, store);
            AssemblyRequest Request(string arg) => new(Dockerfile(arg), null, new Dictionary<string, string>(), new Dictionary<string, string>(),
                ContextPacker.List(context.FullName), Platform: null, DateTimeOffset.UnixEpoch, 1);

            var built = await assembler.AssembleAsync(Request("ARG PATH=/opt"), CancellationToken.None);
            Assert.Equal("/opt", built.Config["config"]!["Labels"]!["p"]!.GetValue<string>());
            var e = await Assert.ThrowsAsync<ArgumentHiddenException>(() => assembler.AssembleAsync(Request("ARG PATH"), CancellationToken.None));
            Assert.Equal(3, e.Line);
            Assert.Equal("PATH", e.Name);
        }
        finally
        {
            context.Delete(recursive: true);
        }
    }

    /// <summary>The project folder of each assembly of definitions: an [Image]'s Context is relative to it.</summary>
    private static readonly Dictionary<string, string> ProjectFolders = new(StringComparer.Ordinal)
    {
        ["ImageDsl.Tests.Definitions"] = "tests/Definitions", ["HelloWorld"] = "samples/HelloWorld", ["MultiStage"] = "samples/MultiStage", ["ManyImages"] = "samples/ManyImages",
        ["PrivateRegistry"] = "samples/PrivateRegistry", ["WebApi"] = "samples/WebApi", ["PrivateFeed.Images"] = "samples/PrivateFeed",
    };

    /// <summary>
    /// Every definition of the tests and samples that qualifies for the daemonless builder, built both ways with its
    /// base images from the loopback registry (the build arguments every definition uses for its bases). A definition
    /// whose generated Dockerfile needs a daemon (RUN…) is not eligible; one that reads what only an MSBuild build adds
    /// to the context (.imagedsl/) is built by DaemonlessBuildTests and the sample tests instead.
    /// </summary>
    [Fact]
    public async Task Every_eligible_definition_of_tests_and_samples_builds_the_same_both_ways()
    {
        var buildArgs = new Dictionary<string, string>
        {
            ["BASE_IMAGE"] = RegistryBase,
            ["RUNTIME_IMAGE"] = TestEngine.Get("IMAGEDSL_REGISTRY_ASPNET_IMAGE"),
        };
        var compared = new List<string>();
        var differences = new List<string>();
        using var engine = await TestEngine.ConnectAsync();
        using var client = new DockerClientBuilder().WithEndpoint(TestEngine.SocketEndpoint.Uri).WithApiVersion(DockerEngine.ApiVersion).Build();
        var store = new BlobStore(Path.Combine(Path.GetTempPath(), "imagedsl-parity-store"));
        using var bases = new RegistryBaseImages(store, new RegistryCredentials(_ => null, "/nonexistent"), PushPolicy.Default);
        foreach (var type in ImageDsl.Tests.AllDefinitions.Types)
        {
            var name = ImageDsl.Tests.AllDefinitions.NameOf(type);
            var dockerfile = ImageDsl.Tests.AllDefinitions.GeneratedText(type);
            DockerfilePlan plan;
            try
            {
                plan = ImageAssembler.Plan(dockerfile, null);
            }
            catch (NeedsDaemonException)
            {
                continue;
            }

            // Only bases this machine has: the loopback registry's (definitions that name another registry build nowhere here).
            if (!BasesAreLocal(plan, buildArgs)) continue;

            if (dockerfile.Contains(".imagedsl/", StringComparison.Ordinal)) continue;
            var attribute = (ImageAttribute)Attribute.GetCustomAttribute(type, typeof(ImageAttribute))!;
            var context = Path.GetFullPath(Path.Combine(ImageDsl.Tests.AllDefinitions.RepositoryRoot, ProjectFolders[type.Assembly.GetName().Name!], attribute.Context));
            var tag = "tests/parity-all:" + name.Replace('/', '-');
            var request = new BuildRequest(tag + "-daemon", dockerfile, context, new[] { tag + "-daemon" }, buildArgs, new Dictionary<string, string>(), NetworkMode: TestEngine.NetworkMode);
            await engine.BuildAsync(request, TestEngine.Layout(context, BuilderKind.BuildKit), BuilderKind.BuildKit, new ListLog(), CancellationToken.None);
            var assembled = await new ImageAssembler(bases, store).AssembleAsync(new AssemblyRequest(dockerfile, null, buildArgs, new Dictionary<string, string>(),
                TestEngine.Layout(context, BuilderKind.BuildKit).Entries, Platform: null, DateTimeOffset.UnixEpoch, 1), CancellationToken.None);
            var artifacts = ImageArtifacts.Of(assembled);
            var archive = new MemoryStream();
            await ImageOutputs.WriteArchiveAsync(new[] { artifacts }, artifacts, new[] { tag + "-daemonless" }, archive, heldLayers: 0, CancellationToken.None);
            archive.Position = 0;
            await engine.LoadAsync(archive, CancellationToken.None);

            var expected = await client.Images.InspectImageAsync(tag + "-daemon");
            var actual = await client.Images.InspectImageAsync(tag + "-daemonless");
            void Compare(string what, string a, string b)
            {
                if (a != b) differences.Add($"{name}: {what} differs:\n  daemon:     {a.Replace("\n", "\n              ")}\n  daemonless: {b.Replace("\n", "\n              ")}");
            }

            Compare("config", JsonSerializer.Serialize(expected.Config), JsonSerializer.Serialize(actual.Config));
            Compare("history", await HistoryAsync(client, tag + "-daemon"), await HistoryAsync(client, tag + "-daemonless"));
            Compare("files", await FilesAsync(client, tag + "-daemon"), await FilesAsync(client, tag + "-daemonless"));
            compared.Add(name);
        }

        Assert.True(differences.Count == 0, string.Join("\n", differences));
        Assert.True(compared.Count >= 5, "compared: " + string.Join(", ", compared));
    }

    private static bool BasesAreLocal(DockerfilePlan plan, IReadOnlyDictionary<string, string> buildArgs)
    {
        var meta = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var argument in plan.MetaArgs.SelectMany(a => ArgumentLine.Declare(a, plan.Escape, meta.GetValueOrDefault, buildArgs, null)))
        {
            if (argument.Value is not null) meta[argument.Name] = argument.Value;
        }

        var names = plan.Stages.Select(s => s.Name).Where(n => n is not null).ToHashSet();
        return plan.Needed.Select(i => new ShellWords(plan.Escape, meta).Word(plan.Stages[i].From.Rest.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0]))
            .All(b => b == "scratch" || names.Contains(b.ToLowerInvariant()) || b.StartsWith(TestEngine.Registry + "/", StringComparison.Ordinal));
    }

    /// <summary>
/// A build context with files, a directory of mode 0700 holding a 0600 file, a setuid+setgid file, a sticky directory,
/// symlinks to a file and to that directory, and a second name (hard link) of a file, under app/; and under users/ a
/// passwd and group file whose users' primary groups are not their uids.
/// </summary>
    public static async Task<DirectoryInfo> SampleContextAsync(string prefix)
    {
        var context = Directory.CreateTempSubdirectory(prefix);
        Directory.CreateDirectory(Path.Combine(context.FullName, "app", "sub"));
        await File.WriteAllTextAsync(Path.Combine(context.FullName, "app", "a.txt"), "hi\n");
        await File.WriteAllTextAsync(Path.Combine(context.FullName, "app", "c.txt"), "see\n");
        await File.WriteAllTextAsync(Path.Combine(context.FullName, "app", "sub", "b.txt"), "x\n");
        File.SetUnixFileMode(Path.Combine(context.FullName, "app", "sub", "b.txt"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.SetUnixFileMode(Path.Combine(context.FullName, "app", "sub"), (UnixFileMode)0x1C0 /* 0700 */);
        // setuid, setgid and sticky bits: BuildKit's COPY keeps them, with --chmod too where it keeps them.
        await File.WriteAllTextAsync(Path.Combine(context.FullName, "app", "suid"), "s\n");
        File.SetUnixFileMode(Path.Combine(context.FullName, "app", "suid"), (UnixFileMode)0xDED /* 06755 */);
        Directory.CreateDirectory(Path.Combine(context.FullName, "app", "sticky"));
        File.SetUnixFileMode(Path.Combine(context.FullName, "app", "sticky"), (UnixFileMode)0x3FF /* 01777 */);
        File.CreateSymbolicLink(Path.Combine(context.FullName, "app", "link"), "a.txt");
        File.CreateSymbolicLink(Path.Combine(context.FullName, "app", "dirlink"), "sub");
        // Users whose primary group is not their uid (as in Debian's sync:x:4:65534), for --chown by number and by name.
        Directory.CreateDirectory(Path.Combine(context.FullName, "users"));
        await File.WriteAllTextAsync(Path.Combine(context.FullName, "users", "passwd"), "root:x:0:0:root:/root:/bin/sh\nsync:x:4:100:sync:/bin:/bin/sync\nnobody:x:65534:7:nobody:/:/bin/sh\n");
        await File.WriteAllTextAsync(Path.Combine(context.FullName, "users", "group"), "root:x:0:\nstaff:x:50:\nusers:x:100:\n");
        using (var link = System.Diagnostics.Process.Start("ln", new[] { Path.Combine(context.FullName, "app", "a.txt"), Path.Combine(context.FullName, "app", "hard") })!) await link.WaitForExitAsync();
        return context;
    }

    private static async Task<string> HistoryAsync(DockerClient client, string image) =>
        string.Join("\n", (await client.Images.GetImageHistoryAsync(image)).Select(h => $"{h.CreatedBy} | {h.Comment} | {(h.Size == 0 ? "empty" : "data")}"));

    /// <summary>The file system of a never-started container of the image, one line per path: type, mode, owner, size, link, content hash.</summary>
    public static async Task<string> FilesAsync(DockerClient client, string image)
    {
        var created = await client.Containers.CreateContainerAsync(new Docker.DotNet.Models.CreateContainerParameters { Image = image, Cmd = new[] { "none" } });
        try
        {
            var export = new MemoryStream();
            await using (var stream = await client.Containers.ExportContainerAsync(created.ID, CancellationToken.None)) await stream.CopyToAsync(export);
            export.Position = 0;
            var lines = new List<string>();
            var reader = new TarReader(export);
            while (await reader.GetNextEntryAsync() is { } entry)
            {
                var hash = entry.DataStream is null ? "" : Convert.ToHexString(await SHA256.HashDataAsync(entry.DataStream)).Substring(0, 16);
                lines.Add($"{entry.Name.TrimEnd('/')} {entry.EntryType} {Convert.ToString((int)entry.Mode, 8)} {entry.Uid}:{entry.Gid} {entry.Length} {entry.LinkName} {hash}");
            }

            return string.Join("\n", lines.OrderBy(l => l, StringComparer.Ordinal));
        }
        finally
        {
            await client.Containers.RemoveContainerAsync(created.ID, new Docker.DotNet.Models.ContainerRemoveParameters { Force = true });
        }
    }
}
