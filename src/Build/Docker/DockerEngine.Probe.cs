using System.Net;
using Docker.DotNet;
using Docker.DotNet.Models;
using ImageDsl.Build.Diagnostics;
using ImageDsl.Build.Metadata;

namespace ImageDsl.Build.Docker;

/// <summary>What is at a path of an image: a directory or not, its mode (0755, with set-id and sticky bits), and its owner when asked for.</summary>
public sealed record PathStatus(bool IsDirectory, int Mode, uint? Uid, uint? Gid, bool IsLink = false);

/// <summary>
/// A path to look at in an image: with its owner (read from the first tar header) when asked, and through a symbolic
/// link at its end unless <paramref name="Follow"/> is false (then the link itself is what is there, dangling or not).
/// </summary>
public readonly record struct PathQuery(string Path, bool Owner = false, bool Follow = true);

public sealed partial class DockerEngine
{
    /// <summary>
    /// The smoke run of a server: start a container, request the probe's path over HTTP until it answers the expected
    /// status (and body text) or <paramref name="timeout"/> passes or the container exits, then always stop and remove
    /// it. On the host network the probe goes to 127.0.0.1 and the container port; on any other network the port is
    /// published on 127.0.0.1 at a port the daemon picks, as <c>docker run -p 127.0.0.1::PORT</c> does.
    /// </summary>
    /// <returns>The last answer, for the log.</returns>
    public async Task<string> ProbeAsync(string image, string imageName, HttpProbe probe, TimeSpan timeout, string networkMode, CancellationToken cancellationToken)
    {
        var port = probe.Port.ToString(System.Globalization.CultureInfo.InvariantCulture) + "/tcp";
        var host = networkMode == "host";
        var id = await CreateSmokeContainerAsync(image, host ? null : port, networkMode, cancellationToken).ConfigureAwait(false);
        try
        {
            await _client.Containers.StartContainerAsync(id, new ContainerStartParameters(), cancellationToken).ConfigureAwait(false);
            var target = host ? probe.Port.ToString(System.Globalization.CultureInfo.InvariantCulture) : await PublishedPortAsync(id, port, cancellationToken).ConfigureAwait(false);
            var url = new Uri($"http://127.0.0.1:{target}{probe.Path}");
            var expected = probe.Body is null ? $"status {probe.Status}" : $"status {probe.Status} with '{probe.Body}' in the body";
            using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(5) };
            var deadline = DateTime.UtcNow + timeout;
            var observed = "no answer";
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                try
                {
                    using var response = await http.GetAsync(url, cancellationToken).ConfigureAwait(false);
                    var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                    if ((int)response.StatusCode == probe.Status && (probe.Body is null || body.Contains(probe.Body, StringComparison.Ordinal)))
                    {
                        return $"{(int)response.StatusCode} {response.ReasonPhrase} from {url}";
                    }

                    observed = $"status {(int)response.StatusCode} with the body '{Shorten(body)}'";
                }
                catch (HttpRequestException e)
                {
                    observed = e.InnerException?.Message ?? e.Message;
                }
                catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    observed = "no answer within 5 seconds";
                }

                var state = (await _client.Containers.InspectContainerAsync(id, cancellationToken).ConfigureAwait(false)).State;
                var running = state?.Running == true;
                if (!running) observed = $"the container exited with code {state?.ExitCode} (last request: {observed})";
                if (!running || DateTime.UtcNow >= deadline)
                {
                    throw new ImageDslException(ErrorCodes.ProbeFailed, imageName, expected, url, (int)timeout.TotalSeconds, observed, await LastLinesAsync(id, cancellationToken).ConfigureAwait(false));
                }

                await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (DockerApiException e)
        {
            throw new ImageDslException(ErrorCodes.DaemonFailed, e, Endpoint.Uri, $"probe a container from '{image}'", e.ResponseBody?.Trim() ?? e.Message);
        }
        finally
        {
            // A server does not stop by itself: stop it (SIGTERM, then SIGKILL after 10 s) and remove it, whatever happened.
            await _client.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true }, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The smoke run of a server without HTTP: start a container and wait until its output shows the text, or its
    /// HEALTHCHECK reports healthy, or it exits, or <paramref name="timeout"/> passes; then always stop and remove it.
    /// </summary>
    /// <returns>What was seen, for the log.</returns>
    public async Task<string> WaitUntilUpAsync(string image, string imageName, ServerWait wait, TimeSpan timeout, string networkMode, CancellationToken cancellationToken)
    {
        var expected = wait.Log is not null ? $"'{wait.Log}' in its output" : "its HEALTHCHECK to report healthy";
        try
        {
            var declared = wait.Healthy ? (await _client.Images.InspectImageAsync(image, cancellationToken).ConfigureAwait(false)).Config?.Healthcheck?.Test : null;
            if (wait.Healthy && (declared is not { Count: > 0 } || declared[0] == "NONE"))
            {
                throw new ImageDslException(ErrorCodes.ServerNotUp, imageName, 0, expected, "that the image declares no HEALTHCHECK (nor does its base image)", "(not started)");
            }
        }
        catch (DockerApiException e)
        {
            throw new ImageDslException(ErrorCodes.DaemonFailed, e, Endpoint.Uri, $"inspect image '{image}'", e.ResponseBody?.Trim() ?? e.Message);
        }

        var id = await CreateSmokeContainerAsync(image, null, networkMode, cancellationToken).ConfigureAwait(false);
        try
        {
            await _client.Containers.StartContainerAsync(id, new ContainerStartParameters(), cancellationToken).ConfigureAwait(false);
            var deadline = DateTime.UtcNow + timeout;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var state = (await _client.Containers.InspectContainerAsync(id, cancellationToken).ConfigureAwait(false)).State;
                if (wait.Log is not null && (await OutputAsync(id, null, cancellationToken).ConfigureAwait(false)).Contains(wait.Log, StringComparison.Ordinal))
                {
                    return $"'{wait.Log}' appeared in its output";
                }

                var health = state?.Health?.Status;
                if (wait.Healthy && health == "healthy") return "its HEALTHCHECK reported healthy";
                var observed = state?.Running != true ? $"the container exited with code {state?.ExitCode}"
                    : wait.Healthy && health == "unhealthy" ? "its HEALTHCHECK reported unhealthy"
                    : DateTime.UtcNow >= deadline ? (wait.Healthy ? $"its HEALTHCHECK still '{health}'" : "not that text yet")
                    : null;
                if (observed is not null)
                {
                    throw new ImageDslException(ErrorCodes.ServerNotUp, imageName, (int)timeout.TotalSeconds, expected, observed, await LastLinesAsync(id, cancellationToken).ConfigureAwait(false));
                }

                await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (DockerApiException e)
        {
            throw new ImageDslException(ErrorCodes.DaemonFailed, e, Endpoint.Uri, $"run a container from '{image}'", e.ResponseBody?.Trim() ?? e.Message);
        }
        finally
        {
            await _client.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true }, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// What is at each path of the image: read from a container created from it and never started (so an image
    /// without a shell, or without a command, can be checked), through the archive API's stat; the owner, when asked
    /// for, from the first tar header of the path's archive, whose stream is then dropped. A symbolic link is followed.
    /// Null: nothing there.
    /// </summary>
    public Task<IReadOnlyDictionary<PathQuery, PathStatus?>> StatPathsAsync(string image, IReadOnlyList<PathQuery> paths, CancellationToken cancellationToken) =>
        WithUnstartedContainerAsync(image, async id =>
        {
            var result = new Dictionary<PathQuery, PathStatus?>();
            foreach (var query in paths) result[query] = await StatAsync(id, query.Path, query.Owner, query.Follow ? 0 : MaxLinks, cancellationToken).ConfigureAwait(false);
            return (IReadOnlyDictionary<PathQuery, PathStatus?>)result;
        }, cancellationToken);

    // Links followed at most (a loop ends there, as the kernel's ELOOP does).
    private const int MaxLinks = 40;

    /// <summary>
    /// The text of a file of the image (a symbolic link followed), read like <see cref="StatPathsAsync"/> from a
    /// container that never starts; null when no regular file is there.
    /// </summary>
    public Task<string?> ReadImageFileAsync(string image, string path, CancellationToken cancellationToken) =>
        WithUnstartedContainerAsync(image, id => ReadAsync(id, path, 0, cancellationToken), cancellationToken);

    private async Task<T> WithUnstartedContainerAsync<T>(string image, Func<string, Task<T>> read, CancellationToken cancellationToken)
    {
        string id;
        try
        {
            id = (await _client.Containers.CreateContainerAsync(new CreateContainerParameters
            {
                Image = image,
                Entrypoint = new List<string> { "/imagedsl-structure-check-never-runs" },
                HostConfig = new HostConfig { NetworkMode = "none" },
                Labels = new Dictionary<string, string> { ["org.imagedsl.smoke-run"] = "true" },
            }, cancellationToken).ConfigureAwait(false)).ID;
        }
        catch (DockerApiException e)
        {
            throw new ImageDslException(ErrorCodes.DaemonFailed, e, Endpoint.Uri, $"create a container from '{image}'", e.ResponseBody?.Trim() ?? e.Message);
        }

        try
        {
            return await read(id).ConfigureAwait(false);
        }
        finally
        {
            await _client.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true }, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task<string?> ReadAsync(string id, string path, int depth, CancellationToken cancellationToken)
    {
        ContainerArchiveResponse response;
        try
        {
            response = await _client.Containers.GetArchiveFromContainerAsync(id, new ContainerPathStatParameters { Path = path }, statOnly: false, cancellationToken).ConfigureAwait(false);
        }
        catch (DockerApiException e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }

        using (response.Stream)
        {
            if (response.Stream is null) return null;
            using var reader = new System.Formats.Tar.TarReader(response.Stream);
            var entry = await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false);
            if (entry is { EntryType: System.Formats.Tar.TarEntryType.SymbolicLink } && depth < MaxLinks)
            {
                var target = entry.LinkName;
                return await ReadAsync(id, target.StartsWith('/') ? target : path.Substring(0, path.LastIndexOf('/') + 1) + target, depth + 1, cancellationToken).ConfigureAwait(false);
            }

            if (entry is not { EntryType: System.Formats.Tar.TarEntryType.RegularFile or System.Formats.Tar.TarEntryType.V7RegularFile, DataStream: { } data }) return null;
            using var text = new StreamReader(data);
            return await text.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Whether the image has something at the path (a directory, or what a COPY into it would then trip over), for the
    /// checks made before a classic build; null when the daemon does not have the image (it is not pulled for this).
    /// </summary>
    public async Task<bool?> ImageHasPathAsync(string image, string path, CancellationToken cancellationToken)
    {
        if (await InspectImageAsync(image, cancellationToken).ConfigureAwait(false) is null) return null;
        var query = new PathQuery(path);
        return (await StatPathsAsync(image, new[] { query }, cancellationToken).ConfigureAwait(false))[query] is not null;
    }

    private async Task<PathStatus?> StatAsync(string id, string path, bool owner, int depth, CancellationToken cancellationToken)
    {
        ContainerArchiveResponse response;
        try
        {
            response = await _client.Containers.GetArchiveFromContainerAsync(id, new ContainerPathStatParameters { Path = path }, statOnly: !owner, cancellationToken).ConfigureAwait(false);
        }
        catch (DockerApiException e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }

        using (response.Stream)
        {
            // Go's os.FileMode: permissions in the low bits, the file type and set-id bits high.
            var mode = response.Stat.Mode;
            if ((mode & (1u << 27)) != 0 && depth < MaxLinks)
            {
                var target = response.Stat.LinkTarget;
                return await StatAsync(id, target.StartsWith('/') ? target : path.Substring(0, path.LastIndexOf('/') + 1) + target, owner, depth + 1, cancellationToken).ConfigureAwait(false);
            }

            var unix = (int)(mode & 0x1FF) | ((mode & (1u << 23)) != 0 ? 0x800 : 0) | ((mode & (1u << 22)) != 0 ? 0x400 : 0) | ((mode & (1u << 20)) != 0 ? 0x200 : 0);
            uint? uid = null, gid = null;
            if (owner && response.Stream is not null)
            {
                using var reader = new System.Formats.Tar.TarReader(response.Stream);
                if (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
                {
                    (uid, gid) = ((uint)entry.Uid, (uint)entry.Gid);
                }
            }

            return new PathStatus((mode & (1u << 31)) != 0, unix, uid, gid, IsLink: (mode & (1u << 27)) != 0);
        }
    }

    /// <summary>A smoke-run container (labelled, so a leftover can be found), with <paramref name="publish"/> ("8080/tcp") published on 127.0.0.1 when given.</summary>
    private async Task<string> CreateSmokeContainerAsync(string image, string? publish, string networkMode, CancellationToken cancellationToken)
    {
        try
        {
            return (await _client.Containers.CreateContainerAsync(new CreateContainerParameters
            {
                Image = image,
                ExposedPorts = publish is null ? null! : new Dictionary<string, EmptyStruct> { [publish] = default },
                HostConfig = new HostConfig
                {
                    NetworkMode = networkMode,
                    PortBindings = publish is null ? null! : new Dictionary<string, IList<PortBinding>> { [publish] = new List<PortBinding> { new() { HostIP = "127.0.0.1", HostPort = "" } } },
                },
                Labels = new Dictionary<string, string> { ["org.imagedsl.smoke-run"] = "true" },
            }, cancellationToken).ConfigureAwait(false)).ID;
        }
        catch (DockerApiException e)
        {
            throw new ImageDslException(ErrorCodes.DaemonFailed, e, Endpoint.Uri, $"create a container from '{image}'", e.ResponseBody?.Trim() ?? e.Message);
        }
    }

    private async Task<string> PublishedPortAsync(string id, string port, CancellationToken cancellationToken)
    {
        var ports = (await _client.Containers.InspectContainerAsync(id, cancellationToken).ConfigureAwait(false)).NetworkSettings?.Ports;
        return ports is not null && ports.TryGetValue(port, out var bindings) && bindings?.FirstOrDefault() is { HostPort: { Length: > 0 } published }
            ? published
            : throw new ImageDslException(ErrorCodes.DaemonFailed, Endpoint.Uri, $"publish port {port} of a container on 127.0.0.1", "the daemon published no port (a daemon without a bridge network needs ImageDslProbeNetwork=host)");
    }

    private async Task<string> LastLinesAsync(string id, CancellationToken cancellationToken)
    {
        var text = (await OutputAsync(id, "20", cancellationToken).ConfigureAwait(false)).TrimEnd('\n');
        return text.Length == 0 ? "(no output)" : text;
    }

    private async Task<string> OutputAsync(string id, string? tail, CancellationToken cancellationToken)
    {
        using var logs = await _client.Containers.GetContainerLogsAsync(id, new ContainerLogsParameters { ShowStdout = true, ShowStderr = true, Tail = tail ?? "all" }, cancellationToken).ConfigureAwait(false);
        var (stdout, stderr) = await logs.ReadOutputToEndAsync(cancellationToken).ConfigureAwait(false);
        return stdout + stderr;
    }

    private static string Shorten(string body) => body.Length <= 200 ? body.Trim() : body.Substring(0, 200).Trim() + "…";
}
