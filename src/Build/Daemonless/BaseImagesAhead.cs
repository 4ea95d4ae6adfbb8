using System.Collections.Concurrent;
using ImageDsl.Build.Registry;

namespace ImageDsl.Build.Daemonless;

/// <summary>
/// Base images read ahead of the build that needs them: started as soon as the Dockerfiles are written (right after
/// the compile), so that the registry round trips and the reading of the layers' file lists overlap the project's
/// publish instead of following it. <see cref="RegistryBaseImages"/> takes a read when the build asks for the same
/// reference and platform, and reads for itself anything else, or anything whose read ahead failed — so that what
/// fails is reported as it would have been without this, by the build.
/// </summary>
/// <remarks>
/// Each read has its own <see cref="RegistryBaseImages"/> (one thread each: none of it is shared while running).
/// The read is the same request the build would make some hundred milliseconds later; a tag moved in between is
/// the same race as a tag moved just after the build read it. The messages a read would log (a first download) are
/// kept and logged by the build that takes it.
/// </remarks>
public sealed class BaseImagesAhead : IDisposable
{
    private readonly CancellationTokenSource _cancellation = new();
    private readonly ConcurrentDictionary<(string Reference, ImagePlatform Platform), Read> _reads = new();
    private Task _started = Task.CompletedTask;

    /// <summary>
    /// One base being read: the image once read (the task fails as the build's own read would, with its coded error),
    /// the digest the registry gave for the reference, and what the read logged (a first download).
    /// </summary>
    public sealed class Read
    {
        internal ConcurrentQueue<string> Log { get; } = new();

        public Task<BaseImage> Image { get; internal set; } = null!;

        public string? Digest { get; internal set; }

        public IReadOnlyList<string> Messages => Log.ToList();
    }

    /// <summary>
    /// Starts, in the background, finding the bases (<paramref name="bases"/>: a Dockerfile's FROMs, its arguments
    /// expanded) and reading each (and its layers' file lists); returns at once. A failure to find them reads nothing.
    /// </summary>
    /// <param name="source">Makes the registry reader of one read, logging to the given callback.</param>
    public static BaseImagesAhead Start(Func<IEnumerable<(string Reference, ImagePlatform Platform)>> bases, Func<Action<string>, RegistryBaseImages> source)
    {
        var ahead = new BaseImagesAhead();
        var token = ahead._cancellation.Token;
        ahead._started = Task.Run(() =>
        {
            foreach (var key in bases().Distinct())
            {
                var read = new Read();
                read.Image = Task.Run(async () =>
                {
                    using var registry = source(read.Log.Enqueue);
                    var image = await registry.GetAsync(key.Reference, key.Platform, token).ConfigureAwait(false);
                    read.Digest = registry.Resolved.GetValueOrDefault(key.Reference);
                    // The assembler's first step on a base is its file tree: the lists are kept in memory for it.
                    foreach (var layer in image.Layers) LayerIndex.Read(layer.BlobPath!);
                    return image;
                }, token);
                ahead._reads[key] = read;
            }
        }, token);
        return ahead;
    }

    /// <summary>
    /// The read started for this reference and platform, taken (a second ask gets null); null when none was started,
    /// or when finding the bases failed (the build then reads, and meets the failure, itself).
    /// </summary>
    public async Task<Read?> TakeAsync(string reference, ImagePlatform platform, CancellationToken cancellationToken)
    {
        try
        {
            await _started.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }

        return _reads.TryRemove((reference, platform), out var read) ? read : null;
    }

    /// <summary>Cancels the reads nobody took (a base the build did not need after all).</summary>
    public void Dispose()
    {
        _cancellation.Cancel();
        _started.ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
        foreach (var read in _reads.Values) read.Image.ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
    }
}
