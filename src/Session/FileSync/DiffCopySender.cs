using System.Threading.Channels;
using Google.Protobuf;
using Grpc.Core;
using ImageDsl.Build.Context;
using ImageDsl.Session.Protocol;

namespace ImageDsl.Session.FileSync;

/// <summary>
/// The sending side of fsutil's DiffCopy (tonistiigi/fsutil send.go): one STAT packet per entry in walk order, each
/// taking the next id, then an empty STAT; the daemon compares the stats with what it kept from the last transfer
/// under the session's shared key and REQuests by id only the files that changed; each requested file goes as DATA
/// packets of at most 32 KiB and an empty DATA; FIN from the daemon is answered with FIN. Owners are sent as 0, as
/// the docker CLI does for a context; a file's later names go as hard links to its first (<see cref="HardLinks"/>).
/// Packets reach the stream through one writer, since gRPC allows one at a time.
/// </summary>
internal sealed class DiffCopySender
{
    private const int ChunkSize = 32 * 1024;

    private readonly Func<string, string> _pathOf;
    private readonly long? _fileTime;
    private readonly IReadOnlyList<string> _entries;
    private readonly TransferStatistics _statistics;

    /// <param name="pathOf">Where an entry is on disk (the synced directory's root, or a directory mounted into it).</param>
    /// <param name="fileTime">The modification time (Unix seconds) every entry is sent with, or null for each file's own.</param>
    public DiffCopySender(Func<string, string> pathOf, IReadOnlyList<string> entries, TransferStatistics statistics, long? fileTime = null)
    {
        _fileTime = fileTime;
        _pathOf = pathOf;
        _entries = entries;
        _statistics = statistics;
    }

    public async Task RunAsync(IAsyncStreamReader<Packet> incoming, IServerStreamWriter<Packet> outgoing, CancellationToken cancellationToken)
    {
        var output = Channel.CreateBounded<Packet>(new BoundedChannelOptions(64) { SingleReader = true });
        var writer = Task.Run(async () =>
        {
            await foreach (var packet in output.Reader.ReadAllAsync(cancellationToken))
            {
                _statistics.AddBytes(packet.CalculateSize());
                await outgoing.WriteAsync(packet, cancellationToken);
            }
        }, cancellationToken);

        try
        {
            var files = new Dictionary<uint, string>();
            var hardLinks = new HardLinks();
            uint id = 0;
            foreach (var entry in _entries)
            {
                var path = _pathOf(entry);
                var status = FileStatus.Of(path);
                var stat = Stat(entry, path, status, _fileTime);
                if (hardLinks.EarlierName(entry, status.Kind == FileKind.Directory, status.Inode, status.Links) is { } earlier)
                {
                    // Another name of a file already sent: the receiver links it to that name and asks for no content.
                    stat.Linkname = ByteString.CopyFrom(FileName.ToBytes(earlier));
                    stat.Size = 0;
                }
                else if (status.Kind == FileKind.Regular)
                {
                    files[id] = path;
                }

                await output.Writer.WriteAsync(new Packet { Type = Packet.Types.PacketType.PacketStat, Stat = stat }, cancellationToken);
                id++;
            }

            await output.Writer.WriteAsync(new Packet { Type = Packet.Types.PacketType.PacketStat }, cancellationToken);

            var requested = Channel.CreateUnbounded<(uint Id, string Path)>(new UnboundedChannelOptions { SingleReader = true });
            var sender = Task.Run(async () =>
            {
                await foreach (var (fileId, path) in requested.Reader.ReadAllAsync(cancellationToken)) await SendFileAsync(fileId, path, output.Writer, cancellationToken);
            }, cancellationToken);

            await foreach (var packet in incoming.ReadAllAsync(cancellationToken))
            {
                switch (packet.Type)
                {
                    case Packet.Types.PacketType.PacketReq:
                        if (!files.Remove(packet.ID, out var file)) throw new RpcException(new Status(StatusCode.InvalidArgument, $"invalid file id {packet.ID}"));
                        requested.Writer.TryWrite((packet.ID, file));
                        break;
                    case Packet.Types.PacketType.PacketFin:
                        requested.Writer.Complete();
                        await sender;
                        await output.Writer.WriteAsync(new Packet { Type = Packet.Types.PacketType.PacketFin }, cancellationToken);
                        output.Writer.Complete();
                        await writer;
                        return;
                    case Packet.Types.PacketType.PacketErr:
                        throw new RpcException(new Status(StatusCode.Aborted, "error from receiver: " + packet.Data.ToStringUtf8()));
                }
            }

            throw new RpcException(new Status(StatusCode.Aborted, "the daemon ended the transfer without FIN"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Tell the daemon rather than leave it waiting, and fail the call.
            await outgoing.WriteAsync(new Packet { Type = Packet.Types.PacketType.PacketErr, Data = ByteString.CopyFromUtf8(e.Message) }, cancellationToken);
            throw new RpcException(new Status(StatusCode.Unavailable, e.Message));
        }
        finally
        {
            output.Writer.TryComplete();
        }
    }

    private async Task SendFileAsync(uint id, string path, ChannelWriter<Packet> output, CancellationToken cancellationToken)
    {
        await using (var file = PosixFiles.OpenRead(path, bufferSize: 1))
        {
            var buffer = new byte[ChunkSize];
            int read;
            while ((read = await file.ReadAsync(buffer, cancellationToken)) > 0)
            {
                await output.WriteAsync(new Packet { Type = Packet.Types.PacketType.PacketData, ID = id, Data = ByteString.CopyFrom(buffer, 0, read) }, cancellationToken);
            }
        }

        await output.WriteAsync(new Packet { Type = Packet.Types.PacketType.PacketData, ID = id }, cancellationToken);
        _statistics.AddFile();
    }

    private static Stat Stat(string relative, string path, FileStatus status, long? fileTime)
    {
        var stat = new Stat
        {
            Path = ByteString.CopyFrom(FileName.ToBytes(relative)),
            Mode = status.GoFileMode,
            ModTime = fileTime is { } seconds ? seconds * 1_000_000_000 : status.ModifiedSeconds * 1_000_000_000 + status.ModifiedNanoseconds,
        };
        if (status.Kind != FileKind.Directory) stat.Size = status.Size;
        if (status.Kind == FileKind.SymbolicLink) stat.Linkname = ByteString.CopyFrom(FileName.ToBytes(PosixFiles.ReadLink(path)));
        if (status.Kind is FileKind.CharacterDevice or FileKind.BlockDevice)
        {
            stat.Devmajor = status.DeviceMajor;
            stat.Devminor = status.DeviceMinor;
        }

        return stat;
    }
}
