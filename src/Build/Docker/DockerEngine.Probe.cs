using System.Net;
using Docker.DotNet;
using Docker.DotNet.Models;
using ImageDsl.Build.Diagnostics;
using ImageDsl.Build.Metadata;

namespace ImageDsl.Build.Docker;

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
        string id;
        try
        {
            id = (await _client.Containers.CreateContainerAsync(new CreateContainerParameters
            {
                Image = image,
                ExposedPorts = host ? null! : new Dictionary<string, EmptyStruct> { [port] = default },
                HostConfig = new HostConfig
                {
                    NetworkMode = networkMode,
                    PortBindings = host ? null! : new Dictionary<string, IList<PortBinding>> { [port] = new List<PortBinding> { new() { HostIP = "127.0.0.1", HostPort = "" } } },
                },
                Labels = new Dictionary<string, string> { ["org.imagedsl.smoke-run"] = "true" },
            }, cancellationToken).ConfigureAwait(false)).ID;
        }
        catch (DockerApiException e)
        {
            throw new ImageDslException(ErrorCodes.DaemonFailed, e, Endpoint.Uri, $"create a container from '{image}'", e.ResponseBody?.Trim() ?? e.Message);
        }

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
        string id;
        try
        {
            var declared = wait.Healthy ? (await _client.Images.InspectImageAsync(image, cancellationToken).ConfigureAwait(false)).Config?.Healthcheck?.Test : null;
            if (wait.Healthy && (declared is not { Count: > 0 } || declared[0] == "NONE"))
            {
                throw new ImageDslException(ErrorCodes.ServerNotUp, imageName, 0, expected, "that the image declares no HEALTHCHECK (nor does its base image)", "(not started)");
            }

            id = (await _client.Containers.CreateContainerAsync(new CreateContainerParameters
            {
                Image = image,
                HostConfig = new HostConfig { NetworkMode = networkMode },
                Labels = new Dictionary<string, string> { ["org.imagedsl.smoke-run"] = "true" },
            }, cancellationToken).ConfigureAwait(false)).ID;
        }
        catch (DockerApiException e)
        {
            throw new ImageDslException(ErrorCodes.DaemonFailed, e, Endpoint.Uri, $"create a container from '{image}'", e.ResponseBody?.Trim() ?? e.Message);
        }

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
