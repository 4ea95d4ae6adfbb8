using System.Globalization;
using System.Text.Json;
using Docker.DotNet.Models;
using ImageDsl.Build.Diagnostics;
using ImageDsl.Build.Docker;
using ImageDsl.Build.Metadata;

namespace ImageDsl.Build.Checks;

/// <summary>
/// The structure checks a definition declares (<c>Checks()</c>), against the real image: its configuration (user,
/// environment, exposed ports, entrypoint) and its files, read from a container created from it and never started.
/// Every failing check is one IMAGEDSL2020 that says what was expected and what was observed.
/// </summary>
public static class StructureChecks
{
    public static async Task<IReadOnlyList<ImageDslException>> RunAsync(DockerEngine engine, string imageId, string imageName, IReadOnlyList<StructureCheck> checks,
        CancellationToken cancellationToken)
    {
        var failures = new List<ImageDslException>();
        void Fail(string expected, string observed) => failures.Add(new ImageDslException(ErrorCodes.StructureCheckFailed, imageName, expected, observed));

        var config = (await engine.InspectImageAsync(imageId, cancellationToken).ConfigureAwait(false))?.Config ?? new DockerOCIImageConfig();
        // A file or directory is what a path leads to (through a link); "absent" means nothing at the path itself, so a
        // symbolic link there, dangling or not, is something.
        static PathQuery Query(StructureCheck c) => c.Kind == "absent" ? new PathQuery(c.Subject, Follow: false) : new PathQuery(c.Subject, c.Owner is not null);
        var paths = checks.Where(c => c.Kind is "file" or "directory" or "absent").Select(Query).Distinct().ToList();
        var found = paths.Count == 0 ? new Dictionary<PathQuery, PathStatus?>() : await engine.StatPathsAsync(imageId, paths, cancellationToken).ConfigureAwait(false);
        foreach (var check in checks)
        {
            switch (check.Kind)
            {
                case "file" or "directory":
                    var status = found[Query(check)];
                    var what = $"a {check.Kind} at {check.Subject}" + (check.Mode is { } m ? " with mode " + Octal(m) : "") + (check.Owner is { } o ? " owned by " + o : "");
                    if (status is null) Fail(what, "nothing there");
                    else if (status.IsDirectory != (check.Kind == "directory")) Fail(what, status.IsDirectory ? "a directory" : "a file");
                    else if (check.Mode is { } mode && status.Mode != mode) Fail(what, "mode " + Octal(status.Mode));
                    else if (check.Owner is { } owner && !SameOwner(owner, status)) Fail(what, $"owner {status.Uid}:{status.Gid}");
                    break;
                case "absent":
                    if (found[Query(check)] is { } present) Fail($"nothing at {check.Subject}", present.IsDirectory ? "a directory" : present.IsLink ? "a symbolic link" : "a file");
                    break;
                case "nonroot":
                    var user = config.User ?? "";
                    var (uid, how) = await UidAsync(engine, imageId, user.Split(':')[0], cancellationToken).ConfigureAwait(false);
                    if (uid is null) Fail("a user other than root", $"USER {user}, {how}");
                    else if (uid == 0) Fail("a user other than root", user.Length == 0 ? "no USER (root)" : $"USER {user}, uid 0{how}");
                    break;
                case "env":
                    var key = check.Subject.Substring(0, check.Subject.IndexOf('='));
                    var actual = (config.Env ?? new List<string>()).LastOrDefault(e => e.StartsWith(key + "=", StringComparison.Ordinal));
                    if (actual != check.Subject) Fail(check.Subject + " in the environment", actual ?? $"{key} not set");
                    break;
                case "port":
                    if (config.ExposedPorts?.ContainsKey(check.Subject) != true) Fail($"EXPOSE {check.Subject}", "exposed: " + (config.ExposedPorts is { Count: > 0 } ports ? string.Join(", ", ports.Keys) : "none"));
                    break;
                case "entrypoint":
                    var expected = JsonSerializer.Deserialize<string[]>(check.Subject)!;
                    var entrypoint = config.Entrypoint ?? new List<string>();
                    if (!entrypoint.SequenceEqual(expected)) Fail("ENTRYPOINT " + check.Subject, "ENTRYPOINT " + JsonSerializer.Serialize(entrypoint));
                    break;
            }
        }

        return failures;
    }

    /// <summary>
    /// The uid a container of the image runs as, found as runc finds it: empty is root; a number (Go's Atoi: "00" and
    /// "+0" are 0) is that uid; a name is the first /etc/passwd entry of that name. Null, with why, when the container
    /// could not start (a name the image does not list, a uid out of range).
    /// </summary>
    private static async Task<(long? Uid, string How)> UidAsync(DockerEngine engine, string imageId, string name, CancellationToken cancellationToken)
    {
        if (name.Length == 0) return (0, "");
        if (long.TryParse(name, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
        {
            return number is >= 0 and <= int.MaxValue ? (number, "") : (null, "a uid out of range (the container cannot start)");
        }

        var passwd = await engine.ReadImageFileAsync(imageId, "/etc/passwd", cancellationToken).ConfigureAwait(false);
        foreach (var line in (passwd ?? "").Split('\n'))
        {
            var fields = line.Trim().Split(':');
            if (fields.Length > 2 && fields[0] == name && long.TryParse(fields[2], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var listed))
            {
                return (listed, " in /etc/passwd");
            }
        }

        return (null, passwd is null ? "and the image has no /etc/passwd (the container cannot start)" : "which /etc/passwd does not list (the container cannot start)");
    }

    private static bool SameOwner(string owner, PathStatus status)
    {
        var parts = owner.Split(':');
        return uint.Parse(parts[0], CultureInfo.InvariantCulture) == status.Uid && (parts.Length == 1 || uint.Parse(parts[1], CultureInfo.InvariantCulture) == status.Gid);
    }

    private static string Octal(int mode) => Convert.ToString(mode, 8).PadLeft(4, '0');
}
