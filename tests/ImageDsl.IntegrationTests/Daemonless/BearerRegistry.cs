using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace ImageDsl.IntegrationTests.Daemonless;

/// <summary>
/// A registry that wants Bearer tokens, as Docker Hub, ghcr.io and ACR do: every /v2/ request without the token gets
/// 401 with a <c>WWW-Authenticate: Bearer realm=…,service=…,scope=…</c> challenge; the realm hands out the token for
/// the right Basic credentials (and records the scopes asked for); requests with the token go to the real loopback
/// registry behind it. HttpListener on 127.0.0.1: a test stand-in for a token service, which the distribution
/// registry here only offers with signed JWTs and a certificate chain.
/// </summary>
public sealed class BearerRegistry : IAsyncDisposable
{
    private const string Token = "test-token-7f3a";
    private readonly HttpListener _listener = new();
    private readonly HttpClient _upstream = new(new SocketsHttpHandler { AllowAutoRedirect = false });
    private readonly string _target;
    private readonly string _user;
    private readonly string _password;
    private readonly Task _serving;
    private readonly List<string> _scopes = new();
    private int _challenges;

    public BearerRegistry(string target, string user, string password)
    {
        _target = target;
        _user = user;
        _password = password;
        var port = FreePort();
        Address = "127.0.0.1:" + port;
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _serving = ServeAsync();
    }

    public string Address { get; }

    /// <summary>The scopes the token service was asked for, in order.</summary>
    public IReadOnlyList<string> Scopes
    {
        get
        {
            lock (_scopes) return _scopes.ToList();
        }
    }

    public int Challenges => Volatile.Read(ref _challenges);

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        try
        {
            var path = request.Url!.AbsolutePath;
            if (path == "/token")
            {
                var basic = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(_user + ":" + _password));
                lock (_scopes) _scopes.AddRange(request.QueryString.GetValues("scope") ?? Array.Empty<string>());
                response.StatusCode = request.Headers["Authorization"] == basic ? 200 : 401;
                if (response.StatusCode == 200) await response.OutputStream.WriteAsync(Encoding.UTF8.GetBytes($"{{\"token\":\"{Token}\"}}"));
                return;
            }

            if (request.Headers["Authorization"] != "Bearer " + Token)
            {
                Interlocked.Increment(ref _challenges);
                var repository = System.Text.RegularExpressions.Regex.Match(path, "^/v2/(.+?)/(manifests|blobs)/").Groups[1].Value;
                response.StatusCode = 401;
                response.AddHeader("WWW-Authenticate",
                    $"Bearer realm=\"http://{Address}/token\",service=\"bearer-test\",scope=\"repository:{repository}:{(request.HttpMethod is "GET" or "HEAD" ? "pull" : "pull,push")}\"");
                return;
            }

            using var forward = new HttpRequestMessage(new HttpMethod(request.HttpMethod), $"http://{_target}{request.Url.PathAndQuery}");
            if (request.HasEntityBody)
            {
                var body = new MemoryStream();
                await request.InputStream.CopyToAsync(body);
                forward.Content = new ByteArrayContent(body.ToArray());
                if (request.ContentType is { } type) forward.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(type);
            }

            foreach (var accept in request.AcceptTypes ?? Array.Empty<string>()) forward.Headers.Accept.ParseAdd(accept);
            using var answer = await _upstream.SendAsync(forward);
            response.StatusCode = (int)answer.StatusCode;
            foreach (var (name, values) in answer.Headers)
            {
                if (name is "Location" or "Docker-Content-Digest" or "Docker-Upload-UUID" or "Range") response.AddHeader(name, string.Join(",", values).Replace(_target, Address));
            }

            var content = await answer.Content.ReadAsByteArrayAsync();
            if (answer.Content.Headers.ContentType is { } contentType) response.ContentType = contentType.ToString();
            if (request.HttpMethod == "HEAD")
            {
                response.ContentLength64 = answer.Content.Headers.ContentLength ?? 0;
            }
            else
            {
                await response.OutputStream.WriteAsync(content);
            }
        }
        finally
        {
            response.Close();
        }
    }

    private static int FreePort()
    {
        using var socket = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Close();
        await _serving;
        _upstream.Dispose();
    }
}
