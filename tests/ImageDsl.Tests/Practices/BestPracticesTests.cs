using System;
using System.Collections.Generic;
using System.Linq;
using ImageDsl.Practices;
using Xunit;

namespace ImageDsl.Tests.Practices;

/// <summary>Each rule over the model: a definition it must flag, and the corrected one it must leave alone.</summary>
public class BestPracticesTests
{
    private static readonly Dockerfile Debian = Dockerfile.From("debian:12");
    private static readonly Dockerfile Sdk = Dockerfile.From("mcr.microsoft.com/dotnet/sdk:10.0").As("build").Workdir("/src");
    private static readonly Mount NuGetCache = Mount.Cache("/root/.nuget/packages");

    public static TheoryData<string, string> Cases() => new()
    {
        // rule, case: the bad and the good definition are in Case below
        { DiagnosticIds.UnpinnedBaseImage, "no tag" },
        { DiagnosticIds.UnpinnedBaseImage, "latest" },
        { DiagnosticIds.UnpinnedBaseImage, "build argument default" },
        { DiagnosticIds.RunsAsRoot, "no user" },
        { DiagnosticIds.RunsAsRoot, "user root last" },
        { DiagnosticIds.RunsAsRoot, "user from the environment" },
        { DiagnosticIds.AptRecommends, "apt-get" },
        { DiagnosticIds.AptRecommends, "apt with options" },
        { DiagnosticIds.AptListsKept, "update and install" },
        { DiagnosticIds.ApkCache, "apk add" },
        { DiagnosticIds.PackageUpgrade, "upgrade" },
        { DiagnosticIds.PackageUpgrade, "dist-upgrade" },
        { DiagnosticIds.CdInRun, "cd" },
        { DiagnosticIds.AddInsteadOfCopy, "local file" },
        { DiagnosticIds.AddUrlWithoutChecksum, "url" },
        { DiagnosticIds.PipeWithoutPipefail, "curl pipe sh" },
        { DiagnosticIds.SudoInRun, "sudo" },
        { DiagnosticIds.SecretInEnvironment, "env name" },
        { DiagnosticIds.SecretInEnvironment, "arg name" },
        { DiagnosticIds.SecretInEnvironment, "connection string value" },
        { DiagnosticIds.RestoreAfterCopyAll, "copy all then publish" },
        { DiagnosticIds.RestoreWithoutCache, "restore" },
        { DiagnosticIds.PublishNotRelease, "no configuration" },
        { DiagnosticIds.PublishNotRelease, "debug" },
        { DiagnosticIds.SdkFinalImage, "sdk final" },
        { DiagnosticIds.PortNotExposed, "http ports" },
        { DiagnosticIds.PortNotExposed, "urls" },
        { DiagnosticIds.MisspeltStageReference, "copy from" },
        { DiagnosticIds.MisspeltStageReference, "from" },
    };

    private static (Dockerfile Bad, Dockerfile Good) Case(string id, string name) => (id, name) switch
    {
        (DiagnosticIds.UnpinnedBaseImage, "no tag") => (Dockerfile.From("debian").User("1000"), Dockerfile.From("debian:12").User("1000")),
        (DiagnosticIds.UnpinnedBaseImage, "latest") => (Dockerfile.From("registry.local:5000/team/base:latest").User("1000"),
            Dockerfile.From("registry.local:5000/team/base@sha256:" + new string('a', 64)).User("1000")),
        (DiagnosticIds.UnpinnedBaseImage, "build argument default") => (Dockerfile.From(new BuildArg("BASE", "alpine")).User("1000"),
            Dockerfile.From(new BuildArg("BASE", "alpine:3.20")).User("1000")),
        (DiagnosticIds.RunsAsRoot, "no user") => (Debian.Cmd("app"), Debian.User("app").Cmd("app")),
        // USER ${APP_UID}: the base image's to say (the .NET images' unprivileged user); root written as text still is root.
        (DiagnosticIds.RunsAsRoot, "user from the environment") => (Debian.User(Value.Env("APP_UID")).User("0:0").Cmd("app"), Debian.User("0:0").User(Value.Env("APP_UID")).Cmd("app")),
        (DiagnosticIds.RunsAsRoot, "user root last") => (Debian.User("app").Run("true").User("root").Cmd("app"), Debian.User("root").Run("true").User("app").Cmd("app")),
        (DiagnosticIds.AptRecommends, "apt-get") => (Root("apt-get install -y curl && rm -rf /var/lib/apt/lists/*"),
            Root("apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*")),
        (DiagnosticIds.AptRecommends, "apt with options") => (Root("DEBIAN_FRONTEND=noninteractive apt -o Dpkg::Options::=--force-confold install -y curl; rm -rf /var/lib/apt/lists/*"),
            Root("apt-get -o APT::Install-Recommends=false install -y curl; rm -rf /var/lib/apt/lists/*")),
        (DiagnosticIds.AptListsKept, "update and install") => (Root("apt-get update && apt-get install -y --no-install-recommends curl"),
            Debian.Run("apt-get update && apt-get install -y --no-install-recommends curl", mounts: [Mount.Cache("/var/lib/apt/lists")]).User("app")),
        (DiagnosticIds.ApkCache, "apk add") => (Root("apk add curl"), Root("apk add --no-cache curl")),
        (DiagnosticIds.PackageUpgrade, "upgrade") => (Root("apt-get -y upgrade"), Root("apt-get -y install --no-install-recommends curl && rm -rf /var/lib/apt/lists/*")),
        (DiagnosticIds.PackageUpgrade, "dist-upgrade") => (Root("apt dist-upgrade"), Root("echo dist-upgrade")),
        (DiagnosticIds.CdInRun, "cd") => (Root("cd /src && make"), Debian.Workdir("/src").Run("make").User("app")),
        (DiagnosticIds.AddInsteadOfCopy, "local file") => (Debian.Add("appsettings.json", "/app/").User("app"), Debian.Add("site.tar.gz", "/srv/").User("app")),
        (DiagnosticIds.AddUrlWithoutChecksum, "url") => (Debian.Add(new Uri("https://example.com/tool.tar.gz"), "/opt/").User("app"),
            Debian.Add(new Uri("https://example.com/tool.tar.gz"), "/opt/", checksum: "sha256:" + new string('0', 64)).User("app")),
        (DiagnosticIds.PipeWithoutPipefail, "curl pipe sh") => (Root("curl -fsSL https://example.com/install.sh | sh"),
            Debian.Shell("/bin/bash", "-o", "pipefail", "-c").Run("curl -fsSL https://example.com/install.sh | bash").User("app")),
        (DiagnosticIds.SudoInRun, "sudo") => (Root("sudo make install"), Root("make install || echo 'sudo is not needed'")),
        (DiagnosticIds.SecretInEnvironment, "env name") => (Debian.Env("DB_PASSWORD", "hunter2").User("app"), Debian.Env("DB_PASSWORD_FILE", "/run/secrets/db").User("app")),
        (DiagnosticIds.SecretInEnvironment, "arg name") => (Debian.Arg(new BuildArg("NUGET_TOKEN")).User("app"), Debian.Arg(new BuildArg("NUGET_SOURCE")).User("app")),
        (DiagnosticIds.SecretInEnvironment, "connection string value") => (Debian.Env("DB", "Server=db;User Id=sa;Password=x").User("app"), Debian.Env("DB", "Server=db;Integrated Security=true").User("app")),
        (DiagnosticIds.RestoreAfterCopyAll, "copy all then publish") => (Runtime(Sdk.Copy(".", "/src/").Run("dotnet publish -c Release -o /app", mounts: [NuGetCache])),
            Runtime(Sdk.Copy("App.csproj", "/src/").Run("dotnet restore", mounts: [NuGetCache]).Copy(".", "/src/").Run("dotnet publish -c Release --no-restore -o /app"))),
        (DiagnosticIds.RestoreWithoutCache, "restore") => (Runtime(Sdk.Copy("App.csproj", "/src/").Run("dotnet restore").Copy(".", "/src/").Run("dotnet publish -c Release --no-restore -o /app")),
            Runtime(Sdk.Copy("App.csproj", "/src/").Run("dotnet restore", mounts: [NuGetCache]).Copy(".", "/src/").Run("dotnet publish -c Release --no-restore -o /app"))),
        (DiagnosticIds.PublishNotRelease, "no configuration") => (Runtime(Sdk.Run("dotnet publish -o /app", mounts: [NuGetCache])), Runtime(Sdk.Run("dotnet publish --configuration Release -o /app", mounts: [NuGetCache]))),
        (DiagnosticIds.PublishNotRelease, "debug") => (Runtime(Sdk.Run("dotnet publish -c Debug -o /app", mounts: [NuGetCache])), Runtime(Sdk.Run("dotnet publish -p:Configuration=Release -o /app", mounts: [NuGetCache]))),
        (DiagnosticIds.SdkFinalImage, "sdk final") => (Dockerfile.From(Sdk).User("app"), Runtime(Sdk)),
        (DiagnosticIds.PortNotExposed, "http ports") => (Aspnet.Env("ASPNETCORE_HTTP_PORTS", "5000;8081").Expose(5000), Aspnet.Env("ASPNETCORE_HTTP_PORTS", "5000;8081").Expose(5000, 8081)),
        (DiagnosticIds.PortNotExposed, "urls") => (Aspnet.Env("ASPNETCORE_URLS", "http://+:5000"), Aspnet.Env("ASPNETCORE_URLS", "http://+:5000").Expose(Port.Range(5000, 5001))),
        (DiagnosticIds.MisspeltStageReference, "copy from") => (Aspnet.Copy("/src/out", "/app/", from: "biuld").Copy("/x", "/x", from: Sdk.As("build")),
            Aspnet.Copy("/src/out", "/app/", from: "busybox:1.36").Copy("/x", "/x", from: Sdk.As("build"))),
        (DiagnosticIds.MisspeltStageReference, "from") => (Dockerfile.From("biuld").User("app").Copy("/x", "/x", from: Sdk.As("build")),
            Dockerfile.From("debian:12").User("app").Copy("/x", "/x", from: Sdk.As("build"))),
        _ => throw new ArgumentOutOfRangeException(name),
    };

    private static Dockerfile Aspnet => Dockerfile.From("mcr.microsoft.com/dotnet/aspnet:10.0").User("app");

    /// <summary>A Debian image that runs <paramref name="command"/> as root and then switches to a user.</summary>
    private static Dockerfile Root(string command) => Debian.Run(command).User("app");

    private static Dockerfile Runtime(Dockerfile build) => Aspnet.Copy("/app", "/app/", from: build).Cmd("dotnet", "App.dll");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Rule_fires_on_the_bad_definition_and_not_on_the_good_one(string id, string name)
    {
        var (bad, good) = Case(id, name);
        Assert.Contains(id, BestPractices.Check(bad).Select(f => f.Id));
        var goodFindings = BestPractices.Check(good).Select(f => f.Id).ToList();
        Assert.DoesNotContain(id, goodFindings);
    }

    [Fact]
    public void Every_rule_has_a_case()
    {
        var covered = Cases().Select(row => (string)row[0]).ToHashSet();
        var rules = typeof(DiagnosticIds).GetFields().Select(f => (string)f.GetRawConstantValue()!).Where(id => id.StartsWith("IDSL1", StringComparison.Ordinal));
        Assert.All(rules, rule => Assert.Contains(rule, covered));
    }

    [Theory]
    [InlineData("App.csproj")]
    [InlineData("src/App/App.csproj")]
    public void A_good_dotnet_image_has_no_findings(string project)
    {
        var publish = DotNet.InImagePublish("mcr.microsoft.com/dotnet/sdk:10.0", project);
        var image = Dockerfile.From("mcr.microsoft.com/dotnet/aspnet:10.0")
            .Workdir("/app")
            .Copy("/app", "/app/", from: publish)
            .Env("ASPNETCORE_HTTP_PORTS", "8080")
            .Expose(8080)
            .User("app")
            .Entrypoint("dotnet", "App.dll");
        Assert.Empty(BestPractices.Check(image));
    }

    [Theory]
    [InlineData("echo 'a | b' \"c && cd d\"", false, "echo")]
    [InlineData("a | b", true, "a,b")]
    [InlineData("a || b && c; d & e", false, "a,b,c,d,e")]
    [InlineData("X=1 Y=2 apt-get \\\n install # cd /x", false, "apt-get")]
    [InlineData("(cd /x) ; `cd y`", false, "cd,`cd")]
    public void Shell_scripts_are_cut_into_simple_commands(string script, bool pipe, string programs)
    {
        var parsed = ShellScript.Parse(script);
        Assert.Equal(pipe, parsed.HasPipe);
        Assert.Equal(programs, string.Join(",", parsed.Commands.Select(c => c[ShellScript.ProgramIndex(c)].Text)));
    }

    [Fact]
    public void Rules_read_every_pair_of_a_several_pair_env()
    {
        var image = Dockerfile.From("busybox:1.36")
            .Env(("MODE", "production"), ("DB_PASSWORD", "hunter2"), ("ASPNETCORE_HTTP_PORTS", "8080"))
            .User("app")
            .Cmd("app");
        var findings = BestPractices.Check(image);
        Assert.Equal(new[] { DiagnosticIds.SecretInEnvironment, DiagnosticIds.PortNotExposed }, findings.Select(f => f.Id).OrderBy(i => i));
        Assert.Contains("DB_PASSWORD", findings.Single(f => f.Id == DiagnosticIds.SecretInEnvironment).Message);
        Assert.Contains("ASPNETCORE_HTTP_PORTS", findings.Single(f => f.Id == DiagnosticIds.PortNotExposed).Message);
        Assert.DoesNotContain(BestPractices.Check(image.Expose(8080)), f => f.Id == DiagnosticIds.PortNotExposed);
    }

    [Theory]
    [InlineData("build", "build", 0)]
    [InlineData("build", "biuld", 1)] // two neighbours swapped: one edit
    [InlineData("build", "buil", 1)]
    [InlineData("build", "builds", 1)]
    [InlineData("build", "bxild", 1)]
    [InlineData("runtime", "rntmie", 2)]
    [InlineData("", "abc", 3)]
    [InlineData("abc", "", 3)]
    [InlineData("ca", "abc", 3)] // optimal string alignment: a swapped pair is not edited again
    [InlineData("publish", "final", 7)]
    public void Stage_name_distance_counts_inserts_deletes_substitutions_and_swaps(string a, string b, int expected)
    {
        Assert.Equal(expected, BestPractices.Distance(a, b));
        Assert.Equal(expected, BestPractices.Distance(b, a));
    }
}
