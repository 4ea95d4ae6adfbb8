using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using ImageDsl.Internal;
using ImageDsl.Rendering;

namespace ImageDsl
{
    /// <summary>
    /// What the built image must be, checked after the build against the real image and a container created from it
    /// (never started): files and directories that exist (with a mode and numeric owner, when given) or are absent, a
    /// non-root user, environment values, exposed ports and the entrypoint. Declare them in the [Image] class:
    /// <code>static ContainerChecks Checks() => ContainerChecks.Expect.File("/app/Api.dll").Absent("/app/ImageDsl.dll").NonRoot();</code>
    /// The generator evaluates <c>Checks()</c> like <c>Define()</c>; each failure is IMAGEDSL2020, expected and observed.
    /// </summary>
    public sealed class ContainerChecks : IEquatable<ContainerChecks>
    {
        private ContainerChecks(EquatableList<Check> items) => Items = items;

        /// <summary>No checks yet: the start of a chain.</summary>
        public static ContainerChecks Expect { get; } = new ContainerChecks(EquatableList<Check>.Empty);

        /// <summary>The checks, in the order written.</summary>
        public EquatableList<Check> Items { get; }

        /// <summary>A regular file (or a link to one) at <paramref name="path"/>, with this mode and owner when given.</summary>
        public ContainerChecks File(string path, FileMode? mode = null, Owner? owner = null) => Add(new Check("file", Absolute(path, nameof(path)), mode?.Bits, Numeric(owner)));

        /// <summary>A directory at <paramref name="path"/>, with this mode and owner when given.</summary>
        public ContainerChecks Directory(string path, FileMode? mode = null, Owner? owner = null) => Add(new Check("directory", Absolute(path, nameof(path)), mode?.Bits, Numeric(owner)));

        /// <summary>Nothing at <paramref name="path"/>, not even a symbolic link (File and Directory look through one).</summary>
        public ContainerChecks Absent(string path) => Add(new Check("absent", Absolute(path, nameof(path)), null, null));

        /// <summary>
        /// The image's container runs as a uid other than 0, found as runc finds it: no USER is root, a number is that
        /// uid (<c>00</c> is 0), a name is the uid the image's /etc/passwd gives it (one it does not list fails: such a
        /// container cannot start).
        /// </summary>
        public ContainerChecks NonRoot() => Add(new Check("nonroot", "", null, null));

        /// <summary>The image's environment has <paramref name="key"/> set to exactly <paramref name="value"/>.</summary>
        public ContainerChecks Env(string key, string value)
        {
            if (string.IsNullOrEmpty(key) || key.Contains("=")) throw new DockerfileException(DiagnosticIds.InvalidArgument, $"'{key}' is not an environment variable name.");
            return Add(new Check("env", key + "=" + (value ?? throw new DockerfileException(DiagnosticIds.InvalidArgument, "An environment value cannot be null.")), null, null));
        }

        /// <summary>The image exposes each of <paramref name="ports"/> (as EXPOSE writes them: 8080/tcp).</summary>
        public ContainerChecks Exposes(params Port[] ports)
        {
            var result = this;
            foreach (var port in ports ?? Array.Empty<Port>())
            {
                // The image's configuration lists a range port by port, as 8080/tcp.
                for (var number = port.First; number <= port.Last; number++)
                {
                    result = result.Add(new Check("port", number.ToString(System.Globalization.CultureInfo.InvariantCulture) + "/" + port.Protocol.ToString().ToLowerInvariant(), null, null));
                }
            }

            return result;
        }

        /// <summary>The image's entrypoint is exactly <paramref name="arguments"/>.</summary>
        public ContainerChecks Entrypoint(params string[] arguments)
        {
            if (arguments is null || arguments.Length == 0) throw new DockerfileException(DiagnosticIds.InvalidArgument, "Give the entrypoint's arguments, e.g. Entrypoint(\"dotnet\", \"/app/Api.dll\").");
            var json = new StringBuilder("[");
            for (var i = 0; i < arguments.Length; i++) Syntax.AppendJsonString(i == 0 ? json : json.Append(','), arguments[i]);
            return Add(new Check("entrypoint", json.Append(']').ToString(), null, null));
        }

        /// <summary>The checks as JSON, for the build step: <c>[{"kind":…,"subject":…,"mode":493|null,"owner":"0:0"|null}]</c>.</summary>
        public string ToJson()
        {
            var json = new StringBuilder("[");
            for (var i = 0; i < Items.Count; i++)
            {
                var check = Items[i];
                if (i > 0) json.Append(',');
                json.Append("{\"kind\":\"").Append(check.Kind).Append("\",\"subject\":");
                Syntax.AppendJsonString(json, check.Subject).Append(",\"mode\":").Append(check.Mode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "null").Append(",\"owner\":");
                if (check.Owner is null) json.Append("null");
                else Syntax.AppendJsonString(json, check.Owner);
                json.Append('}');
            }

            return json.Append(']').ToString();
        }

        public bool Equals(ContainerChecks? other) => other is not null && Items.Equals(other.Items);

        public override bool Equals(object? obj) => Equals(obj as ContainerChecks);

        public override int GetHashCode() => Items.GetHashCode();

        public override string ToString() => ToJson();

        private ContainerChecks Add(Check check) => new ContainerChecks(EquatableList<Check>.From(Items.Concat(new[] { check })));

        private static string Absolute(string path, string parameter)
        {
            if (path is null || !path.StartsWith("/", StringComparison.Ordinal) || path.IndexOf('\0') >= 0)
            {
                throw new DockerfileException(DiagnosticIds.InvalidArgument, $"'{path}' is not an absolute path in the image: start it with '/'.");
            }

            return path;
        }

        // A tar header holds numeric ids only: a name would need the image's /etc/passwd, which the check does not read.
        private static string? Numeric(Owner? owner)
        {
            if (owner is null) return null;
            if (!uint.TryParse(owner.User, out _) || (owner.Group is not null && !uint.TryParse(owner.Group, out _)))
            {
                throw new DockerfileException(DiagnosticIds.InvalidArgument, $"Owner '{owner}' is a name: a check compares numeric ids, so use Owner.Id(uid, gid).");
            }

            return owner.ToString();
        }
    }

    /// <summary>One check: its kind (file, directory, absent, nonroot, env, port, entrypoint), its subject, and for files a mode and owner.</summary>
    public sealed record Check(string Kind, string Subject, int? Mode, string? Owner);
}
