using System.Diagnostics;
using Xunit;

namespace ImageDsl.IntegrationTests.Session;

/// <summary>
/// SSH agents forwarded into RUN steps through the BuildKit session, as <c>docker build --ssh</c> does: the user's agent
/// (SSH_AUTH_SOCK), or key files loaded into an agent started for the build. The image runs the host's ssh-add against
/// the forwarded socket and must list exactly the test key.
/// </summary>
[Collection(nameof(MSBuildTests))]
public sealed class SshTests : IClassFixture<SshTests.Agent>
{
    private readonly Agent _agent;

    public SshTests(Agent agent) => _agent = agent;

    private string Definition(string imageName) => $$"""
        [Image("{{imageName}}", ExpectOutput = "{{_agent.Fingerprint}}")]
        public static partial class App
        {
            static readonly BuildArg BaseImage = new("BASE_IMAGE", "debian:bookworm");
            static Dockerfile Define() => Dockerfile.From(BaseImage)
                .Copy("ssh-add", "/usr/local/bin/ssh-add")
                .Run("echo {{Guid.NewGuid():N}} && ssh-add -l > /keys", mounts: [Mount.Ssh(required: true)])
                .Cmd("cat", "/keys");
        }
        """;

    private static string BuildArgs => $"-p:ImageDslBuildArgs=BASE_IMAGE={TestEngine.Get("IMAGEDSL_DOTNET_SDK_IMAGE")} -p:ImageDslBuildOnBuild=true -p:ImageDslBuilder=buildkit";

    private static Dictionary<string, string> Files => new() { ["ssh-add"] = "" };

    [Fact]
    public void The_users_agent_is_forwarded()
    {
        using var project = Project("tests/ssh-agent", "<ItemGroup><ImageDslSsh Include=\"default\" /></ItemGroup>");

        var result = project.Build(BuildArgs, new Dictionary<string, string?> { ["SSH_AUTH_SOCK"] = _agent.Socket });

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("| " + _agent.Fingerprint, result.Output);
    }

    [Fact]
    public void Key_files_are_loaded_into_an_agent_of_the_builds_own_that_is_gone_afterwards()
    {
        using var project = Project("tests/ssh-keys", $"<ItemGroup><ImageDslSsh Include=\"default\" Keys=\"{_agent.KeyFile}\" /></ItemGroup>");

        var result = project.Build(BuildArgs, new Dictionary<string, string?> { ["SSH_AUTH_SOCK"] = null });

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("| " + _agent.Fingerprint, result.Output);
        Assert.DoesNotContain(Processes("ssh-agent"), p => p.Contains("imagedsl-ssh-", StringComparison.Ordinal));
    }

    [Fact]
    public void A_required_agent_that_is_not_forwarded_is_a_coded_error_before_the_build()
    {
        using var project = Project("tests/ssh-missing", "");

        var result = project.Build(BuildArgs);

        Assert.NotEqual(0, result.ExitCode);
        var error = Assert.Single(result.Errors);
        Assert.Contains("IMAGEDSL2014", error);
        Assert.Contains("'default'", error);
    }

    private MSBuildProject Project(string imageName, string projectXml)
    {
        var project = new MSBuildProject(Definition(imageName), Files, projectXml: projectXml);
        File.Copy("/usr/bin/ssh-add", Path.Combine(project.Directory.FullName, "ssh-add"), overwrite: true);
        return project;
    }

    /// <summary>The command lines of the running processes named <paramref name="name"/>.</summary>
    private static IEnumerable<string> Processes(string name) =>
        Directory.EnumerateDirectories("/proc").Select(d => Path.Combine(d, "cmdline")).Where(File.Exists)
            .Select(f => { try { return File.ReadAllText(f).Replace('\0', ' '); } catch (IOException) { return ""; } })
            .Where(c => c.StartsWith(name, StringComparison.Ordinal) || c.Contains("/" + name + " ", StringComparison.Ordinal));

    /// <summary>A key pair and a running ssh-agent holding it, for the whole class.</summary>
    public sealed class Agent : IDisposable
    {
        private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("imagedsl-sshtest-");
        private readonly Process _agent;

        public Agent()
        {
            KeyFile = Path.Combine(_directory.FullName, "id_ed25519");
            Socket = Path.Combine(_directory.FullName, "agent.sock");
            Run("ssh-keygen", $"-q -t ed25519 -N \"\" -C imagedsl-test-key -f \"{KeyFile}\"");
            _agent = Process.Start(new ProcessStartInfo("ssh-agent", $"-D -a \"{Socket}\"") { RedirectStandardOutput = true, RedirectStandardError = true })!;
            for (var i = 0; i < 100 && !File.Exists(Socket); i++) Thread.Sleep(20);
            Run("ssh-add", $"-q \"{KeyFile}\"");
            Fingerprint = Run("ssh-add", "-l").Trim();
            Assert.Contains("imagedsl-test-key", Fingerprint);
        }

        public string KeyFile { get; }

        public string Socket { get; }

        public string Fingerprint { get; }

        private string Run(string program, string arguments)
        {
            var start = new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
            start.Environment["SSH_AUTH_SOCK"] = Socket;
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, program + ": " + process.StandardError.ReadToEnd());
            return output;
        }

        public void Dispose()
        {
            _agent.Kill();
            _agent.Dispose();
            _directory.Delete(true);
        }
    }
}
