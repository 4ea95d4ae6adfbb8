// The health check the image declares runs this same program with --check-health: it asks the running server's
// /health endpoint and exits 0 or 1, so the runtime image needs no curl.
if (args.Contains("--check-health"))
{
    var port = (Environment.GetEnvironmentVariable("ASPNETCORE_HTTP_PORTS") ?? "8080").Split(';')[0];
    using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
    try
    {
        using var response = await http.GetAsync($"http://127.0.0.1:{port}/health");
        return response.IsSuccessStatusCode ? 0 : 1;
    }
    catch (HttpRequestException)
    {
        return 1;
    }
}

var builder = WebApplication.CreateSlimBuilder(args);
var app = builder.Build();
app.MapGet("/", () => "Hello from the ImageDsl WebApi sample");
app.MapGet("/health", () => Results.Ok(new HealthStatus("healthy")));
await app.RunAsync();
return 0;

internal sealed record HealthStatus(string Status);
