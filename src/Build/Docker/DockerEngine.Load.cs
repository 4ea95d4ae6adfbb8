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
}
