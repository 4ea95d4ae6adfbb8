using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using ImageDsl.IntegrationTests;

namespace ImageDsl.Benchmarks;

/// <summary>
/// A registry farther away than this machine's loopback one: a TCP proxy on 127.0.0.1 in front of it that delivers
/// every chunk, in each direction, <c>delay</c> after it arrived (a round trip costs twice that), and, when given a
/// bandwidth, no faster than that on each connection and direction. Written here because the alternative, <c>tc qdisc … netem</c> on the loopback device, would delay every
/// loopback connection of the machine (the daemon's, the compiler server's), not only the registry's.
/// </summary>
internal sealed class LatencyProxy : LoopbackServer
{
    private readonly IPEndPoint _target;
    private readonly TimeSpan _delay;
    private readonly double _ticksPerByte;

    public LatencyProxy(string target, TimeSpan delay, int megabitsPerSecond = 0)
    {
        var parts = target.Split(':');
        _target = new IPEndPoint(IPAddress.Parse(parts[0]), int.Parse(parts[1]));
        _delay = delay;
        _ticksPerByte = megabitsPerSecond > 0 ? TimeSpan.TicksPerSecond * 8.0 / (megabitsPerSecond * 1_000_000.0) : 0;
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

    // Reads as fast as the sender writes; a second task writes each chunk once its delay has passed, in order, and not
    // before the chunks ahead of it have had their time on the link.
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
        var linkFree = 0L;
        int read;
        while ((read = await from.ReadAsync(buffer, Stopping)) > 0)
        {
            var due = Math.Max(DateTime.UtcNow.Ticks + _delay.Ticks, linkFree);
            linkFree = due + (long)(read * _ticksPerByte);
            chunks.Writer.TryWrite((due, buffer.AsSpan(0, read).ToArray()));
        }

        chunks.Writer.Complete();
        await writing;
    }
}
