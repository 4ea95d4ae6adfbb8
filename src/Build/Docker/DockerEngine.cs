using System.IO.Pipelines;
using System.Net.Sockets;
using Docker.DotNet;
using Docker.DotNet.Models;
using Docker.DotNet.X509;
using ImageDsl.Build.Context;
using ImageDsl.Build.Diagnostics;
using ImageDsl.Build.Registry;
using Version = System.Version;

namespace ImageDsl.Build.Docker;

/// <summary>
/// ImageDsl's client of one Docker daemon, over the Engine API through Docker.DotNet: build (BuildKit when the
/// daemon offers it), smoke-run and push. Every expected failure is an <see cref="ImageDslException"/> with a code.
/// </summary>
public sealed partial class DockerEngine : IDisposable
{
    /// <summary>Engine API 1.41 (Engine 20.10) is the oldest ImageDsl needs and every current daemon still serves it.</summary>
    public static readonly Version ApiVersion = new(1, 41);

    private readonly DockerClient _client;

    private DockerEngine(DockerClient client, DockerEndpoint endpoint, Version engineVersion, string os, string architecture)
    {
        _client = client;
        Endpoint = endpoint;
        EngineVersion = engineVersion;
        Os = os;
        Platform = new Registry.ImagePlatform(os, architecture, null).Normalize();
    }

    public DockerEndpoint Endpoint { get; }

    public Version EngineVersion { get; }

    public string Os { get; }

    /// <summary>The daemon's own platform (what a build that names none is for), as its version reports it.</summary>
    public Registry.ImagePlatform Platform { get; }

    /// <summary>BuildKit through the Engine API (version=2) exists on Linux daemons with API 1.39 and later.</summary>
    public bool OffersBuildKit => Os == "linux";

    /// <summary>Connects and asks for the daemon's version, failing within <paramref name="timeout"/> with a coded error.</summary>
    public static async Task<DockerEngine> ConnectAsync(DockerEndpoint endpoint, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var builder = new DockerClientBuilder().WithEndpoint(endpoint.Uri).WithApiVersion(ApiVersion);
        DaemonCertificateCheck? check = null;
        if (endpoint.TlsCertificatePath is { } certificates)
        {
            try
            {
                // The server is checked by our callback, against ca.pem and the host name, as the docker CLI does;
                // Docker.DotNet's own check accepts any certificate from the CA, whatever name it was issued for.
                check = DaemonCertificateCheck.Load(certificates, endpoint.Uri.Host);
                var verify = endpoint.VerifyTls;
                var validator = check;
                builder = builder.WithAuthProvider(new CertificateCredentials(DaemonConnection.ClientCertificate(certificates))
                {
                    ServerCertificateValidationCallback = (_, certificate, _, _) => !verify || validator.Validate(certificate),
                });
            }
            catch (Exception e) when (e is IOException or System.Security.Cryptography.CryptographicException or ArgumentException)
            {
                throw new ImageDslException(ErrorCodes.TlsIncomplete, e, endpoint.Uri, e.Message);
            }
        }

        var client = builder.Build();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            var version = await client.System.GetVersionAsync(deadline.Token).ConfigureAwait(false);
            var engine = Version.TryParse(new string(version.Version.TakeWhile(c => char.IsDigit(c) || c == '.').ToArray()), out var parsed) ? parsed : new Version(0, 0);
            return new DockerEngine(client, endpoint, engine, version.Os, version.Arch ?? "");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            client.Dispose();
            throw new ImageDslException(ErrorCodes.DaemonTimeout, endpoint.Uri, (int)timeout.TotalSeconds);
        }
        catch (Exception e) when (e is not OperationCanceledException and not ImageDslException && check?.Rejection is { } rejection)
        {
            client.Dispose();
            throw new ImageDslException(ErrorCodes.DaemonCertificateRejected, e, $"{endpoint.Uri} (from {endpoint.Source})", rejection, endpoint.TlsCertificatePath!);
        }
        catch (Exception e) when (e is not OperationCanceledException and not ImageDslException)
        {
            client.Dispose();
            throw new ImageDslException(ErrorCodes.DaemonUnreachable, e, $"{endpoint.Uri} (from {endpoint.Source})", WhyUnreachable(endpoint, e));
        }
    }

    /// <summary>
    /// What the user can act on: for a Unix socket, whether it exists and accepts connections (the socket layer's own
    /// words for a missing file are "AddressNotAvailable"); otherwise the innermost error.
    /// </summary>
    private static string WhyUnreachable(DockerEndpoint endpoint, Exception e)
    {
        if (endpoint.Uri.Scheme == "unix")
        {
            var path = endpoint.Uri.LocalPath;
            if (!File.Exists(path) && !Directory.Exists(path)) return $"there is no socket at {path}";
            if (Innermost(e).StartsWith(nameof(SocketError.ConnectionRefused), StringComparison.Ordinal)) return $"nothing accepts connections on {path}";
        }

        return Innermost(e);
    }

    /// <summary>
    /// Builds one image: with BuildKit through a session (see Session/SessionBuild), with the classic builder from a
    /// context tar written into a pipe that the HTTP request reads from, so it streams to the daemon as it is produced.
    /// Cancelling aborts the request, which cancels the build on the daemon.
    /// </summary>
    public Task<string> BuildAsync(BuildRequest request, ContextLayout context, BuilderKind builder, IBuildLog log, CancellationToken cancellationToken) =>
        builder == BuilderKind.BuildKit
            ? Session.SessionBuild.RunAsync(Endpoint, request, context, log, cancellationToken)
            : BuildFromTarAsync(request, context, builder, log, cancellationToken);

    /// <summary>The classic builder's way: the context and the Dockerfile in one tar, the request's body.</summary>
    private async Task<string> BuildFromTarAsync(BuildRequest request, ContextLayout context, BuilderKind builder, IBuildLog log, CancellationToken cancellationToken)
    {
        var parameters = new ImageBuildParameters
        {
            Dockerfile = context.DockerfileName,
            Tags = request.Tags.ToList(),
            BuildArgs = request.BuildArgs.ToDictionary(p => p.Key, p => p.Value),
            Labels = request.Labels.ToDictionary(p => p.Key, p => p.Value),
            Target = request.Target,
            Platform = request.Platform,
            NoCache = request.NoCache,
            CacheFrom = request.CacheFrom?.ToList(),
            NetworkMode = request.NetworkMode,
            Remove = true,
            ForceRemove = true,
            Version = builder == BuilderKind.BuildKit ? "2" : "1",
        };

        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 1 << 20, resumeWriterThreshold: 1 << 19));
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var writer = Task.Run(async () =>
        {
            try
            {
                await using var output = pipe.Writer.AsStream();
                await ContextPacker.WriteAsync(context, request.Dockerfile, output, abort.Token).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                await pipe.Writer.CompleteAsync(e).ConfigureAwait(false);
                throw;
            }
        }, abort.Token);

        var decoder = new BuildProgressDecoder(log);
        try
        {
            await using var body = pipe.Reader.AsStream();
            // The raw-stream overload (obsolete in the fork only because it leaves waiting to the caller, which is what
            // we want) is the one that tolerates BuildKit's string "aux" records; the IProgress<JSONMessage> one throws.
#pragma warning disable CS0618
            using var progress = await _client.Images.BuildImageFromDockerfileAsync(body, parameters, abort.Token).ConfigureAwait(false);
#pragma warning restore CS0618
            await decoder.ReadAsync(progress, abort.Token).ConfigureAwait(false);
        }
        catch (DockerApiException e)
        {
            abort.Cancel();
            throw new ImageDslException(ErrorCodes.DaemonFailed, e, Endpoint.Uri, $"build image '{request.ImageName}'", e.ResponseBody?.Trim() ?? e.Message);
        }
        catch (Exception e) when (e is HttpRequestException or IOException && !cancellationToken.IsCancellationRequested)
        {
            abort.Cancel();
            if (writer.IsFaulted && writer.Exception!.InnerException is ImageDslException packing) throw packing;
            if (decoder.Started) throw decoder.ConnectionLost(request.ImageName, Endpoint.Uri, e);
            throw new ImageDslException(ErrorCodes.DaemonFailed, e, Endpoint.Uri, $"build image '{request.ImageName}'", Innermost(e));
        }

        try
        {
            await writer.ConfigureAwait(false);
        }
        catch (Exception e) when (decoder.Error is not null && e is not OperationCanceledException)
        {
            // The daemon stopped reading the context because the build already failed; its error says why.
        }

        return decoder.ImageIdOrThrow(request.ImageName, Endpoint.Uri);
    }

    /// <summary>
    /// The smoke run: create a container with no network, start it, wait up to <paramref name="timeout"/>, capture
    /// its output and exit code, and always remove it.
    /// </summary>
    public async Task<RunResult> RunAsync(string image, TimeSpan timeout, string networkMode, CancellationToken cancellationToken, IList<string>? command = null)
    {
        string id;
        try
        {
            var created = await _client.Containers.CreateContainerAsync(new CreateContainerParameters
            {
                Image = image,
                Cmd = command!,
                AttachStdout = true,
                AttachStderr = true,
                HostConfig = new HostConfig { NetworkMode = networkMode },
                Labels = new Dictionary<string, string> { ["org.imagedsl.smoke-run"] = "true" },
            }, cancellationToken).ConfigureAwait(false);
            id = created.ID;
        }
        catch (DockerApiException e)
        {
            throw new ImageDslException(ErrorCodes.DaemonFailed, e, Endpoint.Uri, $"create a container from '{image}'", e.ResponseBody?.Trim() ?? e.Message);
        }

        try
        {
            await _client.Containers.StartContainerAsync(id, new ContainerStartParameters(), cancellationToken).ConfigureAwait(false);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            long exitCode;
            try
            {
                exitCode = (await _client.Containers.WaitContainerAsync(id, deadline.Token).ConfigureAwait(false)).StatusCode;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new ImageDslException(ErrorCodes.SmokeTimeout, image, (int)timeout.TotalSeconds);
            }

            using var logs = await _client.Containers.GetContainerLogsAsync(id, new ContainerLogsParameters { ShowStdout = true, ShowStderr = true }, cancellationToken).ConfigureAwait(false);
            var (stdout, stderr) = await logs.ReadOutputToEndAsync(cancellationToken).ConfigureAwait(false);
            return new RunResult(exitCode, stdout, stderr);
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

    /// <summary>The image's configuration as the daemon stored it, or null when there is no such image.</summary>
    public async Task<ImageInspectResponse?> InspectImageAsync(string image, CancellationToken cancellationToken)
    {
        try
        {
            return await _client.Images.InspectImageAsync(image, cancellationToken).ConfigureAwait(false);
        }
        catch (DockerImageNotFoundException)
        {
            return null;
        }
        catch (DockerApiException e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>
    /// Makes sure a recorded image is still there under every one of <paramref name="tags"/>: null when the image is
    /// gone (it must be built again); otherwise the tags that pointed elsewhere or nowhere and were tagged again.
    /// </summary>
    public async Task<IReadOnlyList<string>?> EnsureTaggedAsync(string imageId, IReadOnlyList<string> tags, CancellationToken cancellationToken)
    {
        var image = await InspectImageAsync(imageId, cancellationToken).ConfigureAwait(false);
        if (image is null) return null;
        var present = new HashSet<string>((image.RepoTags ?? new List<string>()).Select(t => ImageReference.Parse(t).FullName), StringComparer.Ordinal);
        var retagged = new List<string>();
        foreach (var tag in tags)
        {
            var reference = ImageReference.Parse(tag);
            if (present.Contains(reference.FullName)) continue;
            await TagAsync(imageId, reference, cancellationToken).ConfigureAwait(false);
            retagged.Add(tag);
        }

        return retagged;
    }

    /// <summary>Removes an image reference (the image itself goes when no other reference keeps it); no such reference is no error.</summary>
    public async Task RemoveImageAsync(string reference, CancellationToken cancellationToken)
    {
        try
        {
            await _client.Images.DeleteImageAsync(reference, new ImageDeleteParameters { Force = true }, cancellationToken).ConfigureAwait(false);
        }
        catch (DockerImageNotFoundException)
        {
        }
        catch (DockerApiException e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
        }
    }

    /// <summary>Tags a built image with a registry reference.</summary>
    public async Task TagAsync(string image, ImageReference reference, CancellationToken cancellationToken)
    {
        try
        {
            await _client.Images.TagImageAsync(image, new ImageTagParameters { RepositoryName = reference.DaemonRepository, Tag = reference.Tag }, cancellationToken).ConfigureAwait(false);
        }
        catch (DockerApiException e)
        {
            throw new ImageDslException(ErrorCodes.DaemonFailed, e, Endpoint.Uri, $"tag '{image}' as {reference}", e.ResponseBody?.Trim() ?? e.Message);
        }
    }

    /// <summary>
    /// Pushes one tag and returns its digest. Transient failures (connection reset, registry 5xx) are retried with
    /// exponential backoff — unless the daemon already retried them itself; refused credentials are not. Everything,
    /// retries included, ends within <see cref="PushPolicy.Timeout"/>. A registry makes a tag visible only when the
    /// manifest — the last upload — succeeds, so a failed or cancelled push publishes no partial tag.
    /// </summary>
    public async Task<string> PushAsync(ImageReference reference, RegistryCredential? credential, PushPolicy policy, Action<string> log, CancellationToken cancellationToken)
    {
        var auth = new AuthConfig { ServerAddress = reference.Registry };
        if (credential is { IsIdentityToken: true }) auth.IdentityToken = credential.Secret;
        else if (credential is not null)
        {
            auth.Username = credential.Username;
            auth.Password = credential.Secret;
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(policy.Timeout);
        var answers = new PushAnswers();
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var (digest, error) = await PushOnceAsync(reference, auth, answers, deadline.Token).ConfigureAwait(false);
                if (error is null && digest is not null) return digest;
                var reason = Redact(error ?? "the daemon reported no digest", credential);
                switch (PushFailure.Classify(reason))
                {
                    case PushFailure.Kind.Authentication:
                        throw new ImageDslException(ErrorCodes.RegistryAuthenticationFailed, reference.Registry, reference.FullName, reason);
                    case PushFailure.Kind.Unreachable:
                        throw new ImageDslException(ErrorCodes.RegistryUnreachable, reference.Registry, reference.FullName, reason);
                    case PushFailure.Kind.Transient when attempt < policy.Attempts && !answers.DaemonRetried:
                        break;
                    default:
                        throw new ImageDslException(ErrorCodes.PushFailed, reference.Registry, reference.FullName, reason,
                            (attempt == 1 ? "1 attempt" : $"{attempt} attempts") + (answers.DaemonRetried ? ", the daemon having retried the uploads itself" : ""));
                }

                var delay = TimeSpan.FromTicks(policy.FirstRetryDelay.Ticks << (attempt - 1));
                log($"Push of {reference} failed ({reason}); retrying in {delay.TotalSeconds:0.#} s.");
                await Task.Delay(delay, deadline.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new ImageDslException(ErrorCodes.PushTimedOut, reference.Registry, reference.FullName, (int)Math.Ceiling(policy.Timeout.TotalSeconds),
                Redact(answers.Last ?? "nothing", credential));
        }
    }

    /// <summary>One push: the digest on success, else the registry's or daemon's error text.</summary>
    private async Task<(string? Digest, string? Error)> PushOnceAsync(ImageReference reference, AuthConfig auth, PushAnswers answers, CancellationToken cancellationToken)
    {
        string? digest = null;
        string? error = null;
        var progress = new Progress(message =>
        {
            if (message.Error is { } e) error = answers.Last = e.Message;
            else if (message.Status is { } status)
            {
                answers.Last = message.ID is { Length: > 0 } id ? id + ": " + status : status;
                answers.DaemonRetried |= PushFailure.IsDaemonRetry(status);
                if (status.Contains("digest: sha256:", StringComparison.Ordinal))
                {
                    digest = status.Substring(status.IndexOf("sha256:", StringComparison.Ordinal)).Split(' ')[0];
                }
            }
        });
        try
        {
            await _client.Images.PushImageAsync(reference.DaemonRepository, new ImagePushParameters { Tag = reference.Tag }, auth, progress, cancellationToken).ConfigureAwait(false);
        }
        catch (DockerApiException e)
        {
            error = answers.Last = e.ResponseBody?.Trim() ?? e.Message;
        }
        catch (Exception e) when (e is HttpRequestException or IOException && !cancellationToken.IsCancellationRequested)
        {
            throw new ImageDslException(ErrorCodes.DaemonFailed, e, Endpoint.Uri, $"push {reference}", Innermost(e));
        }

        return (digest, error);
    }

    /// <summary>What the daemon last relayed from the registry during a push, and whether it retried on its own.</summary>
    private sealed class PushAnswers
    {
        public string? Last { get; set; }

        public bool DaemonRetried { get; set; }
    }

    public void Dispose() => _client.Dispose();

    /// <summary>A registry's error text should never contain the password, but make sure of it.</summary>
    private static string Redact(string text, RegistryCredential? credential) =>
        credential is null || credential.Secret.Length == 0 ? text : text.Replace(credential.Secret, "***", StringComparison.Ordinal);

    private static string Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e is SocketException socket ? socket.SocketErrorCode + ": " + socket.Message : e.Message;
    }

    private sealed class Progress : IProgress<JSONMessage>
    {
        private readonly Action<JSONMessage> _report;

        public Progress(Action<JSONMessage> report) => _report = report;

        public void Report(JSONMessage value) => _report(value);
    }
}
