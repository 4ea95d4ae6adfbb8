using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using System.Text.Json;
using ImageDsl.Build.Docker;
using ImageDsl.Build.Session;
using ImageDsl.Session;
using ImageDsl.Session.Services;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;

// The session helper's protocol with the build task, on standard streams:
//   stdin, first line : the SessionConfiguration as JSON; then nothing until the task closes stdin to end the session.
//   stdout            : "ready" once the daemon accepted the session; "sent <files> <bytes> <peak working set>" (files
//                       and packet bytes of the context) when it ends.
//   stderr            : one line saying what went wrong, when something did; the exit code is then not 0.
var configuration = JsonSerializer.Deserialize<SessionConfiguration>(Console.In.ReadLine() ?? "")
    ?? throw new InvalidOperationException("No session configuration on standard input.");

// Kestrel serves gRPC on a unix socket only this user can reach; the daemon's side of the session is pumped into it.
var socketDirectory = Directory.CreateTempSubdirectory("imagedsl-session-");
File.SetUnixFileMode(socketDirectory.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
var socketPath = Path.Combine(socketDirectory.FullName, "grpc.sock");
var statistics = new TransferStatistics();

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.ListenUnixSocket(socketPath, listen => listen.Protocols = HttpProtocols.Http2);
    kestrel.Limits.Http2.MaxStreamsPerConnection = 1000;
});
builder.Services.AddGrpc(options => options.MaxReceiveMessageSize = 16 << 20);
builder.Services.AddSingleton(configuration);
builder.Services.AddSingleton(statistics);
var app = builder.Build();
app.MapGrpcService<HealthService>();
app.MapGrpcService<FileSyncService>();
app.MapGrpcService<SecretsService>();
app.MapGrpcService<SshService>();
app.MapGrpcService<AuthService>();

try
{
    await app.StartAsync();
    var endpoint = new Uri(configuration.Endpoint);
    await using var daemon = await DaemonConnection.OpenAsync(endpoint, configuration.TlsDirectory, configuration.VerifyTls, CancellationToken.None);
    await DaemonConnection.UpgradeAsync(daemon, "/session", "h2c", SessionHeaders.For(configuration), CancellationToken.None);

    using var local = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    await local.ConnectAsync(new UnixDomainSocketEndPoint(socketPath));
    await using var kestrelSide = new NetworkStream(local, ownsSocket: false);
    var fromDaemon = daemon.CopyToAsync(kestrelSide);
    var toDaemon = kestrelSide.CopyToAsync(daemon);
    Console.Out.WriteLine("ready");
    Console.Out.Flush();

    // The session lasts until the task closes stdin (the build is over) or the daemon closes the connection.
    var taskDone = Task.Run(() => Console.In.ReadToEnd());
    var first = await Task.WhenAny(taskDone, fromDaemon, toDaemon);
    Console.Out.WriteLine($"sent {statistics.Files} {statistics.Bytes} {System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64}");
    if (first != taskDone)
    {
        Console.Error.WriteLine("The daemon closed the build session.");
        return 3;
    }

    return 0;
}
catch (Exception e) when (e is IOException or SocketException or System.Security.Authentication.AuthenticationException)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}
finally
{
    using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(1));
    await app.StopAsync(stopping.Token);
    try
    {
        socketDirectory.Delete(recursive: true);
    }
    catch (IOException)
    {
    }
}
