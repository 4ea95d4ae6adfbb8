namespace ImageDsl.Build.Session;

/// <summary>
/// Everything the session helper needs, sent as one JSON line on its standard input (never on the command line, where
/// other users could read it): how to reach the daemon, the session's identity, the directories it may send and the
/// secrets, SSH agents and registry credentials it may hand out. Also compiled into the helper.
/// </summary>
public sealed record SessionConfiguration(
    string Endpoint,
    string? TlsDirectory,
    bool VerifyTls,
    string SessionId,
    string Name,
    string SharedKey,
    IReadOnlyList<SyncedDirectory> Directories,
    IReadOnlyList<SecretSource> Secrets,
    IReadOnlyList<SshAgent> SshAgents,
    IReadOnlyList<HostCredential> Credentials);

/// <summary>
/// A directory the daemon may ask for by name ("context", "dockerfile"), and the entries of it that may be sent
/// ('/'-separated, parents first). Entry names are bytes (JSON base64): a name need not be UTF-8, and JSON text cannot
/// carry the escaped form <see cref="ImageDsl.Build.Context.FileName"/> gives it.
/// </summary>
public sealed record SyncedDirectory(string Name, string Root, IReadOnlyList<byte[]> Entries, IReadOnlyList<DirectoryMount>? Mounts = null, long? FileTime = null)
{
    /// <summary>Where an entry's bytes are on disk: under the mount whose prefix it has, else under <see cref="Root"/>.</summary>
    public string PathOf(string entry)
    {
        foreach (var mount in Mounts ?? Array.Empty<DirectoryMount>())
        {
            if (entry == mount.Prefix) return mount.Root;
            if (entry.StartsWith(mount.Prefix + "/", StringComparison.Ordinal)) return mount.Root.TrimEnd('/') + entry.Substring(mount.Prefix.Length);
        }

        return Root.TrimEnd('/') + "/" + entry;
    }
}

/// <summary>
/// A directory of the host that appears in a synced directory under <see cref="Prefix"/> (e.g. ".imagedsl/publish/self"):
/// what ImageDsl adds to a build context from outside it.
/// </summary>
public sealed record DirectoryMount(string Prefix, string Root);

/// <summary>Where a build secret's value comes from: an environment variable or a file. The helper reads it only when the daemon asks.</summary>
public sealed record SecretSource(string Id, string? Environment, string? File);

/// <summary>An SSH agent socket the daemon may forward for an id (<c>default</c> unless the definition names one).</summary>
public sealed record SshAgent(string Id, string Socket);

/// <summary>A registry login for the daemon's pulls through the session (private base images).</summary>
public sealed record HostCredential(string Host, string Username, string Secret);
