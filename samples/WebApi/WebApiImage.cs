using System;
using ImageDsl;

namespace Samples.WebApi;

/// <summary>
/// This ASP.NET Core app, published on the host (DotNet.HostPublish) into the runtime image. It runs as a non-root
/// user, exposes its port and declares a health check that the app answers itself (the official aspnet image has no
/// curl). The build's smoke run probes /health over HTTP. The base image is a build argument whose default is the
/// real upstream image; builds without internet access pass a local stand-in.
/// </summary>
[Image("samples/webapi", ProbePort = 8080, ProbePath = "/health", ProbeBody = "healthy")]
public static partial class WebApiImage
{
    static readonly BuildArg RuntimeImage = new("RUNTIME_IMAGE", "mcr.microsoft.com/dotnet/aspnet:10.0");

    static Dockerfile Define() => Dockerfile.From(RuntimeImage)
        .Workdir("/app")
        .Copy(DotNet.HostPublish(), "/app/")
        .Env("ASPNETCORE_HTTP_PORTS", "8080")
        .Expose(8080)
        .User(Owner.Id(1654, 1654))
        .Healthcheck(Command.Exec("dotnet", "/app/WebApi.dll", "--check-health"),
            interval: TimeSpan.FromSeconds(10), timeout: TimeSpan.FromSeconds(5), startPeriod: TimeSpan.FromSeconds(5), retries: 3)
        .Entrypoint("dotnet", "/app/WebApi.dll");
}
