using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using ImageDsl.Build.Diagnostics;
using ImageDsl.Build.Docker;
using Xunit;

namespace ImageDsl.IntegrationTests.Engine;

/// <summary>
/// A TLS "daemon" on 127.0.0.1 whose certificate comes from the client's own CA: issued for another name it must be
/// refused before a single request byte is sent — by the Engine API client and by the session's raw connection alike,
/// as the docker CLI refuses it — and issued for 127.0.0.1 it is accepted (the control that shows the server works).
/// </summary>
public sealed class DaemonCertificateTests : IDisposable
{
    private readonly DirectoryInfo _certificates = Directory.CreateTempSubdirectory("imagedsl-tls-");
    private readonly X509Certificate2 _authority;
    private readonly RSA _authorityKey = RSA.Create(2048);

    public DaemonCertificateTests()
    {
        var request = new CertificateRequest("CN=imagedsl-test-ca", _authorityKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        _authority = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllText(Path.Combine(_certificates.FullName, "ca.pem"), _authority.ExportCertificatePem());
        using var client = Issue("CN=imagedsl-client", null, serverAuth: false);
        File.WriteAllText(Path.Combine(_certificates.FullName, "cert.pem"), client.ExportCertificatePem());
        File.WriteAllText(Path.Combine(_certificates.FullName, "key.pem"), client.GetRSAPrivateKey()!.ExportPkcs8PrivateKeyPem());
    }

    public void Dispose()
    {
        _certificates.Delete(true);
        _authority.Dispose();
        _authorityKey.Dispose();
    }

    [Fact]
    public async Task A_certificate_for_another_name_is_refused_before_any_request()
    {
        await using var daemon = new TlsDaemon(Issue("CN=daemon", san => san.AddDnsName("daemon.example"), serverAuth: true));
        var endpoint = new DockerEndpoint(new Uri("tcp://127.0.0.1:" + daemon.Port), _certificates.FullName, true, "tests");

        var error = await Assert.ThrowsAsync<ImageDslException>(() => DockerEngine.ConnectAsync(endpoint, TimeSpan.FromSeconds(10), CancellationToken.None));
        Assert.Equal(ErrorCodes.DaemonCertificateRejected, error.Code);
        Assert.Contains("issued for daemon.example, not for 127.0.0.1", error.Message);

        var raw = await Assert.ThrowsAsync<DaemonCertificateException>(() => DaemonConnection.OpenAsync(endpoint.Uri, _certificates.FullName, true, CancellationToken.None));
        Assert.Contains("daemon.example", raw.Reason);

        Assert.Equal(0, daemon.RequestBytes);
    }

    [Fact]
    public async Task A_certificate_for_the_host_from_the_CA_is_accepted()
    {
        await using var daemon = new TlsDaemon(Issue("CN=daemon", san => san.AddIpAddress(IPAddress.Loopback), serverAuth: true));
        var endpoint = new DockerEndpoint(new Uri("tcp://127.0.0.1:" + daemon.Port), _certificates.FullName, true, "tests");

        using var engine = await DockerEngine.ConnectAsync(endpoint, TimeSpan.FromSeconds(10), CancellationToken.None);

        Assert.Equal("linux", engine.Os);
        Assert.True(daemon.RequestBytes > 0);
    }

    [Fact]
    public async Task A_certificate_from_another_CA_is_refused()
    {
        using var otherKey = RSA.Create(2048);
        var otherRequest = new CertificateRequest("CN=daemon", otherKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        otherRequest.CertificateExtensions.Add(names.Build());
        using var selfSigned = otherRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        await using var daemon = new TlsDaemon(X509CertificateLoader.LoadPkcs12(selfSigned.Export(X509ContentType.Pfx), null));
        var endpoint = new DockerEndpoint(new Uri("tcp://127.0.0.1:" + daemon.Port), _certificates.FullName, true, "tests");

        var error = await Assert.ThrowsAsync<ImageDslException>(() => DockerEngine.ConnectAsync(endpoint, TimeSpan.FromSeconds(10), CancellationToken.None));

        Assert.Equal(ErrorCodes.DaemonCertificateRejected, error.Code);
        Assert.Contains("not issued by the CA", error.Message);
        Assert.Equal(0, daemon.RequestBytes);
    }

    private X509Certificate2 Issue(string subject, Action<SubjectAlternativeNameBuilder>? names, bool serverAuth)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        if (names is not null)
        {
            var builder = new SubjectAlternativeNameBuilder();
            names(builder);
            request.CertificateExtensions.Add(builder.Build());
        }

        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            new OidCollection { new Oid(serverAuth ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2") }, false));
        var serial = RandomNumberGenerator.GetBytes(8);
        using var issued = request.Create(_authority.SubjectName, X509SignatureGenerator.CreateForRSA(_authorityKey, RSASignaturePadding.Pkcs1),
            DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(12), serial);
        using var withKey = issued.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pfx), null);
    }

    /// <summary>Answers GET …/version like a Linux daemon, after a TLS handshake; counts the request bytes it receives.</summary>
    private sealed class TlsDaemon : LoopbackServer
    {
        private readonly X509Certificate2 _certificate;
        private int _requestBytes;

        public TlsDaemon(X509Certificate2 certificate)
        {
            _certificate = certificate;
            Start();
        }

        public int RequestBytes => Volatile.Read(ref _requestBytes);

        protected override async Task ServeAsync(Socket client)
        {
            await using var tls = new SslStream(new NetworkStream(client, ownsSocket: false));
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate, ClientCertificateRequired = false }, Stopping);
            var buffer = new byte[8192];
            var request = new StringBuilder();
            while (!request.ToString().Contains("\r\n\r\n"))
            {
                var read = await tls.ReadAsync(buffer, Stopping);
                if (read == 0) return;
                Interlocked.Add(ref _requestBytes, read);
                request.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }

            const string body = """{"Version":"20.10.24","ApiVersion":"1.41","Os":"linux","Arch":"amd64"}""";
            await tls.WriteAsync(Encoding.ASCII.GetBytes(
                $"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}"), Stopping);
        }

        public override async ValueTask DisposeAsync()
        {
            await base.DisposeAsync();
            _certificate.Dispose();
        }
    }
}
