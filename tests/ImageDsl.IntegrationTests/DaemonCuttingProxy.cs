using System.Net.Sockets;
using System.Text;

namespace ImageDsl.IntegrationTests;

/// <summary>
/// A unix socket in front of the daemon's that relays every connection, except that it closes the one whose request
/// starts with <c>POST …/{endpoint}</c> (<c>session</c>: the BuildKit session; <c>build</c>: the build and its progress
/// stream) after <c>after</c>: to ImageDsl, the daemon has dropped that connection in the middle of the build, as a
/// daemon that is killed or restarted does. The real daemon sees its client go and cancels the build.
/// </summary>
public sealed class DaemonCuttingProxy : LoopbackServer
{
    private readonly string _endpoint;
    private readonly TimeSpan _after;
    private int _cut;

    public DaemonCuttingProxy(string endpoint, TimeSpan after) : this(endpoint, after, System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"imagedsl-proxy-{Guid.NewGuid():N}.sock"))
    {
    }

    private DaemonCuttingProxy(string endpoint, TimeSpan after, string path) : base(new UnixDomainSocketEndPoint(path))
    {
        _endpoint = endpoint;
        _after = after;
        Path = path;
        Start();
    }

    public string Path { get; }

    /// <summary>The connections cut so far.</summary>
    public int Cut => Volatile.Read(ref _cut);

    protected override async Task ServeAsync(Socket client)
    {
        using var daemon = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await daemon.ConnectAsync(new UnixDomainSocketEndPoint("/var/run/docker.sock"), Stopping);
        await using var clientStream = new NetworkStream(client, ownsSocket: false);
        await using var daemonStream = new NetworkStream(daemon, ownsSocket: false);
        var first = new byte[64 * 1024];
        var read = await clientStream.ReadAsync(first, Stopping);
        await daemonStream.WriteAsync(first.AsMemory(0, read), Stopping);
        using var cut = CancellationTokenSource.CreateLinkedTokenSource(Stopping);
        var line = Encoding.ASCII.GetString(first, 0, Math.Min(read, 200)).Split('\r')[0];
        if (line.StartsWith("POST ", StringComparison.Ordinal) && (line.Contains($"/{_endpoint}?", StringComparison.Ordinal) || line.Contains($"/{_endpoint} ", StringComparison.Ordinal)))
        {
            cut.CancelAfter(_after);
            cut.Token.Register(() => Interlocked.Increment(ref _cut));
        }

        await Task.WhenAny(clientStream.CopyToAsync(daemonStream, cut.Token), daemonStream.CopyToAsync(clientStream, cut.Token));
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        File.Delete(Path);
    }
}
