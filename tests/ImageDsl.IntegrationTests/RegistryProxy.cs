using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ImageDsl.IntegrationTests;

/// <summary>
/// A TCP proxy on 127.0.0.1 in front of a local registry that sees what the daemon sends it. It cuts the connection
/// when it sees a manifest upload (PUT …/manifests/…), the last request of a push — the one that makes a tag visible —
/// for the first <c>drops</c> such uploads, so tests can observe retries and partial failures; and it counts the
/// requests that carry an Authorization header, so tests can see where credentials went.
/// </summary>
public sealed class RegistryProxy : IAsyncDisposable
{
    private static readonly byte[] ManifestPut = Encoding.ASCII.GetBytes("/manifests/");
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private int _dropsLeft;

    public RegistryProxy(string registry, int drops = 0)
    {
        var parts = registry.Split(':');
        _target = new IPEndPoint(IPAddress.Parse(parts[0]), int.Parse(parts[1]));
        _dropsLeft = drops;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public string Address => "127.0.0.1:" + ((IPEndPoint)_listener.LocalEndpoint).Port;

    public int Dropped { get; private set; }

    /// <summary>Requests that carried credentials (an Authorization header) to the registry.</summary>
    public int Authorized => _authorized;

    private int _authorized;

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            _ = Task.Run(() => RelayAsync(client));
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using var _ = client;
        using var server = new TcpClient();
        try
        {
            await server.ConnectAsync(_target, _stop.Token);
            var fromClient = Pump(client.GetStream(), server.GetStream(), inspect: true, client, server);
            var fromServer = Pump(server.GetStream(), client.GetStream(), inspect: false, client, server);
            await Task.WhenAny(fromClient, fromServer);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    private async Task Pump(NetworkStream from, NetworkStream to, bool inspect, TcpClient client, TcpClient server)
    {
        var buffer = new byte[65536];
        int read;
        while ((read = await from.ReadAsync(buffer, _stop.Token)) > 0)
        {
            if (inspect && Encoding.ASCII.GetString(buffer, 0, read).ToLowerInvariant().Contains("\r\nauthorization:"))
            {
                Interlocked.Increment(ref _authorized);
            }

            if (inspect && buffer.AsSpan(0, read).StartsWith("PUT "u8) && buffer.AsSpan(0, read).IndexOf(ManifestPut) > 0 && Interlocked.Decrement(ref _dropsLeft) >= 0)
            {
                Dropped++;
                client.Client.LingerState = new LingerOption(true, 0); // reset, not a clean close
                client.Close();
                server.Close();
                return;
            }

            await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        await _accepting;
    }
}
