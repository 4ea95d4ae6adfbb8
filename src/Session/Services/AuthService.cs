using Grpc.Core;
using ImageDsl.Build.Session;
using ImageDsl.Session.Protocol;

namespace ImageDsl.Session.Services;

/// <summary>
/// Registry credentials for the daemon's pulls (a FROM image in a private registry), by host. The task resolved them
/// from docker's config, credential helpers and the registry-scoped CI variables for the registries the build names;
/// an unknown host gets no credentials, so a login goes nowhere it was not meant for.
/// </summary>
internal sealed class AuthService(SessionConfiguration configuration) : Auth.AuthBase
{
    public override Task<CredentialsResponse> Credentials(CredentialsRequest request, ServerCallContext context)
    {
        var host = request.Host is "registry-1.docker.io" or "index.docker.io" ? "docker.io" : request.Host;
        var credential = configuration.Credentials.FirstOrDefault(c => string.Equals(c.Host, host, StringComparison.OrdinalIgnoreCase));
        return Task.FromResult(credential is null
            ? new CredentialsResponse()
            : new CredentialsResponse { Username = credential.Username, Secret = credential.Secret });
    }
}
