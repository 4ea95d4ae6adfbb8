using System.Net.Sockets;
using System.Text;

namespace ImageDsl.IntegrationTests;

/// <summary>An HTTP server on 127.0.0.1 that answers every request with 500 Internal Server Error: a broken registry.</summary>
public sealed class FailingRegistry : LoopbackServer
{
    private int _requests;

    public FailingRegistry() => Start();

    public string Address => "127.0.0.1:" + Port;

    public int Requests => Volatile.Read(ref _requests);

    protected override async Task ServeAsync(Socket client)
    {
        await using var stream = new NetworkStream(client, ownsSocket: false);
        var buffer = new byte[16 * 1024];
        var head = new StringBuilder();
        while (!head.ToString().Contains("\r\n\r\n"))
        {
            var read = await stream.ReadAsync(buffer, Stopping);
            if (read == 0) return;
            head.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        Interlocked.Increment(ref _requests);
        const string body = """{"errors":[{"code":"UNKNOWN","message":"the registry is broken"}]}""";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}"), Stopping);
    }
}
