using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using ImageDsl.IntegrationTests;

namespace ImageDsl.Benchmarks;

/// <summary>
/// A registry farther away than this machine's loopback one: a TCP proxy on 127.0.0.1 in front of it that delivers
/// every chunk, in each direction, <c>delay</c> after it arrived (a round trip costs twice that; bandwidth is not
/// limited). Written here because the alternative, <c>tc qdisc … netem</c> on the loopback device, would delay every
/// loopback connection of the machine (the daemon's, the compiler server's), not only the registry's.
/// </summary>
internal sealed class LatencyProxy : LoopbackServer
{
    private readonly IPEndPoint _target;
    private readonly TimeSpan _delay;

    public LatencyProxy(string target, TimeSpan delay)
    {
        var parts = target.Split(':');
        _target = new IPEndPoint(IPAddress.Parse(parts[0]), int.Parse(parts[1]));
        _delay = delay;
        Start();
    }

    public string Address => "127.0.0.1:" + Port;

    protected override async Task ServeAsync(Socket client)
    {
        using var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await upstream.ConnectAsync(_target, Stopping);
        await using var clientStream = new NetworkStream(client, ownsSocket: false);
        await using var upstreamStream = new NetworkStream(upstream, ownsSocket: false);
        await Task.WhenAll(PumpAsync(clientStream, upstreamStream, upstream), PumpAsync(upstreamStream, clientStream, client));
    }

    // Reads as fast as the sender writes; a second task writes each chunk once its delay has passed, in order.
    private async Task PumpAsync(NetworkStream from, NetworkStream to, Socket toSocket)
    {
        var chunks = Channel.CreateUnbounded<(long Due, byte[] Data)>();
        var writing = Task.Run(async () =>
        {
            await foreach (var (due, data) in chunks.Reader.ReadAllAsync(Stopping))
            {
                var wait = TimeSpan.FromTicks(due - DateTime.UtcNow.Ticks);
                if (wait > TimeSpan.Zero) await Task.Delay(wait, Stopping);
                await to.WriteAsync(data, Stopping);
            }

            toSocket.Shutdown(SocketShutdown.Send);
        });
        var buffer = new byte[65536];
        int read;
        while ((read = await from.ReadAsync(buffer, Stopping)) > 0)
        {
            chunks.Writer.TryWrite((DateTime.UtcNow.Ticks + _delay.Ticks, buffer.AsSpan(0, read).ToArray()));
        }

        chunks.Writer.Complete();
        await writing;
    }
}
