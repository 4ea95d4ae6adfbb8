using System.Threading.Channels;

namespace ImageDsl.Build.Registry;

/// <summary>
/// Bytes handed, as they arrive, to a reader on a thread of its own: a layer's entries are read (gunzip, tar headers)
/// while the layer downloads and its digest is computed, not in a second pass over the file afterwards. The chunks go
/// through a bounded channel (at most <see cref="Waiting"/> wait for the reader). Written by hand because the library
/// made for this, System.IO.Pipelines, is not part of .NET 8's shared framework that the task runs on (a package copy
/// in an MSBuild task could clash with the one MSBuild loads), and an OS pipe, measured, cost what the overlap saved.
/// </summary>
internal sealed class ReadAlong<T> : IDisposable where T : class
{
    private const int Waiting = 64;
    private readonly Channel<byte[]> _chunks = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(Waiting) { SingleReader = true, SingleWriter = true });
    private readonly Task<T?> _reading;
    private bool _readerLeft;

    public ReadAlong(Func<Stream, T> read)
    {
        _reading = Task.Factory.StartNew(() =>
        {
            try
            {
                var stream = new ChunkStream(_chunks.Reader);
                var result = read(stream);
                stream.CopyTo(Stream.Null); // the bytes after what the reader needed (a tar's end, padding)
                return result;
            }
            catch (Exception)
            {
                // Any failure of the reader (a layer that is no gzip or no tar) only means nothing was read along: the
                // caller reads the file again, and that read reports it.
                return null;
            }
            finally
            {
                _chunks.Writer.TryComplete(); // the writer stops handing bytes to a reader that left
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    public async Task WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        if (_readerLeft) return;
        try
        {
            await _chunks.Writer.WriteAsync(bytes.ToArray(), cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            _readerLeft = true; // it failed: the rest of the bytes only go to the file
        }
    }

    /// <summary>What the reader made of every byte written (null if it failed).</summary>
    public Task<T?> EndAsync()
    {
        _chunks.Writer.TryComplete(); // the reader sees the end of its stream
        return _reading;
    }

    public void Dispose() => _chunks.Writer.TryComplete();

    private sealed class ChunkStream(ChannelReader<byte[]> chunks) : Stream
    {
        private byte[] _current = Array.Empty<byte>();
        private int _offset;

        public override int Read(byte[] buffer, int offset, int count)
        {
            while (_offset == _current.Length)
            {
                // The reader's own thread: waiting here blocks no one else.
                if (!chunks.TryRead(out var next))
                {
                    if (!chunks.WaitToReadAsync().AsTask().GetAwaiter().GetResult()) return 0;
                    continue;
                }

                (_current, _offset) = (next, 0);
            }

            var n = Math.Min(count, _current.Length - _offset);
            Buffer.BlockCopy(_current, _offset, buffer, offset, n);
            _offset += n;
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
