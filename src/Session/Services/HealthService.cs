using Grpc.Core;
using ImageDsl.Session.Protocol;

namespace ImageDsl.Session.Services;

/// <summary>The daemon checks a session's health while the build runs; a session that answers is serving.</summary>
internal sealed class HealthService : Health.HealthBase
{
    public override Task<HealthCheckResponse> Check(HealthCheckRequest request, ServerCallContext context) =>
        Task.FromResult(new HealthCheckResponse { Status = HealthCheckResponse.Types.ServingStatus.Serving });
}
