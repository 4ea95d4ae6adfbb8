using System;
using ImageDsl;

namespace Samples.WebApi;

/// <summary>
/// An ASP.NET Core app in a two-stage image. The build stage restores from the project file alone, with a cache
/// mount for NuGet packages, so a source-only change leaves the restore layer cached; then it publishes. The runtime
/// stage runs as a non-root user, exposes the port and declares a health check that the app answers itself (the
/// official aspnet image has no curl). Both base images are build arguments whose defaults are the real upstream
/// images; builds without internet access pass local stand-ins.
/// </summary>
[Image("samples/webapi", Context = "app", SmokeRun = false)]
public static partial class WebApiImage
{
    static readonly BuildArg SdkImage = new("SDK_IMAGE", "mcr.microsoft.com/dotnet/sdk:10.0");
    static readonly BuildArg RuntimeImage = new("RUNTIME_IMAGE", "mcr.microsoft.com/dotnet/aspnet:10.0");

    static Dockerfile Define()
    {
        var nugetCache = Mount.Cache("/root/.nuget/packages", id: "webapi-nuget");

        var build = Dockerfile.From(SdkImage).As("build")
            .Workdir("/src")
            .Comment("Restore from the project file alone: a source-only change keeps this layer cached.")
            .Copy("WebApi.csproj", "/src/")
            .Run("dotnet restore WebApi.csproj", mounts: [nugetCache])
            .Copy(".", "/src/")
            .Run("dotnet publish WebApi.csproj -c Release -o /app --no-restore", mounts: [nugetCache]);

        return Dockerfile.From(RuntimeImage).As("runtime")
            .Workdir("/app")
            .Copy("/app", "/app", from: build)
            .Env("ASPNETCORE_HTTP_PORTS", "8080")
            .Expose(8080)
            .User(Owner.Id(1654, 1654))
            .Healthcheck(Command.Exec("dotnet", "/app/WebApi.dll", "--check-health"),
                interval: TimeSpan.FromSeconds(10), timeout: TimeSpan.FromSeconds(5), startPeriod: TimeSpan.FromSeconds(5), retries: 3)
            .Entrypoint("dotnet", "/app/WebApi.dll");
    }
}
