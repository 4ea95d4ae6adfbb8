using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ImageDsl.IntegrationTests;

/// <summary>
/// A TCP proxy on 127.0.0.1 in front of a local registry that sees what the daemon sends it. It cuts the connection
/// when it sees a manifest upload (PUT …/manifests/…), the last request of a push — the one that makes a tag visible —
/// for the first <c>drops</c> such uploads, so tests can observe retries and partial failures; and it counts the
/// requests that carry an Authorization header, so tests can see where credentials went. With <c>hangManifests</c>
/// it holds manifest uploads instead, never answering: a registry that hangs at the last step of a push. After
/// <see cref="HoldTogether"/> it holds each request for one of those blobs until a request for every one of them is
/// waiting — which only a client that sends them concurrently ever gets to — or 20 s have passed;
/// <see cref="WereHeldTogether"/> says which.
/// </summary>
public sealed class RegistryProxy : LoopbackServer
{
    private static readonly byte[] ManifestPut = Encoding.ASCII.GetBytes("/manifests/");
    private readonly IPEndPoint _target;
    private int _dropsLeft;
    private int _dropped;
    private int _authorized;
    private readonly bool _hangManifests;
    private IReadOnlyCollection<string> _holdTogether = Array.Empty<string>();
    private readonly TaskCompletionSource _heldTogether = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _waiting = new();

    public RegistryProxy(string registry, int drops = 0, bool hangManifests = false)
    {
        _hangManifests = hangManifests;
        var parts = registry.Split(':');
        _target = new IPEndPoint(IPAddress.Parse(parts[0]), int.Parse(parts[1]));
        _dropsLeft = drops;
        Start();
    }

    public string Address => "127.0.0.1:" + Port;

    public int Dropped => Volatile.Read(ref _dropped);

    /// <summary>From now on, holds each request for one of <paramref name="blobs"/> (digests) until one for each waits.</summary>
    public void HoldTogether(IReadOnlyCollection<string> blobs) => Volatile.Write(ref _holdTogether, blobs);

    /// <summary>Whether requests for every blob given to <see cref="HoldTogether"/> were ever waiting at the same time.</summary>
    public bool WereHeldTogether => _heldTogether.Task.IsCompleted;

    /// <summary>Requests that carried credentials (an Authorization header) to the registry.</summary>
    public int Authorized => Volatile.Read(ref _authorized);

    /// <summary>The request lines seen ("HEAD /v2/…/manifests/latest"), in order.</summary>
    public IReadOnlyList<string> Requests
    {
        get
        {
            lock (_requests) return _requests.ToList();
        }
    }

    private readonly List<string> _requests = new();

    protected override async Task ServeAsync(Socket client)
    {
        using var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await server.ConnectAsync(_target, Stopping);
        await using var clientStream = new NetworkStream(client, ownsSocket: false);
        await using var serverStream = new NetworkStream(server, ownsSocket: false);
        await Task.WhenAny(PumpRequests(clientStream, serverStream, client, server), serverStream.CopyToAsync(clientStream, Stopping));
    }

    private async Task PumpRequests(NetworkStream from, NetworkStream to, Socket client, Socket server)
    {
        var buffer = new byte[65536];
        int read;
        while ((read = await from.ReadAsync(buffer, Stopping)) > 0)
        {
            var text = Encoding.ASCII.GetString(buffer, 0, Math.Min(read, 512));
            var line = System.Text.RegularExpressions.Regex.Match(text, "^(GET|HEAD|PUT|POST|PATCH|DELETE) (/v2/[^ ]*) HTTP/");
            if (line.Success)
            {
                lock (_requests) _requests.Add(line.Groups[1].Value + " " + line.Groups[2].Value);
            }

            if (Encoding.ASCII.GetString(buffer, 0, read).Contains("\r\nauthorization:", StringComparison.OrdinalIgnoreCase))
            {
                Interlocked.Increment(ref _authorized);
            }

            if (line.Success && line.Groups[2].Value.Contains("/blobs/", StringComparison.Ordinal)
                && Volatile.Read(ref _holdTogether) is var together && together.FirstOrDefault(d => line.Groups[2].Value.Contains(d, StringComparison.Ordinal)) is { } held)
            {
                _waiting.AddOrUpdate(held, 1, (_, n) => n + 1);
                if (together.All(d => _waiting.GetValueOrDefault(d) > 0)) _heldTogether.TrySetResult();
                await Task.WhenAny(_heldTogether.Task, Task.Delay(TimeSpan.FromSeconds(20), Stopping));
                _waiting.AddOrUpdate(held, 0, (_, n) => n - 1);
            }

            var manifestPut = buffer.AsSpan(0, read).StartsWith("PUT "u8) && buffer.AsSpan(0, read).IndexOf(ManifestPut) > 0;
            if (manifestPut && _hangManifests)
            {
                await Task.Delay(Timeout.Infinite, Stopping);
            }

            if (manifestPut && Interlocked.Decrement(ref _dropsLeft) >= 0)
            {
                Interlocked.Increment(ref _dropped);
                client.LingerState = new LingerOption(true, 0); // reset, not a clean close
                client.Close();
                server.Close();
                return;
            }

            await to.WriteAsync(buffer.AsMemory(0, read), Stopping);
        }
    }
}
