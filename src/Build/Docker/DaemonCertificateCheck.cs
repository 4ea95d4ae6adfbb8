using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace ImageDsl.Build.Docker;

/// <summary>
/// The daemon's TLS certificate, checked as the docker CLI (Go's crypto/tls) checks it: it must chain to the CA in the
/// endpoint's ca.pem (not the machine's store) and name the host or IP address the daemon was reached by in its
/// subjectAltName (the common name alone does not count, as in Go since 1.15). The check is done here rather than read
/// from SslStream's policy errors, so it is the same whichever HTTP stack carries the connection; <see cref="Rejection"/>
/// says why a certificate was refused, for the error message. Also compiled into the session helper.
/// </summary>
public sealed class DaemonCertificateCheck : IDisposable
{
    private readonly string _host;
    private readonly X509Certificate2 _authority;

    public DaemonCertificateCheck(string host, X509Certificate2 authority)
    {
        _host = host;
        _authority = authority;
    }

    /// <summary>Why the last certificate was refused; null while none was.</summary>
    public string? Rejection { get; private set; }

    /// <summary>The check for a daemon reached at <paramref name="host"/>, with the CA from <paramref name="tlsDirectory"/>/ca.pem.</summary>
    public static DaemonCertificateCheck Load(string tlsDirectory, string host) =>
        new(host, X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(tlsDirectory, "ca.pem"))));

    public bool Validate(X509Certificate? certificate)
    {
        if (certificate is null)
        {
            Rejection = "it presented no certificate";
            return false;
        }

        using var server = new X509Certificate2(certificate);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (!chain.Build(server))
        {
            Rejection = $"its certificate ({server.Subject}) is not issued by the CA in ca.pem";
            return false;
        }

        if (!server.MatchesHostname(_host.Trim('[', ']'), allowWildcards: true, allowCommonName: false))
        {
            Rejection = $"its certificate is issued for {NamesOf(server)}, not for {_host}";
            return false;
        }

        return true;
    }

    private static string NamesOf(X509Certificate2 certificate)
    {
        var names = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>()
            .SelectMany(e => e.EnumerateDnsNames().Concat(e.EnumerateIPAddresses().Select(a => a.ToString())))
            .ToList();
        return names.Count > 0 ? string.Join(", ", names) : "no host name (" + certificate.Subject + ")";
    }

    public void Dispose() => _authority.Dispose();
}

/// <summary>The daemon's certificate was refused (see <see cref="DaemonCertificateCheck"/>); nothing was sent to it.</summary>
public sealed class DaemonCertificateException(Uri endpoint, string reason)
    : Exception($"The daemon at {endpoint} was not trusted: {reason}.")
{
    public Uri Endpoint { get; } = endpoint;

    public string Reason { get; } = reason;
}
