using System.Net.Sockets;
using System.Text;

namespace ImageDsl.IntegrationTests.Session;

/// <summary>
/// A unix socket in front of the daemon's that relays every connection, except that it closes the BuildKit session's
/// connection (the one that opens with POST …/session) after <c>after</c>: to the session helper, the daemon has dropped
/// the session in the middle of the build.
/// </summary>
public sealed class SessionCuttingProxy : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private readonly CancellationTokenSource _stop = new();
    private readonly TimeSpan _after;
    private readonly Task _accepting;

    public SessionCuttingProxy(TimeSpan after)
    {
        _after = after;
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"imagedsl-proxy-{Guid.NewGuid():N}.sock");
        _listener.Bind(new UnixDomainSocketEndPoint(Path));
        _listener.Listen(16);
        _accepting = AcceptAsync();
    }

    public string Path { get; }

    public int SessionsCut { get; private set; }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(() => RelayAsync(client));
        }
    }

    private async Task RelayAsync(Socket client)
    {
        using var _ = client;
        using var daemon = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await daemon.ConnectAsync(new UnixDomainSocketEndPoint("/var/run/docker.sock"), _stop.Token);
            await using var clientStream = new NetworkStream(client, ownsSocket: false);
            await using var daemonStream = new NetworkStream(daemon, ownsSocket: false);
            var first = new byte[64 * 1024];
            var read = await clientStream.ReadAsync(first, _stop.Token);
            await daemonStream.WriteAsync(first.AsMemory(0, read), _stop.Token);
            using var cut = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            if (Encoding.ASCII.GetString(first, 0, Math.Min(read, 40)).Contains("/session ", StringComparison.Ordinal))
            {
                cut.CancelAfter(_after);
                cut.Token.Register(() => SessionsCut++);
            }

            await Task.WhenAny(clientStream.CopyToAsync(daemonStream, cut.Token), daemonStream.CopyToAsync(clientStream, cut.Token));
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Dispose();
        await _accepting;
        File.Delete(Path);
    }
}
