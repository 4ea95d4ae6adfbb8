using System;
using System.Linq;
using ImageDsl.Internal;
using ImageDsl.Rendering;
using Xunit;

namespace ImageDsl.Tests.Dsl;

/// <summary>What the runtime refuses, with the same ids the generator reports at compile time.</summary>
public class ValidationTests
{
    private static readonly Dockerfile Base = Dockerfile.From("busybox");

    public static TheoryData<string, Func<Dockerfile>> ArgumentErrors => new()
    {
        { DiagnosticIds.PortOutOfRange, () => Base.Expose(70000) },
        { DiagnosticIds.PortOutOfRange, () => Base.Expose(Port.Range(90, 80)) },
        { DiagnosticIds.RelativeWorkdir, () => Base.Workdir("app") },
        { DiagnosticIds.InvalidStageName, () => Base.As("Build") },
        { DiagnosticIds.InexpressibleValue, () => Base.Env("A", "line\nbreak") },
        { DiagnosticIds.InexpressibleValue, () => Base.Label("a", "carriage\rreturn") },
        { DiagnosticIds.InexpressibleValue, () => Base.Env("A", "nul\0") },
        { DiagnosticIds.InexpressibleValue, () => Base.Env("A", "lone \ud800 surrogate") },
        { DiagnosticIds.InexpressibleValue, () => Base.Copy("a", "/b", exclude: [Glob.Of("grüße")]) },
        { DiagnosticIds.InexpressibleValue, () => Base.Copy("a", "/b", chown: Owner.Name("user name")) },
        { DiagnosticIds.InexpressibleValue, () => Base.Run("x", mounts: [Mount.Cache("/a,b")]) },
        { DiagnosticIds.InexpressibleValue, () => Base.Label("a=b", "c") },
        { DiagnosticIds.InexpressibleValue, () => Base.CopyHeredoc("no final newline", "/f") },
        { DiagnosticIds.InexpressibleValue, () => Base.CopyHeredoc("ok\n", "/dir with space/f") },
        { DiagnosticIds.InvalidImageReference, () => Dockerfile.From("Not A Reference") },
        { DiagnosticIds.InvalidArgument, () => Base.Env("1A", "x") },
        { DiagnosticIds.InvalidArgument, () => Base.Arg(new BuildArg("has-dash")) },
        { DiagnosticIds.InvalidArgument, () => Base.Copy("a", "/b", chmod: FileMode.Octal("789")) },
        { DiagnosticIds.InvalidArgument, () => Base.Add("a", "/b", checksum: "md5:abc") },
        { DiagnosticIds.InvalidArgument, () => Base.Healthcheck("true", interval: TimeSpan.Zero) },
        { DiagnosticIds.InvalidArgument, () => Base.Run("   ") },
        { DiagnosticIds.InvalidArgument, () => Base.Cmd() },
        { DiagnosticIds.InvalidArgument, () => Base.WithEscape('!') },
        { DiagnosticIds.InvalidArgument, () => Base.StopSignal(65) },
        { DiagnosticIds.InvalidArgument, () => Dockerfile.From("busybox", Platform.Parse("Linux/AMD64")) },
        { DiagnosticIds.SourceArgumentIsPattern, () => Base.Arg(new BuildArg("V", "1")).Copy("app-" + new BuildArg("V", "1") + ".jar", "/app.jar") },
        { DiagnosticIds.InvalidImageReference, () => Dockerfile.From("busybox:" + new BuildArg("TAG", "bad tag")) },
        { DiagnosticIds.InvalidImageReference, () => Dockerfile.From("local/busybox:" + new BuildArg("TAG", "")) },
        { DiagnosticIds.InvalidImageReference, () => Base.Copy("/a", "/a", from: "0") },
        { DiagnosticIds.InvalidImageReference, () => Base.Run("x", mounts: [Mount.Bind("/m", from: "12")]) },
        { DiagnosticIds.InvalidArgument, () => Base.User("a:b:c") },
        { DiagnosticIds.InvalidArgument, () => Base.User(":staff") },
        { DiagnosticIds.InvalidArgument, () => Base.Add(new Uri("file:///etc/passwd"), "/x") },
        { DiagnosticIds.InvalidArgument, () => Base.Copy(Glob.Of("[abc"), "/x") },
        { DiagnosticIds.InexpressibleValue, () => Base.Copy("nul\0name", "/x") },
        { DiagnosticIds.InvalidArgument, () => DotNet.InImagePublish("sdk", "../Api/Api.csproj") },
        { DiagnosticIds.InvalidArgument, () => DotNet.InImagePublish("sdk", "src/../Api.csproj") },
        { DiagnosticIds.InvalidArgument, () => DotNet.InImagePublish("sdk", "./Api.csproj") },
        { DiagnosticIds.InvalidArgument, () => DotNet.InImagePublish("sdk", "src//Api.csproj") },
        { DiagnosticIds.InvalidArgument, () => DotNet.InImagePublish("sdk", "/src/Api.csproj") },
        { DiagnosticIds.InvalidArgument, () => DotNet.InImagePublish("sdk", "src/Api") },
    };

    [Theory]
    [InlineData("777", "0755")]
    [InlineData("1777", "0755")]
    [InlineData("2770", "0750")]
    public void A_cache_mount_mode_the_daemon_would_mask_is_refused_naming_what_it_would_be(string mode, string made)
    {
        var error = Assert.Throws<DockerfileException>(() => Mount.Cache("/c", mode: FileMode.Octal(mode), uid: 1000));

        Assert.Equal((DiagnosticIds.InexpressibleValue, "mode"), (error.Id, error.ParamName));
        Assert.Contains($"mode={FileMode.Octal(mode)} would be {made}", error.Message);
        Assert.Contains("uid:, gid:", error.Message);
        Assert.Equal("RUN --mount=type=cache,target=/c,mode=0750,uid=1000 make", Base.Run("make", mounts: [Mount.Cache("/c", mode: FileMode.Octal("750"), uid: 1000)]).ToString().Split('\n')[1]);
    }

    [Fact]
    public void A_cache_mount_seeded_from_a_stage_refuses_mode_and_owner()
    {
        var seed = Dockerfile.From("busybox").As("seed");
        Assert.Equal("uid", Assert.Throws<DockerfileException>(() => Mount.Cache("/c", from: seed, uid: 1000)).ParamName);
        Assert.Equal("gid", Assert.Throws<DockerfileException>(() => Mount.Cache("/c", from: seed, gid: 1000)).ParamName);
        var error = Assert.Throws<DockerfileException>(() => Mount.Cache("/c", from: seed, mode: FileMode.Octal("700")));
        Assert.Equal((DiagnosticIds.InexpressibleValue, "mode"), (error.Id, error.ParamName));
        Assert.Contains("RUN chown or chmod", error.Message);
        Assert.Contains("from=seed", Base.Run("x", mounts: [Mount.Cache("/c", from: seed)]).ToString());
    }

    [Fact]
    public void A_secret_or_ssh_mode_with_a_special_bit_is_refused()
    {
        var secret = Assert.Throws<DockerfileException>(() => Mount.Secret("token", mode: FileMode.Octal("4400")));
        var ssh = Assert.Throws<DockerfileException>(() => Mount.Ssh(mode: FileMode.Octal("1600")));

        Assert.Equal((DiagnosticIds.InexpressibleValue, "mode"), (secret.Id, secret.ParamName));
        Assert.Contains("A secret's mode=4400 would be 0400", secret.Message);
        Assert.Contains("An ssh socket's mode=1600 would be 0600", ssh.Message);
        Assert.Contains("mode=0777", Base.Run("x", mounts: [Mount.Secret("token", mode: FileMode.Octal("777"))]).ToString());
    }

    [Theory]
    [InlineData("4755", "0755")]
    [InlineData("2711", "0711")]
    [InlineData("1777", "0777")]
    public void A_chmod_with_a_special_bit_is_refused_naming_what_BuildKit_would_give_and_the_way_out(string mode, string given)
    {
        var error = Assert.Throws<DockerfileException>(() => Base.Copy("a", "/b", chmod: FileMode.Octal(mode)));

        Assert.Equal((DiagnosticIds.InexpressibleValue, "chmod"), (error.Id, error.ParamName));
        Assert.Contains($"would get {given}", error.Message);
        Assert.Contains($"FileMode.Octal(\"{given.TrimStart('0')}\")", error.Message);
        Assert.Contains("RUN chmod", error.Message);
        Assert.Equal("COPY --chmod=" + given + " a /b", Base.Copy("a", "/b", chmod: FileMode.Octal(given)).ToString().Split('\n')[1]);
    }

    public static TheoryData<string> MalformedPatterns => new() { "[", "[abc", "[]", "a[]b", "[-a]", "[a-]", "x\\", "[^]", "[a\\" };

    [Theory]
    [MemberData(nameof(MalformedPatterns))]
    public void Malformed_patterns_are_refused_as_filepath_Match_would(string pattern)
    {
        var error = Assert.Throws<DockerfileException>(() => Glob.Of(pattern));
        Assert.Equal(DiagnosticIds.InvalidArgument, error.Id);
        Assert.Contains("filepath.Match", error.Message);
    }

    [Theory]
    [InlineData("*.txt")]
    [InlineData("[a-z]?.json")]
    [InlineData("[^.]*")]
    [InlineData("\\[literal\\]")]
    [InlineData("[\\]]x")]
    [InlineData("dir/**/x")]
    public void Well_formed_patterns_are_accepted(string pattern) => Assert.Equal(pattern, Glob.Of(pattern).Pattern.LiteralText);

    [Fact]
    public void A_build_argument_whose_default_makes_a_valid_reference_is_accepted()
    {
        var tag = new BuildArg("TAG", "1.36");
        Assert.Contains("FROM busybox:${TAG}", Dockerfile.From("busybox:" + tag).ToString());
        // Without a default the value only exists at build time, where the build step checks it.
        Assert.Contains("FROM busybox:${NOTAG}", Dockerfile.From("busybox:" + new BuildArg("NOTAG")).ToString());
    }

    [Fact]
    public void User_string_is_dockers_user_and_group_form()
    {
        Assert.EndsWith("USER 1000:1000\n", Base.User("1000:1000").ToString());
        Assert.Equal(Owner.Id(1000, 1000), Owner.Parse("1000:1000"));
        Assert.Equal("app", Owner.Parse("app").User);
        Assert.Null(Owner.Parse("app").Group);
    }

    public static TheoryData<Func<Dockerfile>> CapturingStageNames => new()
    {
        () => Base.Copy("/a", "/a", from: Dockerfile.From("busybox").As("scratch")),
        () => Base.Copy("/a", "/a", from: Dockerfile.From("busybox").As("SCRATCH".ToLowerInvariant())),
        () => Dockerfile.From("hello-world").Copy("/a", "/a", from: Dockerfile.From("busybox").As("hello-world")),
        () => Base.Copy("/a", "/a", from: "tools").Copy("/b", "/b", from: Dockerfile.From("busybox").As("tools")),
        () => Base.Run("x", mounts: [Mount.Bind("/m", from: "tools")]).Copy("/b", "/b", from: Dockerfile.From("busybox").As("tools")),
        () => Base.Run("x", mounts: [Mount.Cache("/m", from: "tools")]).Copy("/b", "/b", from: Dockerfile.From("busybox").As("tools")),
        () => Dockerfile.From(new BuildArg("BASE", "build")).Copy("/b", "/b", from: Dockerfile.From("busybox").As("build")),
    };

    [Theory]
    [MemberData(nameof(CapturingStageNames))]
    public void Stage_name_that_an_image_reference_would_resolve_to_is_an_error_at_the_stage_name(Func<Dockerfile> define)
    {
        var problem = Assert.Single(define().Validate());
        Assert.Equal(DiagnosticIds.StageNameCapturesImage, problem.Id);
        Assert.Equal(ProblemSubject.StageName, problem.SubjectKind);
        Assert.True(problem.IsError);
    }

    [Fact]
    public void Similar_stage_and_image_names_are_fine()
    {
        var definition = Dockerfile.From("hello-world:latest").Copy("/a", "/a", from: Dockerfile.From("busybox").As("hello-world-stage"))
            .Copy("/b", "/b", from: "registry.local/build").Copy("/c", "/c", from: Dockerfile.From("busybox").As("build"));
        Assert.Empty(definition.Validate());
    }

    [Fact]
    public void Shell_form_fallback_needs_a_known_shell()
    {
        var problem = Assert.Single(Base.Run("echo continued \\").Validate());
        Assert.Equal(DiagnosticIds.UnknownShell, problem.Id);
        Assert.IsType<RunInstruction>(problem.Subject);

        Assert.Empty(Base.Shell("/bin/ash", "-c").Run("echo continued \\").Validate());
        Assert.Empty(Dockerfile.Scratch.CmdShell(" padded ").Validate());
        var withShell = Dockerfile.From("busybox").As("base").Shell("/bin/sh", "-ec");
        Assert.Contains("CMD [\"/bin/sh\", \"-ec\", \" padded \"]", Dockerfile.From(withShell).CmdShell(" padded ").ToString());
        var withoutShell = Dockerfile.From("busybox").As("base");
        Assert.Equal(DiagnosticIds.UnknownShell, Assert.Single(Dockerfile.From(withoutShell).EntrypointShell(" padded ").Validate()).Id);
        // An exact shell form needs no shell of ImageDsl's: the builder prepends whatever SHELL the stage has.
        Assert.Empty(Base.Run("echo exact").Validate());
    }

    [Fact]
    public void Literal_source_with_pattern_characters_is_a_warning_on_that_source()
    {
        var definition = Base.Copy(["plain.txt", "star*.txt"], "/dst/");
        var problem = Assert.Single(definition.Validate());
        Assert.Equal(DiagnosticIds.LiteralLooksLikePattern, problem.Id);
        Assert.False(problem.IsError);
        Assert.Equal(ProblemSubject.Argument, problem.SubjectKind);
        Assert.Same(((CopyInstruction)definition.Instructions[0]).Sources[1].Text, problem.Subject);
        Assert.Empty(Base.Copy(Glob.Literal("star*.txt"), "/dst/").Validate());
    }

    [Theory]
    [MemberData(nameof(ArgumentErrors))]
    public void Invalid_arguments_throw_with_their_diagnostic_id(string id, Func<Dockerfile> define)
    {
        var error = Assert.Throws<DockerfileException>(() => define());
        Assert.Equal(id, error.Id);
        Assert.StartsWith(id + ": ", error.Message);
    }

    [Fact]
    public void Several_env_or_label_pairs_are_one_instruction_checked_pair_by_pair()
    {
        var version = new BuildArg("VERSION", "1");
        var stage = Base.Arg(version).Env(("A", "1"), ("B", "v" + version)).Label(("x", "1"), ("y y", "2"));
        Assert.Equal("FROM busybox\nARG VERSION=1\nENV A=1 B=v${VERSION}\nLABEL x=1 \"y y\"=2\n", stage.ToString());

        Assert.Equal("variables", Assert.Throws<DockerfileException>(() => Base.Env()).ParamName);
        Assert.Equal("labels", Assert.Throws<DockerfileException>(() => Base.Label()).ParamName);
        Assert.Equal("variables", Assert.Throws<DockerfileException>(() => Base.Env(("A", "1"), ("1BAD", "2"))).ParamName);
        Assert.Equal(DiagnosticIds.InexpressibleValue, Assert.Throws<DockerfileException>(() => Base.Label(("a=b", "1"))).Id);

        // A build argument used in any pair must be declared in the stage.
        var problem = Assert.Single(Base.Env(("A", "1"), ("B", version)).Validate());
        Assert.Equal(DiagnosticIds.UndeclaredBuildArgument, problem.Id);
    }

    [Fact]
    public void Undeclared_build_argument_is_an_error_naming_it()
    {
        var version = new BuildArg("VERSION", "1");
        var problem = Assert.Single(Base.Env("V", version).Validate());

        Assert.Equal(DiagnosticIds.UndeclaredBuildArgument, problem.Id);
        Assert.Contains("'VERSION'", problem.Message);
        Assert.IsType<EnvInstruction>(problem.Subject);
        Assert.Equal(DiagnosticIds.UndeclaredBuildArgument, Assert.Throws<DockerfileException>(() => Base.Env("V", version).ToString()).Id);
    }

    [Fact]
    public void Build_argument_after_an_env_of_its_name_is_an_error_naming_both()
    {
        // docker expands ${VERSION} from the environment first: the label would be "2", whatever --build-arg says.
        var version = new BuildArg("VERSION", "1");
        var hidden = Base.Arg(version).Env("VERSION", "2").Label("v", version);
        var problem = Assert.Single(hidden.Validate());

        Assert.Equal(DiagnosticIds.ArgumentHiddenByEnv, problem.Id);
        Assert.Contains("ENV VERSION", problem.Message);
        Assert.Equal(new LabelInstruction(EquatableList<NamedValue>.Empty.Add(new NamedValue("v", version))), problem.Subject);
        Assert.Equal(DiagnosticIds.ArgumentHiddenByEnv, Assert.Throws<DockerfileException>(() => hidden.ToString()).Id);
        // The ARG declared after the ENV changes nothing: the environment still wins.
        Assert.Equal(DiagnosticIds.ArgumentHiddenByEnv, Assert.Single(Base.Env("VERSION", "2").Arg(version).Workdir("/v" + version).Validate()).Id);
    }

    [Fact]
    public void Env_hiding_an_argument_is_inherited_by_stages_that_start_from_its_stage()
    {
        var version = new BuildArg("VERSION", "1");
        var parent = Base.Env("VERSION", "2").As("parent");
        var problem = Assert.Single(Dockerfile.From(parent).Arg(version).Copy("/a", "/opt/" + version + "/").Validate());

        Assert.Equal(DiagnosticIds.ArgumentHiddenByEnv, problem.Id);
        // A stage that copies from the parent does not inherit its environment.
        Assert.Empty(Base.Arg(version).Copy("/a", "/opt/" + version + "/", from: parent).Validate());
    }

    [Fact]
    public void Env_of_an_onbuild_trigger_hides_an_argument_in_the_stage_that_starts_from_its_stage()
    {
        // The child runs the parent's triggers right after FROM (both builders, and the daemonless builder): ENV VERSION=2.
        var version = new BuildArg("VERSION", "1");
        var parent = Base.OnBuild(t => t.Env("VERSION", "2")).As("parent");
        var problem = Assert.Single(Dockerfile.From(parent).Arg(version).Label("v", version).Validate());

        Assert.Equal(DiagnosticIds.ArgumentHiddenByEnv, problem.Id);
        // A trigger's ENV VERSION=${VERSION} runs before the child declares the argument: it holds the variable, not the argument.
        var own = Base.Arg(version).OnBuild(t => t.Env("VERSION", version)).As("parent");
        Assert.Equal(DiagnosticIds.ArgumentHiddenByEnv, Assert.Single(Dockerfile.From(own).Arg(version).Label("v", version).Validate()).Id);
        // Unless the parent's own ENV VERSION=${VERSION} put the argument there first.
        var held = Base.Arg(version).Env("VERSION", version).OnBuild(t => t.Env("VERSION", version)).As("parent");
        Assert.Empty(Dockerfile.From(held).Arg(version).Label("v", version).Validate());
        // The parent itself does not run its triggers.
        Assert.Empty(Base.Arg(version).OnBuild(t => t.Env("VERSION", "2")).Label("v", version).Validate());
    }

    [Theory]
    [InlineData("ENV of the argument itself")]
    [InlineData("the same value twice")]
    [InlineData("expanded in the same ENV")]
    [InlineData("another variable")]
    public void Env_that_provably_holds_the_argument_or_another_name_hides_nothing(string shape)
    {
        var version = new BuildArg("VERSION", "1");
        var stage = shape switch
        {
            // ENV VERSION=${VERSION}: the variable's value is the argument's, so later ${VERSION} is still the argument.
            "ENV of the argument itself" => Base.Arg(version).Env("VERSION", version).Label("v", version),
            "the same value twice" => Base.Arg(version).Env("VERSION", version).Env("VERSION", version).Label("v", version),
            // Every value of one ENV is expanded before any is set: B is the argument's value.
            "expanded in the same ENV" => Base.Arg(version).Env(("VERSION", "2"), ("B", version)),
            _ => Base.Arg(version).Env("VERSION_TEXT", "2").Label("v", version),
        };

        Assert.Empty(stage.Validate());
    }

    [Fact]
    public void Env_of_the_argument_after_another_value_still_hides_it()
    {
        // ENV VERSION=2 then ENV VERSION=${VERSION}: the second expands to "2", not to the argument.
        var version = new BuildArg("VERSION", "1");
        var problems = Base.Arg(version).Env("VERSION", "2").Env("VERSION", version).Label("v", version).Validate();

        Assert.Equal(new[] { DiagnosticIds.ArgumentHiddenByEnv, DiagnosticIds.ArgumentHiddenByEnv }, problems.Select(p => p.Id));
    }

    [Fact]
    public void Environment_variable_renders_as_a_reference_where_docker_expands_the_environment()
    {
        var stage = Base.Env(("APP", "/opt/app"), ("PATH", Value.Env("APP") + "/bin:" + Value.Env("PATH")))
            .Label("home", Value.Env("HOME"))
            .Workdir(Value.Env("APP"))
            .Copy("a.txt", Value.Env("APP") + "/conf/");

        Assert.Empty(stage.Validate());
        Assert.Equal("FROM busybox\nENV APP=/opt/app PATH=${APP}/bin:${PATH}\nLABEL home=${HOME}\nWORKDIR ${APP}\nCOPY a.txt ${APP}/conf/\n", stage.ToString());
        // A literal "$" next to a reference stays literal.
        Assert.Equal("FROM busybox\nENV P=\"\\$${P}\"\n", Base.Env("P", "$" + Value.Env("P")).ToString());
        Assert.Equal(new[] { "APP", "PATH" }, (Value.Env("APP") + "/bin:" + Value.Env("PATH")).Variables);
        Assert.False(Value.Env("HOME").IsLiteral);
        Assert.Empty(Value.Env("HOME").Arguments);
    }

    [Theory]
    [InlineData("FROM")]
    [InlineData("source")]
    [InlineData("pattern")]
    [InlineData("exclude")]
    public void Environment_variable_where_docker_does_not_expand_it_or_ImageDsl_must_know_the_text_is_refused(string position)
    {
        var e = Assert.Throws<DockerfileException>(() => position switch
        {
            "FROM" => Dockerfile.From("busybox:" + Value.Env("TAG")),
            "source" => Base.Copy(Value.Env("APP") + "/app.jar", "/app.jar"),
            "pattern" => Base.Copy(Glob.Of(Value.Env("APP") + "/*.jar"), "/app/"),
            _ => Base.Copy("src", "/src/", exclude: [Glob.Of(Value.Env("TMP"))]),
        });

        Assert.Equal(DiagnosticIds.MisplacedEnvironmentVariable, e.Id);
        Assert.Equal(position == "FROM" ? "image" : position is "source" ? "source" : "pattern", e.ParamName);
    }

    [Fact]
    public void Environment_variable_of_a_name_the_stage_or_its_base_stage_declares_as_a_build_argument_is_refused()
    {
        var path = new BuildArg("PATH", "/opt");
        var problem = Assert.Single(Base.Arg(path).Env("P", Value.Env("PATH")).Validate());
        Assert.Equal(DiagnosticIds.MisplacedEnvironmentVariable, problem.Id);
        Assert.Contains("build argument PATH", problem.Message);

        var parent = Base.Arg(path).As("parent");
        Assert.Equal(DiagnosticIds.MisplacedEnvironmentVariable, Assert.Single(Dockerfile.From(parent).Label("p", Value.Env("PATH")).Validate()).Id);
        // Before the stage declares it, ${PATH} is the environment's: nothing to refuse.
        Assert.Empty(Base.Env("P", Value.Env("PATH")).Arg(path).Validate());
        Assert.Throws<DockerfileException>(() => Value.Env("NOT-A-NAME"));
    }

    /// <summary>
    /// USER with references: expanded like ENV and WORKDIR, so checked like them — an undeclared build argument, a
    /// variable the stage also declares as an argument — while a literal user (string or Owner) keeps Owner's checks.
    /// </summary>
    [Fact]
    public void A_user_with_references_is_checked_like_every_expanded_value()
    {
        var uid = new BuildArg("APP_UID", "1000");
        Assert.Equal("USER ${APP_UID}", Base.User(Value.Env("APP_UID")).ToString().TrimEnd().Split('\n')[^1]);
        Assert.Equal("USER ${APP_UID}:${APP_UID}", Base.Arg(uid).User(uid + ":" + uid).ToString().TrimEnd().Split('\n')[^1]);
        Assert.Empty(Base.Arg(uid).User(uid).Validate());
        Assert.Equal(DiagnosticIds.UndeclaredBuildArgument, Assert.Single(Base.User(uid).Validate()).Id);
        Assert.Equal(DiagnosticIds.MisplacedEnvironmentVariable, Assert.Single(Base.Arg(uid).User(Value.Env("APP_UID")).Validate()).Id);
        // A literal value is a user as a string is: '$' stays a dollar sign, and user[:group] is checked.
        Assert.Equal(Base.User("$HOME"), Base.User((Value)"$HOME"));
        Assert.Contains("\\$HOME", Base.User((Value)"$HOME").ToString(), StringComparison.Ordinal);
        Assert.Equal(Base.User("app:staff"), Base.User((Value)"app:staff"));
        Assert.Throws<DockerfileException>(() => Base.User((Value)"a:b:c"));
        Assert.Throws<DockerfileException>(() => Base.User(Value.Env("A") + "\n"));
    }

    [Fact]
    public void An_env_set_from_another_variable_hides_a_build_argument_of_its_name()
    {
        var version = new BuildArg("VERSION", "1");
        var problems = Base.Arg(version).Env("VERSION", Value.Env("OTHER")).Label("v", version).Validate();
        Assert.Equal(DiagnosticIds.ArgumentHiddenByEnv, Assert.Single(problems).Id);
    }

    [Fact]
    public void Two_different_stages_with_one_name_are_an_error()
    {
        var one = Dockerfile.From("busybox").As("build").Run("a");
        var two = Dockerfile.From("busybox").As("build").Run("b");
        var problems = Base.Copy("/x", "/x", from: one).Copy("/y", "/y", from: two).Validate();

        Assert.Equal(DiagnosticIds.DuplicateStageName, Assert.Single(problems).Id);
        Assert.Equal(ProblemSubject.StageName, problems[0].SubjectKind);
    }

    [Fact]
    public void Referencing_an_unnamed_stage_is_an_error()
    {
        var unnamed = Dockerfile.From("busybox").Run("make");
        Assert.Equal(DiagnosticIds.UnnamedStageReference, Assert.Single(Base.Copy("/a", "/a", from: unnamed).Validate()).Id);
        Assert.Equal(DiagnosticIds.UnnamedStageReference, Assert.Single(Dockerfile.From(unnamed).Validate()).Id);
    }

    [Fact]
    public void Repeated_cmd_is_a_warning_that_does_not_stop_rendering()
    {
        var twice = Base.Cmd("a").Cmd("b");
        var problem = Assert.Single(twice.Validate());

        Assert.Equal(DiagnosticIds.RepeatedSingletonInstruction, problem.Id);
        Assert.False(problem.IsError);
        Assert.EndsWith("CMD [\"a\"]\nCMD [\"b\"]\n", twice.ToString());
    }

    [Fact]
    public void Conflicting_defaults_for_one_argument_name_are_an_error()
    {
        var problems = Base.Arg(new BuildArg("V", "1")).Arg(new BuildArg("V", "2")).Validate();
        Assert.Equal(DiagnosticIds.ConflictingBuildArgument, Assert.Single(problems).Id);
    }

    [Fact]
    public void A_default_built_from_other_arguments_is_written_where_docker_expands_it()
    {
        var repository = new BuildArg("REPOSITORY", "busybox");
        var tag = new BuildArg("TAG", "1.36");
        var image = new BuildArg("IMAGE", repository + ":" + tag);
        var version = new BuildArg("VERSION", "1.2");
        var channel = new BuildArg("CHANNEL", "v" + version + " $table");
        var definition = Dockerfile.From(image).Arg(version).Arg(channel).Arg(image).Env("OUT", channel + image);

        Assert.Empty(definition.Validate());
        // The global arguments the FROM line needs come first, each before those whose default refers to it; in the
        // stage, the global IMAGE keeps its global value (no default), CHANNEL expands VERSION declared above it.
        Assert.Equal(
            "ARG REPOSITORY=busybox\nARG TAG=1.36\nARG IMAGE=${REPOSITORY}:${TAG}\n\nFROM ${IMAGE}\nARG VERSION=1.2\nARG CHANNEL=\"v${VERSION} \\$table\"\nARG IMAGE\nENV OUT=${CHANNEL}${IMAGE}\n",
            definition.ToString());
        Assert.Equal("v1.2 $table", Syntax.WithDefaults(channel));
        Assert.Equal("busybox:1.36", Syntax.WithDefaults(image));
        Assert.Equal(new[] { "REPOSITORY", "TAG" }, image.Dependencies.Select(a => a.Name));
        Assert.Null(Syntax.WithDefaults(new BuildArg("B", "x" + new BuildArg("A"))));
    }

    [Fact]
    public void A_default_refers_to_arguments_the_stage_declared_before_it_with_one_default_each()
    {
        var version = new BuildArg("VERSION", "1");
        var channel = new BuildArg("CHANNEL", "v" + version);

        // Docker expands ${VERSION} where CHANNEL is declared: the stage must have declared VERSION by then.
        var undeclared = Assert.Single(Base.Arg(channel).Validate());
        Assert.Equal(DiagnosticIds.UndeclaredBuildArgument, undeclared.Id);
        Assert.Contains("'VERSION'", undeclared.Message);
        Assert.Equal(DiagnosticIds.UndeclaredBuildArgument, Assert.Single(Base.Arg(channel).Arg(version).Validate()).Id);

        // Another VERSION declared in the stage would change what CHANNEL's default means.
        var conflict = Assert.Single(Base.Arg(new BuildArg("VERSION", "2")).Arg(channel).Validate());
        Assert.Equal(DiagnosticIds.ConflictingBuildArgument, conflict.Id);
        Assert.Contains("'2' and '1'", conflict.Message);

        // An ENV of the same name would be expanded instead of the argument.
        Assert.Equal(DiagnosticIds.ArgumentHiddenByEnv, Assert.Single(Base.Arg(version).Env("VERSION", "env").Arg(channel).Validate()).Id);

        // A global argument (used in FROM) redeclared in a stage takes the global value: nothing is expanded there.
        var image = new BuildArg("IMAGE", "busybox:" + version);
        Assert.Empty(Dockerfile.From(image).Arg(image).Validate());
        Assert.Equal(DiagnosticIds.ConflictingBuildArgument, Assert.Single(Dockerfile.From(image).Arg(new BuildArg("VERSION", "2")).Validate()).Id);
    }

    [Fact]
    public void A_default_cannot_refer_to_an_environment_variable_or_to_its_own_name()
    {
        var env = Assert.Throws<DockerfileException>(() => new BuildArg("A", "x" + Value.Env("HOME")));
        Assert.Equal(DiagnosticIds.InvalidArgument, env.Id);
        Assert.Equal("defaultValue", env.ParamName);
        Assert.Contains("Value.Env", env.Message);

        var self = Assert.Throws<DockerfileException>(() => new BuildArg("A", "x" + new BuildArg("A", "1")));
        Assert.Equal(DiagnosticIds.InvalidArgument, self.Id);
        Assert.Contains("same name", self.Message);

        Assert.Equal(DiagnosticIds.InvalidArgument, Assert.Throws<DockerfileException>(() => new BuildArg("A", (Value)null!)).Id);
        Assert.Equal("defaultValue", Assert.Throws<DockerfileException>(() => new BuildArg("A", "a\n" + new BuildArg("B"))).ParamName);
        // A literal default stays literal text: a dollar sign is a dollar sign.
        Assert.Equal("FROM busybox\nARG A=\"\\$B\"\n", Base.Arg(new BuildArg("A", "$B")).ToString());
    }

    [Fact]
    public void Directives_on_a_non_final_stage_are_an_error()
    {
        var build = Dockerfile.From("busybox").As("build").WithEscape('`');
        Assert.Equal(DiagnosticIds.MisplacedDirective, Assert.Single(Base.Copy("/a", "/a", from: build).Validate()).Id);
    }

    [Fact]
    public void Healthcheck_shell_command_that_needs_the_exec_form_is_refused()
    {
        var problems = Base.Healthcheck("check \\").Validate();
        Assert.Equal(DiagnosticIds.InexpressibleValue, Assert.Single(problems).Id);
    }

    [Fact]
    public void Equal_definitions_are_equal_values()
    {
        Dockerfile Make() => Dockerfile.From("busybox").As("a").Run("x", mounts: [Mount.Cache("/c")]).Env("K", "v").Expose(80);
        Assert.Equal(Make(), Make());
        Assert.Equal(Make().GetHashCode(), Make().GetHashCode());
        Assert.NotEqual(Make(), Make().Env("K", "w"));
    }
}
