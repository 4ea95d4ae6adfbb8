using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ImageDsl.Build.Diagnostics;
using ImageDsl.Build.Tasks;

namespace ImageDsl.Build.Session;

/// <summary>
/// A BuildKit session for one build: the helper process (ImageDsl.Session, beside this assembly in session/) opens the
/// daemon's /session endpoint and serves the build's files, secrets, SSH agents and registry credentials until the
/// build is over. Started only for a build that is sent to the daemon, so a no-op build never pays for it.
/// </summary>
public sealed class BuildKitSession : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Task<string> _errors;
    private readonly Task<string> _rest;

    private BuildKitSession(Process process, string id, Task<string> errors, Task<string> rest)
    {
        _process = process;
        Id = id;
        _errors = errors;
        _rest = rest;
    }

    /// <summary>The session id the build request names.</summary>
    public string Id { get; }

    /// <summary>Files and bytes of the context the session sent (known once it ended).</summary>
    public (long Files, long Bytes) Sent { get; private set; }

    /// <summary>The helper's peak working set, in bytes (known once it ended; for the benchmarks).</summary>
    public long PeakMemory { get; private set; }

    private int? _exitCode;

    /// <summary>True when the daemon closed the session before the build ended (the helper's exit code 3).</summary>
    public bool ClosedByDaemon => (_exitCode ?? (_process.HasExited ? _process.ExitCode : (int?)null)) == 3;

    /// <summary>A new session id and the shared key under which the daemon keeps what it synced from this context before.</summary>
    public static (string Id, string SharedKey) NewIdentity(string contextDirectory)
    {
        var key = SHA256.HashData(Encoding.UTF8.GetBytes("imagedsl\0" + Environment.MachineName + "\0" + Path.GetFullPath(contextDirectory)));
        return (Guid.NewGuid().ToString("N"), Convert.ToHexString(key).ToLowerInvariant());
    }

    /// <summary>Starts the helper and returns once the daemon accepted the session.</summary>
    public static async Task<BuildKitSession> StartAsync(SessionConfiguration configuration, CancellationToken cancellationToken)
    {
        var helper = Path.Combine(TaskFiles.Directory, "session", "ImageDsl.Session.dll");
        if (!File.Exists(helper)) throw new ImageDslException(ErrorCodes.SessionFailed, "the session helper is missing: " + helper);
        var start = new ProcessStartInfo(DotnetHost(), $"\"{helper}\"")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        var process = Process.Start(start) ?? throw new ImageDslException(ErrorCodes.SessionFailed, "the session helper did not start");
        var errors = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            await process.StandardInput.WriteLineAsync(JsonSerializer.Serialize(configuration)).ConfigureAwait(false);
            await process.StandardInput.FlushAsync(cancellationToken).ConfigureAwait(false);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(TimeSpan.FromSeconds(60));
            var ready = await process.StandardOutput.ReadLineAsync(deadline.Token).ConfigureAwait(false);
            if (ready != "ready")
            {
                await process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ConfigureAwait(false);
                throw new ImageDslException(ErrorCodes.SessionFailed, FirstLine(await errors.ConfigureAwait(false)) ?? "the session helper ended without a word");
            }

            return new BuildKitSession(process, configuration.SessionId, errors, process.StandardOutput.ReadToEndAsync(CancellationToken.None));
        }
        catch
        {
            Kill(process);
            process.Dispose();
            throw;
        }
    }

    /// <summary>Ends the session: closing the helper's standard input tells it the build is over.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_process.HasExited) _exitCode = _process.ExitCode; // ended on its own: the daemon closed the session
            _process.StandardInput.Close();
            await _process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            var sent = (await _rest.ConfigureAwait(false)).Split('\n').FirstOrDefault(l => l.StartsWith("sent ", StringComparison.Ordinal))?.Split(' ');
            if (sent is { Length: 4 })
            {
                Sent = (long.Parse(sent[1]), long.Parse(sent[2]));
                PeakMemory = long.Parse(sent[3]);
            }
        }
        catch (Exception e) when (e is TimeoutException or IOException or InvalidOperationException or FormatException)
        {
        }
        finally
        {
            Kill(_process);
            _exitCode ??= 0;
            _process.Dispose();
        }
    }

    /// <summary>What the helper said went wrong, if it ended on its own.</summary>
    public async Task<string?> ErrorAsync() => _process.HasExited ? FirstLine(await _errors.ConfigureAwait(false)) : null;

    // Inside MSBuild the SDK says which dotnet runs it; elsewhere (tests, tools) the running host, else the PATH.
    private static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)) return host;
        var current = Environment.ProcessPath;
        return current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet" ? current : "dotnet";
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
    }

    private static string? FirstLine(string text) => text.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0);
}
