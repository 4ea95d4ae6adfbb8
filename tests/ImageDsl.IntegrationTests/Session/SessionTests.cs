using ImageDsl.Build.Context;
using ImageDsl.Build.Diagnostics;
using ImageDsl.Build.Docker;
using ImageDsl.Build.Session;
using Xunit;

namespace ImageDsl.IntegrationTests.Session;

/// <summary>The session's life and economy against the real daemon: what it sends, and how it ends when things go wrong.</summary>
// Alone, not in parallel with other tests: the cancellation test checks that this process has no session helper left,
// and other tests' builds start helpers of their own.
[Collection(nameof(MSBuildTests))]
public class SessionTests
{
    [Fact]
    public async Task Only_what_a_COPY_names_is_sent_and_a_rebuild_sends_only_the_changed_file()
    {
        var context = Directory.CreateTempSubdirectory("imagedsl-transfer-");
        try
        {
            for (var i = 0; i < 20; i++) Write(context, $"app/{i:00}.txt", new string((char)('a' + i), 1024));
            Write(context, "unrelated/big.bin", new string('x', 5 << 20));
            var marker = Guid.NewGuid().ToString("N");
            var dockerfile = Dockerfile.From(TestEngine.BaseImage).Copy("app", "/app").Run($"echo {marker} && cat /app/03.txt > /three").ToString();
            using var engine = await TestEngine.ConnectAsync();

            var first = await BuildAsync(engine, context, dockerfile);
            Assert.Equal(20, first.Files);
            Assert.InRange(first.Bytes, 20 * 1024, 24 * 1024); // the 20 KiB of app/ and the packets' own bytes, not the 5 MiB


            Write(context, "app/03.txt", new string('!', 1024));
            var second = await BuildAsync(engine, context, dockerfile);
            Assert.Equal(1, second.Files);
            Assert.InRange(second.Bytes, 1024, 4096); // the changed file and the listing the daemon compares
            var run = await engine.RunAsync("imagedsl-tests/transfer:1", TimeSpan.FromSeconds(30), "none", CancellationToken.None, new[] { "cat", "/three" });
            Assert.Equal(new string('!', 1024), run.Stdout);
        }
        finally
        {
            context.Delete(true);
        }
    }

    [Fact]
    public async Task A_daemon_that_drops_the_session_mid_build_is_one_coded_error()
    {
        await using var proxy = new DaemonCuttingProxy("session", TimeSpan.FromSeconds(2));
        var secretFile = Path.GetTempFileName();
        await File.WriteAllTextAsync(secretFile, "needed after the cut");
        var context = Directory.CreateTempSubdirectory("imagedsl-cut-");
        try
        {
            var marker = Guid.NewGuid().ToString("N");
            // The second step needs the session (its secret) after the first has outlived the session.
            var dockerfile = Dockerfile.From(TestEngine.BaseImage)
                .Run($"echo {marker} && sleep 4")
                .Run("cat /run/secrets/s", mounts: [Mount.Secret("s", required: true)]).ToString();
            using var engine = await TestEngine.ConnectAsync(new DockerEndpoint(new Uri("unix://" + proxy.Path), null, false, "tests"));
            var request = new BuildRequest("imagedsl-tests/cut:1", dockerfile, context.FullName, new[] { "imagedsl-tests/cut:1" }, new Dictionary<string, string>(), new Dictionary<string, string>(), NetworkMode: TestEngine.NetworkMode,
                Session: new SessionResources(new[] { new SecretSource("s", null, secretFile) }, Array.Empty<SshAgent>(), Array.Empty<HostCredential>()));

            var error = await Assert.ThrowsAsync<ImageDslException>(() =>
                engine.BuildAsync(request, ContextLayout.Plain(ContextPacker.List(context.FullName)), BuilderKind.BuildKit, new ListLog(), CancellationToken.None));

            Assert.Equal(ErrorCodes.SessionClosed, error.Code);
            Assert.Equal(1, proxy.Cut);
        }
        finally
        {
            context.Delete(true);
            File.Delete(secretFile);
        }
    }

    [Fact]
    public async Task Cancelling_a_build_ends_its_session()
    {
        var context = Directory.CreateTempSubdirectory("imagedsl-cancel-");
        try
        {
            var marker = Guid.NewGuid().ToString("N");
            var dockerfile = Dockerfile.From(TestEngine.BaseImage).Run($"echo {marker} && sleep 300").ToString();
            using var engine = await TestEngine.ConnectAsync();
            using var cancellation = new CancellationTokenSource();
            var log = new CancelOnOutput(marker, cancellation);
            var request = new BuildRequest("imagedsl-tests/cancel-session:1", dockerfile, context.FullName, new[] { "imagedsl-tests/cancel-session:1" },
                new Dictionary<string, string>(), new Dictionary<string, string>(), NoCache: true, NetworkMode: TestEngine.NetworkMode);

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
                engine.BuildAsync(request, ContextLayout.Plain(ContextPacker.List(context.FullName)), BuilderKind.BuildKit, log, cancellation.Token));

            Assert.DoesNotContain(ChildProcesses(), c => c.Contains("ImageDsl.Session.dll", StringComparison.Ordinal));
        }
        finally
        {
            context.Delete(true);
        }
    }

    private static async Task<(long Files, long Bytes)> BuildAsync(DockerEngine engine, DirectoryInfo context, string dockerfile)
    {
        var log = new ListLog();
        var request = new BuildRequest("imagedsl-tests/transfer:1", dockerfile, context.FullName, new[] { "imagedsl-tests/transfer:1" }, new Dictionary<string, string>(), new Dictionary<string, string>(),
            NetworkMode: TestEngine.NetworkMode);
        await engine.BuildAsync(request, ContextLayout.Plain(ContextPacker.List(context.FullName)), BuilderKind.BuildKit, log, CancellationToken.None);
        return log.SentTotal;
    }

    private static void Write(DirectoryInfo directory, string name, string content)
    {
        var path = Path.Combine(directory.FullName, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    /// <summary>The command lines of this process's children.</summary>
    private static IEnumerable<string> ChildProcesses()
    {
        var self = Environment.ProcessId.ToString();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            string stat, cmdline;
            try
            {
                stat = File.ReadAllText(Path.Combine(directory, "stat"));
                cmdline = File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' ');
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            var fields = stat.Substring(stat.LastIndexOf(')') + 2).Split(' ');
            if (fields.Length > 1 && fields[1] == self) yield return cmdline;
        }
    }

    private sealed class CancelOnOutput(string marker, CancellationTokenSource cancellation) : IBuildLog
    {
        public void Step(string text) { }

        public void Output(string line)
        {
            if (line.Contains(marker)) cancellation.Cancel();
        }
    }
}
