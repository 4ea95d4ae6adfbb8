using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace ImageDsl.IntegrationTests.Daemonless;

/// <summary>
/// A registry that wants Bearer tokens, as Docker Hub, ghcr.io and ACR do: every /v2/ request without a token for
/// what it does gets 401 with a <c>WWW-Authenticate: Bearer realm=…,service=…,scope=…</c> challenge; the realm hands
/// out a token for exactly the scopes asked for, to the right Basic credentials (and records them); a request goes to
/// the real loopback registry behind it only with a token that grants what distribution checks — pull on the
/// repository to read it, push to write it, and for a cross-repository mount pull on the repository it comes from.
/// HttpListener on 127.0.0.1: a test stand-in for a token service, which the distribution registry here only offers
/// with signed JWTs and a certificate chain.
/// </summary>
public sealed class BearerRegistry : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly HttpClient _upstream = new(new SocketsHttpHandler { AllowAutoRedirect = false });
    private readonly string _target;
    private readonly string _user;
    private readonly string _password;
    private readonly Task _serving;
    private readonly List<string> _scopes = new();
    private int _challenges;
    private readonly List<string> _tokens = new();
    private readonly string? _tokenAnswer;

    /// <param name="tokenAnswer">What the token service answers the right credentials with instead of a token (a proxy's login page, say).</param>
    public BearerRegistry(string target, string user, string password, string? tokenAnswer = null)
    {
        _tokenAnswer = tokenAnswer;
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

    /// <summary>The tokens handed out, each as the scopes it grants (space-separated), in order.</summary>
    public IReadOnlyList<string> Tokens
    {
        get
        {
            lock (_scopes) return _tokens.ToList();
        }
    }

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
                var granted = Convert.ToBase64String(Encoding.UTF8.GetBytes(string.Join(" ", request.QueryString.GetValues("scope") ?? Array.Empty<string>())));
                if (response.StatusCode == 200)
                {
                    lock (_scopes) _tokens.Add(string.Join(" ", request.QueryString.GetValues("scope") ?? Array.Empty<string>()));
                }

                if (response.StatusCode == 200) await response.OutputStream.WriteAsync(Encoding.UTF8.GetBytes(_tokenAnswer ?? $"{{\"token\":\"{granted}\"}}"));
                return;
            }

            var repository = System.Text.RegularExpressions.Regex.Match(path, "^/v2/(.+?)/(manifests|blobs)/").Groups[1].Value;
            var needed = new List<(string Repository, string Action)> { (repository, request.HttpMethod is "GET" or "HEAD" ? "pull" : "push") };
            if (request.QueryString["from"] is { } from) needed.Add((from, "pull"));
            if (!needed.All(Granted(request.Headers["Authorization"]).Contains))
            {
                Interlocked.Increment(ref _challenges);
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

    // What a token grants: (repository, action) for each action of each scope it was asked for.
    private static HashSet<(string, string)> Granted(string? authorization)
    {
        var granted = new HashSet<(string, string)>();
        if (authorization is null || !authorization.StartsWith("Bearer ", StringComparison.Ordinal)) return granted;
        foreach (var scope in Encoding.UTF8.GetString(Convert.FromBase64String(authorization.Substring(7))).Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = scope.Split(':');
            foreach (var action in parts[^1].Split(',')) granted.Add((string.Join(":", parts[1..^1]), action));
        }

        return granted;
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
