using System.Net.Sockets;
using Google.Protobuf;
using Grpc.Core;
using ImageDsl.Build.Session;
using ImageDsl.Session.Protocol;

namespace ImageDsl.Session.Services;

/// <summary>
/// Forwards SSH agents, as <c>docker build --ssh</c> does: each connection a RUN step makes to its agent socket becomes
/// one ForwardAgent stream, whose bytes this service relays to and from the agent's unix socket on this machine.
/// </summary>
internal sealed class SshService(SessionConfiguration configuration) : SSH.SSHBase
{
    public override Task<CheckAgentResponse> CheckAgent(CheckAgentRequest request, ServerCallContext context) =>
        Find(request.ID) is null
            ? throw new RpcException(new Status(StatusCode.NotFound, $"unset ssh forward key {request.ID}"))
            : Task.FromResult(new CheckAgentResponse());

    public override async Task ForwardAgent(IAsyncStreamReader<BytesMessage> requestStream, IServerStreamWriter<BytesMessage> responseStream, ServerCallContext context)
    {
        var id = context.RequestHeaders.GetValue("buildkit.ssh.id") ?? "";
        var agent = Find(id) ?? throw new RpcException(new Status(StatusCode.NotFound, $"unset ssh forward key {id}"));
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(agent.Socket), context.CancellationToken);
        await using var stream = new NetworkStream(socket, ownsSocket: false);

        var toAgent = Task.Run(async () =>
        {
            await foreach (var message in requestStream.ReadAllAsync(context.CancellationToken)) await stream.WriteAsync(message.Data.Memory, context.CancellationToken);
            socket.Shutdown(SocketShutdown.Send);
        });
        var buffer = new byte[32 * 1024];
        int read;
        while ((read = await stream.ReadAsync(buffer, context.CancellationToken)) > 0)
        {
            await responseStream.WriteAsync(new BytesMessage { Data = ByteString.CopyFrom(buffer, 0, read) });
        }

        await toAgent;
    }

    // An unnamed mount arrives with an empty id, which BuildKit's own provider reads as "default".
    private SshAgent? Find(string id) => configuration.SshAgents.FirstOrDefault(a => a.Id == (id.Length == 0 ? "default" : id));
}
