using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ImageDsl.Build.Context;
using ImageDsl.Build.Diagnostics;
using ImageDsl.Build.Docker;

namespace ImageDsl.Build.Session;

/// <summary>Secrets, SSH agents and registry logins a build's session may hand to the daemon.</summary>
public sealed record SessionResources(IReadOnlyList<SecretSource> Secrets, IReadOnlyList<SshAgent> SshAgents, IReadOnlyList<HostCredential> Credentials)
{
    public static SessionResources None { get; } = new(Array.Empty<SecretSource>(), Array.Empty<SshAgent>(), Array.Empty<HostCredential>());
}

/// <summary>
/// A BuildKit build the way the docker CLI makes one: <c>POST /build?version=2&amp;session=ID&amp;remote=client-session</c>
/// with no body, while a session serves the context and the Dockerfile as two separate local directories. So the
/// generated Dockerfile is never part of the context (no COPY can reach it), .dockerignore is applied as the CLI
/// applies it, and the daemon keeps the previous transfer under the session's shared key, so a rebuild sends only
/// the files that changed.
/// </summary>
internal static class SessionBuild
{
    private const string DockerfileName = "Dockerfile";

    public static async Task<string> RunAsync(DockerEndpoint endpoint, BuildRequest request, ContextLayout context, IBuildLog log, CancellationToken cancellationToken)
    {
        var dockerfileDirectory = Directory.CreateTempSubdirectory("imagedsl-dockerfile-");
        try
        {
            Files.StateFile.Write(Path.Combine(dockerfileDirectory.FullName, DockerfileName), request.Dockerfile);
            var (id, sharedKey) = BuildKitSession.NewIdentity(request.ContextDirectory);
            var resources = request.Session ?? SessionResources.None;
            var configuration = new SessionConfiguration(endpoint.Uri.ToString(), endpoint.TlsCertificatePath, endpoint.VerifyTls, id, "imagedsl", sharedKey,
                new[]
                {
                    new SyncedDirectory("context", request.ContextDirectory, context.Entries.Select(e => FileName.ToBytes(e.RelativePath)).ToList(), context.Mounts, context.FileTime),
                    new SyncedDirectory("dockerfile", dockerfileDirectory.FullName, new[] { FileName.ToBytes(DockerfileName) }),
                },
                resources.Secrets, resources.SshAgents, resources.Credentials);

            var session = await BuildKitSession.StartAsync(configuration, cancellationToken).ConfigureAwait(false);
            var decoder = new BuildProgressDecoder(log);
            try
            {
                using var client = DaemonConnection.CreateHttpClient(endpoint.Uri, endpoint.TlsCertificatePath, endpoint.VerifyTls);
                using var message = new HttpRequestMessage(HttpMethod.Post, "build?" + Query(request, id)) { Content = new ByteArrayContent(Array.Empty<byte>()) };
                message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-tar");
                using var response = await client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
                await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    throw new ImageDslException(ErrorCodes.DaemonFailed, endpoint.Uri, $"build image '{request.ImageName}'", DaemonMessage(await new StreamReader(body).ReadToEndAsync(cancellationToken).ConfigureAwait(false)));
                }

                await decoder.ReadAsync(body, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpRequestException or IOException && !cancellationToken.IsCancellationRequested)
            {
                if (session.ClosedByDaemon) throw new ImageDslException(ErrorCodes.SessionClosed, e, request.ImageName, endpoint.Uri);
                if (decoder.Started) throw decoder.ConnectionLost(request.ImageName, endpoint.Uri, e);
                throw new ImageDslException(ErrorCodes.DaemonFailed, e, endpoint.Uri, $"build image '{request.ImageName}'", e.Message);
            }
            finally
            {
                await session.DisposeAsync().ConfigureAwait(false);
                log.Sent(session.Sent.Files, session.Sent.Bytes);
            }

            if (decoder.Error is not null && session.ClosedByDaemon) throw new ImageDslException(ErrorCodes.SessionClosed, request.ImageName, endpoint.Uri);
            return decoder.ImageIdOrThrow(request.ImageName, endpoint.Uri);
        }
        finally
        {
            dockerfileDirectory.Delete(recursive: true);
        }
    }

    /// <summary>The query of the build request; values as the Engine API's /build documents them.</summary>
    private static string Query(BuildRequest request, string sessionId)
    {
        var query = new List<(string, string)>
        {
            ("version", "2"), ("session", sessionId), ("remote", "client-session"), ("dockerfile", DockerfileName), ("rm", "1"), ("forcerm", "1"),
            ("buildargs", JsonSerializer.Serialize(request.BuildArgs)), ("labels", JsonSerializer.Serialize(request.Labels)),
            ("networkmode", request.NetworkMode),
        };
        query.AddRange(request.Tags.Select(t => ("t", t)));
        if (request.Target is not null) query.Add(("target", request.Target));
        if (request.Platform is not null) query.Add(("platform", request.Platform));
        if (request.NoCache) query.Add(("nocache", "1"));
        if (request.CacheFrom is { Count: > 0 } cacheFrom) query.Add(("cachefrom", JsonSerializer.Serialize(cacheFrom)));
        return string.Join("&", query.Select(p => p.Item1 + "=" + Uri.EscapeDataString(p.Item2)));
    }

    private static string DaemonMessage(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.TryGetProperty("message", out var message) ? message.GetString() ?? body : body;
        }
        catch (JsonException)
        {
            return body.Trim();
        }
    }
}
