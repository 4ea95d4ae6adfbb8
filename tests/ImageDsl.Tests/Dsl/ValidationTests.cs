using System;
using System.Linq;
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
        { DiagnosticIds.InexpressibleValue, () => Base.Copy("a", "/b", exclude: ["grüße"]) },
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
    };

    [Theory]
    [MemberData(nameof(ArgumentErrors))]
    public void Invalid_arguments_throw_with_their_diagnostic_id(string id, Func<Dockerfile> define)
    {
        var error = Assert.Throws<DockerfileException>(() => define());
        Assert.Equal(id, error.Id);
        Assert.StartsWith(id + ": ", error.Message);
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
