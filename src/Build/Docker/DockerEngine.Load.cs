using Docker.DotNet.Models;
using ImageDsl.Build.Diagnostics;

namespace ImageDsl.Build.Docker;

public sealed partial class DockerEngine
{
    /// <summary>
    /// Loads an image archive (<c>docker load</c>'s format, which the daemonless builder writes) into the daemon, so
    /// that its container checks run and its tags exist locally. Fails with the daemon's own message.
    /// </summary>
    public async Task LoadAsync(Stream archive, CancellationToken cancellationToken)
    {
        string? error = null;
        try
        {
            await _client.Images.LoadImageAsync(new ImageLoadParameters { Quiet = true }, archive,
                new Progress(message => error ??= message.Error?.Message), cancellationToken).ConfigureAwait(false);
        }
        catch (global::Docker.DotNet.DockerApiException e)
        {
            throw new ImageDslException(ErrorCodes.DaemonFailed, e, Endpoint.Uri, "load an image", e.ResponseBody?.Trim() ?? e.Message);
        }

        if (!string.IsNullOrEmpty(error)) throw new ImageDslException(ErrorCodes.DaemonFailed, Endpoint.Uri, "load an image", error);
    }

    /// <summary>
    /// How many of an image's first layers (its config's diff ids, in order) the daemon holds, judged from the images it
    /// has under <paramref name="images"/>: a layer is held when an image there starts with the same layers up to it (a
    /// layer's identity in the daemon is its whole chain, not its own diff id).
    /// </summary>
    public async Task<int> HeldLayersAsync(IReadOnlyList<string> diffIds, IEnumerable<string> images, CancellationToken cancellationToken)
    {
        var held = 0;
        foreach (var name in images)
        {
            if (await InspectImageAsync(name, cancellationToken).ConfigureAwait(false) is not { RootFS.Layers: { } layers }) continue;
            var common = 0;
            while (common < layers.Count && common < diffIds.Count && string.Equals(layers[common], diffIds[common], StringComparison.Ordinal)) common++;
            held = Math.Max(held, common);
        }

        return held;
    }
}
