using ImageDsl.Build.Context;
using Grpc.Core;
using ImageDsl.Build.Session;
using ImageDsl.Session.FileSync;
using ImageDsl.Session.Protocol;

namespace ImageDsl.Session.Services;

/// <summary>
/// Sends the directories the task allowed ("context" for COPY and ADD, "dockerfile" for the generated Dockerfile),
/// narrowed to what the daemon asks for; a name the task did not allow is NotFound.
/// </summary>
internal sealed class FileSyncService(SessionConfiguration configuration, TransferStatistics statistics) : Protocol.FileSync.FileSyncBase
{
    public override Task DiffCopy(IAsyncStreamReader<Packet> requestStream, IServerStreamWriter<Packet> responseStream, ServerCallContext context)
    {
        var request = SyncRequest.From(context.GetHttpContext().Request.Headers);
        var directory = configuration.Directories.FirstOrDefault(d => d.Name == request.DirectoryName)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"no access allowed to dir \"{request.DirectoryName}\""));
        // The statistics are the context's: the Dockerfile travels apart, and whole every time.
        var sender = new DiffCopySender(directory.PathOf, SyncSelection.Select(directory.Root, directory.Entries.Select(e => FileName.FromBytes(e)).ToList(), request), directory.Name == "context" ? statistics : new TransferStatistics(), directory.FileTime);
        return sender.RunAsync(requestStream, responseStream, context.CancellationToken);
    }
}
