using System.Diagnostics;
using ImageDsl.Build.Diagnostics;
using ImageDsl.Build.Metadata;
using ImageDsl.Build.Registry;

namespace ImageDsl.Build.Session;

/// <summary>A secret's source as the project gives it: an <c>ImageDslSecret</c> item with Environment or File metadata.</summary>
public sealed record SecretItem(string Id, string? Environment, string? File);

/// <summary>An SSH agent as the project gives it: an <c>ImageDslSsh</c> item with Socket or Keys metadata, or neither (SSH_AUTH_SOCK).</summary>
public sealed record SshItem(string Id, string? Socket, IReadOnlyList<string> Keys);

/// <summary>
/// Resolves what a build's session may hand out, before anything is sent, so that a missing or unreadable source is
/// one coded error naming the secret or agent — never its value. Values are not read here: the session helper reads
/// a secret from its source when the daemon asks for it.
/// </summary>
public static class SessionSources
{
    /// <summary>The sources of the secrets the build mounts (IMAGEDSL2013 for a required one without a readable source).</summary>
    public static IReadOnlyList<SecretSource> Secrets(string imageName, IEnumerable<MountedId> used, IReadOnlyList<SecretItem> items, Func<string, string?> environment)
    {
        var sources = new List<SecretSource>();
        foreach (var mount in used.GroupBy(m => m.Id).Select(g => new MountedId(g.First().Stage, g.Key, g.Any(m => m.Required))))
        {
            var item = items.LastOrDefault(i => i.Id == mount.Id);
            if (item is null)
            {
                if (mount.Required) throw new ImageDslException(ErrorCodes.SecretUnavailable, imageName, mount.Id, $"no <ImageDslSecret Include=\"{mount.Id}\" Environment=\"…\" /> (or File=\"…\") gives it a value");
                continue;
            }

            if ((item.Environment is null) == (item.File is null))
            {
                throw new ImageDslException(ErrorCodes.InvalidProperty, $"ImageDslSecret '{item.Id}'", "Environment / File", "give exactly one of Environment (a variable name) and File (a path)");
            }

            if (item.Environment is { } variable && environment(variable) is null)
            {
                throw new ImageDslException(ErrorCodes.SecretUnavailable, imageName, item.Id, $"the environment variable {variable} is not set");
            }

            if (item.File is { } file)
            {
                try
                {
                    using var _ = File.OpenRead(file);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new ImageDslException(ErrorCodes.SecretUnavailable, imageName, item.Id, $"the file {file} cannot be read ({e.GetType().Name})");
                }
            }

            sources.Add(new SecretSource(item.Id, item.Environment, item.File is null ? null : Path.GetFullPath(item.File)));
        }

        return sources;
    }

    /// <summary>
    /// The agents for the SSH mounts of the build (IMAGEDSL2014 for a required one without an agent). An item with Keys
    /// gets an agent of its own, started here with ssh-agent and loaded with ssh-add, as <c>docker build --ssh id=key</c>
    /// does; dispose the result to stop those agents.
    /// </summary>
    public static SshAgents SshAgents(string imageName, IEnumerable<MountedId> used, IReadOnlyList<SshItem> items, Func<string, string?> environment)
    {
        var agents = new SshAgents();
        try
        {
            foreach (var mount in used.GroupBy(m => m.Id).Select(g => new MountedId(g.First().Stage, g.Key, g.Any(m => m.Required))))
            {
                var item = items.LastOrDefault(i => i.Id == mount.Id);
                if (item is null)
                {
                    if (mount.Required) throw new ImageDslException(ErrorCodes.SshAgentUnavailable, imageName, mount.Id, $"no <ImageDslSsh Include=\"{mount.Id}\" /> forwards an agent for it");
                    continue;
                }

                var socket = item.Keys.Count > 0 ? agents.Start(imageName, item) : item.Socket ?? environment("SSH_AUTH_SOCK");
                if (socket is null) throw new ImageDslException(ErrorCodes.SshAgentUnavailable, imageName, item.Id, "SSH_AUTH_SOCK is not set: start ssh-agent, or give Socket or Keys");
                if (!File.Exists(socket)) throw new ImageDslException(ErrorCodes.SshAgentUnavailable, imageName, item.Id, $"there is no agent socket at {socket}");
                agents.Add(new SshAgent(item.Id, socket));
            }

            return agents;
        }
        catch
        {
            agents.Dispose();
            throw;
        }
    }

    /// <summary>Logins for the registries of the images the build pulls (FROM and copied from), where one is configured.</summary>
    public static IReadOnlyList<HostCredential> Credentials(IEnumerable<string> images, RegistryCredentials credentials)
    {
        var result = new List<HostCredential>();
        foreach (var registry in images.Select(ImageReference.RegistryOf).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            if (credentials.Find(registry) is not { } credential) continue;
            result.Add(credential.IsIdentityToken ? new HostCredential(registry, "", credential.Secret) : new HostCredential(registry, credential.Username, credential.Secret));
        }

        return result;
    }
}

/// <summary>The SSH agents of one build, and the ones started for it (stopped on dispose).</summary>
public sealed class SshAgents : IDisposable
{
    private readonly List<SshAgent> _agents = new();
    private readonly List<(Process Process, DirectoryInfo Directory)> _started = new();

    public IReadOnlyList<SshAgent> Agents => _agents;

    internal void Add(SshAgent agent) => _agents.Add(agent);

    internal string Start(string imageName, SshItem item)
    {
        var directory = Directory.CreateTempSubdirectory("imagedsl-ssh-");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(directory.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var socket = Path.Combine(directory.FullName, "agent.sock");
        Process agent;
        try
        {
            agent = Process.Start(new ProcessStartInfo("ssh-agent", $"-D -a \"{socket}\"") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true })!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            directory.Delete(true);
            throw new ImageDslException(ErrorCodes.SshAgentUnavailable, imageName, item.Id, "ssh-agent is not installed (it holds the key files for the build)");
        }

        _started.Add((agent, directory));
        for (var i = 0; i < 100 && !File.Exists(socket) && !agent.HasExited; i++) Thread.Sleep(20);
        foreach (var key in item.Keys)
        {
            var add = new ProcessStartInfo("ssh-add", $"-q \"{key}\"") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
            add.Environment["SSH_AUTH_SOCK"] = socket;
            add.Environment.Remove("DISPLAY");
            add.Environment.Remove("SSH_ASKPASS");
            using var process = Process.Start(add)!;
            process.StandardInput.Close();
            var error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0) throw new ImageDslException(ErrorCodes.SshAgentUnavailable, imageName, item.Id, $"ssh-add could not load {key}: {error.Trim()}");
        }

        return socket;
    }

    public void Dispose()
    {
        foreach (var (process, directory) in _started)
        {
            try
            {
                if (!process.HasExited) process.Kill();
                process.WaitForExit(2000);
            }
            catch (InvalidOperationException)
            {
            }

            process.Dispose();
            try
            {
                directory.Delete(true);
            }
            catch (IOException)
            {
            }
        }

        _started.Clear();
    }
}
