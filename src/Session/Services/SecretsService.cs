using Google.Protobuf;
using Grpc.Core;
using ImageDsl.Build.Session;
using ImageDsl.Session.Protocol;

namespace ImageDsl.Session.Services;

/// <summary>
/// Hands a build secret's value to the daemon when a RUN step mounts it, read from its source at that moment. An id
/// with no source is NotFound, which BuildKit reports for a required secret and skips for an optional one.
/// </summary>
internal sealed class SecretsService(SessionConfiguration configuration) : Secrets.SecretsBase
{
    public override async Task<GetSecretResponse> GetSecret(GetSecretRequest request, ServerCallContext context)
    {
        var source = configuration.Secrets.FirstOrDefault(s => s.Id == request.ID)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"secret {request.ID} not found"));
        byte[] value;
        if (source.Environment is { } variable)
        {
            value = System.Text.Encoding.UTF8.GetBytes(Environment.GetEnvironmentVariable(variable)
                ?? throw new RpcException(new Status(StatusCode.NotFound, $"secret {request.ID}: environment variable {variable} is not set")));
        }
        else
        {
            try
            {
                value = await File.ReadAllBytesAsync(source.File!, context.CancellationToken);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new RpcException(new Status(StatusCode.NotFound, $"secret {request.ID}: {source.File} cannot be read"));
            }
        }

        return new GetSecretResponse { Data = ByteString.CopyFrom(value) };
    }
}
