using System.Net;
using System.Net.Sockets;

namespace ImageDsl.IntegrationTests;

/// <summary>
/// A test server on 127.0.0.1 or a unix socket: accepts connections until disposed and hands each to
/// <see cref="ServeAsync"/> on its own task. The stand-ins built on it (proxies that cut or record, a TLS daemon, a
/// misbehaving registry) only say what they do with one connection.
/// </summary>
public abstract class LoopbackServer : IAsyncDisposable
{
    private readonly Socket _listener;
    private Task _accepting = Task.CompletedTask;

    /// <summary>A TCP server on 127.0.0.1 with a free port.</summary>
    protected LoopbackServer() : this(new IPEndPoint(IPAddress.Loopback, 0))
    {
    }

    protected LoopbackServer(EndPoint endpoint)
    {
        _listener = new Socket(endpoint.AddressFamily, SocketType.Stream, endpoint is UnixDomainSocketEndPoint ? ProtocolType.Unspecified : ProtocolType.Tcp);
        _listener.Bind(endpoint);
        _listener.Listen(64);
    }

    /// <summary>Cancelled when the server is disposed: connections in progress end with it.</summary>
    protected CancellationToken Stopping => _stop.Token;

    private readonly CancellationTokenSource _stop = new();

    /// <summary>The TCP port, for TCP servers.</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;

    /// <summary>Starts accepting; called by the derived constructor once its own fields are set.</summary>
    protected void Start() => _accepting = AcceptAsync();

    /// <summary>Serves one connection; the socket is disposed afterwards. Expected network failures are ignored.</summary>
    protected abstract Task ServeAsync(Socket client);

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

            _ = Task.Run(async () =>
            {
                using var _ = client;
                try
                {
                    await ServeAsync(client);
                }
                catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException or System.Security.Authentication.AuthenticationException)
                {
                }
            });
        }
    }

    public virtual async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Dispose();
        await _accepting;
    }
}
