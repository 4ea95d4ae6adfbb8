using ImageDsl.Build.Session;

namespace ImageDsl.Session;

/// <summary>
/// The headers of the /session upgrade, as BuildKit's session client sends them: who the session is, the key under
/// which the daemon keeps what it synced before (so that a rebuild transfers only what changed), and every gRPC method
/// this helper serves — the daemon calls nothing it was not told of.
/// </summary>
internal static class SessionHeaders
{
    public static readonly string[] Methods =
    {
        "/grpc.health.v1.Health/Check",
        "/moby.filesync.v1.FileSync/DiffCopy",
        "/moby.filesync.v1.Auth/Credentials",
        "/moby.buildkit.secrets.v1.Secrets/GetSecret",
        "/moby.sshforward.v1.SSH/CheckAgent",
        "/moby.sshforward.v1.SSH/ForwardAgent",
    };

    public static IEnumerable<KeyValuePair<string, string>> For(SessionConfiguration configuration)
    {
        yield return new("X-Docker-Expose-Session-Uuid", configuration.SessionId);
        yield return new("X-Docker-Expose-Session-Name", configuration.Name);
        yield return new("X-Docker-Expose-Session-Sharedkey", configuration.SharedKey);
        foreach (var method in Methods) yield return new("X-Docker-Expose-Session-Grpc-Method", method);
    }
}

/// <summary>What the session sent, for the task's log and the benchmarks: files whose content went, and every byte of every packet.</summary>
internal sealed class TransferStatistics
{
    private long _files;
    private long _bytes;

    public long Files => Interlocked.Read(ref _files);

    public long Bytes => Interlocked.Read(ref _bytes);

    public void AddFile() => Interlocked.Increment(ref _files);

    public void AddBytes(long bytes) => Interlocked.Add(ref _bytes, bytes);
}
