using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace ImageDsl.Build.Docker;

/// <summary>
/// A raw connection to the daemon's Engine API, for what Docker.DotNet cannot express: the HTTP upgrade of
/// <c>POST /session</c> (the BuildKit session) and a build tied to a session. A unix socket, or TCP with TLS set up as
/// the docker CLI does it: the client certificate from cert.pem/key.pem, the server checked against ca.pem and, like
/// Go's crypto/tls, against the host name or IP address it was reached by. Also compiled into the session helper.
/// </summary>
public static class DaemonConnection
{
    /// <summary>The Engine API path prefix ImageDsl speaks (API 1.41, Engine 20.10 and later).</summary>
    public const string ApiPrefix = "/v1.41";

    /// <summary>Opens a stream to the daemon; the caller speaks HTTP/1.1 on it.</summary>
    public static async Task<Stream> OpenAsync(Uri endpoint, string? tlsDirectory, bool verifyTls, CancellationToken cancellationToken)
    {
        if (endpoint.Scheme == "unix")
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(endpoint.AbsolutePath), cancellationToken).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        var client = new TcpClient { NoDelay = true };
        try
        {
            await client.ConnectAsync(endpoint.Host, endpoint.Port, cancellationToken).ConfigureAwait(false);
            Stream stream = client.GetStream();
            if (tlsDirectory is null) return stream;

            var tls = new SslStream(stream, leaveInnerStreamOpen: false);
            using var check = DaemonCertificateCheck.Load(tlsDirectory, endpoint.Host);
            try
            {
                await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                {
                    TargetHost = endpoint.Host,
                    ClientCertificates = new X509CertificateCollection { ClientCertificate(tlsDirectory) },
                    RemoteCertificateValidationCallback = (_, certificate, _, _) => !verifyTls || check.Validate(certificate),
                }, cancellationToken).ConfigureAwait(false);
            }
            catch (System.Security.Authentication.AuthenticationException) when (check.Rejection is not null)
            {
                throw new DaemonCertificateException(endpoint, check.Rejection);
            }

            return tls;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>The client certificate the docker CLI presents: cert.pem with key.pem.</summary>
    public static X509Certificate2 ClientCertificate(string tlsDirectory) =>
        X509Certificate2.CreateFromPemFile(Path.Combine(tlsDirectory, "cert.pem"), Path.Combine(tlsDirectory, "key.pem"));

    /// <summary>
    /// Sends <c>POST path</c> with <c>Connection: Upgrade</c>, <c>Upgrade: proto</c> and the given headers, and returns once
    /// the daemon answers 101 Switching Protocols: from then on <paramref name="stream"/> speaks <paramref name="proto"/>.
    /// </summary>
    public static async Task UpgradeAsync(Stream stream, string path, string proto, IEnumerable<KeyValuePair<string, string>> headers, CancellationToken cancellationToken)
    {
        var request = new StringBuilder();
        request.Append("POST ").Append(ApiPrefix).Append(path).Append(" HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: ").Append(proto).Append("\r\n");
        foreach (var (name, value) in headers) request.Append(name).Append(": ").Append(value).Append("\r\n");
        request.Append("Content-Length: 0\r\n\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request.ToString()), cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);

        // Read the response head byte by byte: what follows the blank line already belongs to the upgraded protocol.
        var head = new List<byte>();
        var one = new byte[1];
        while (head.Count < 4 || !(head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n'))
        {
            if (await stream.ReadAsync(one, cancellationToken).ConfigureAwait(false) == 0) throw new IOException("The daemon closed the connection before answering the upgrade.");
            head.Add(one[0]);
            if (head.Count > 64 * 1024) throw new IOException("The daemon's answer to the upgrade is too long.");
        }

        var status = Encoding.ASCII.GetString(head.ToArray()).Split("\r\n")[0];
        if (!status.Contains(" 101", StringComparison.Ordinal)) throw new IOException($"The daemon refused the upgrade to {proto}: {status}");
    }

    /// <summary>An HttpClient whose every connection is <see cref="OpenAsync"/>, for plain Engine API calls on the same terms.</summary>
    public static HttpClient CreateHttpClient(Uri endpoint, string? tlsDirectory, bool verifyTls) =>
        new(new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellationToken) => await OpenAsync(endpoint, tlsDirectory, verifyTls, cancellationToken).ConfigureAwait(false),
            PooledConnectionLifetime = TimeSpan.FromMinutes(1),
        })
        {
            BaseAddress = new Uri("http://docker" + ApiPrefix + "/"),
            Timeout = Timeout.InfiniteTimeSpan,
        };
}
