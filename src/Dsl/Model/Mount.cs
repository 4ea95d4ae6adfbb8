using ImageDsl.Rendering;

namespace ImageDsl
{
    /// <summary>How concurrent builds share a cache mount.</summary>
    public enum CacheSharing
    {
        Shared,
        Private,
        Locked,
    }

    /// <summary>The network a RUN step sees (<c>RUN --network</c>).</summary>
    public enum RunNetwork
    {
        /// <summary>No flag: the build's network.</summary>
        Default,
        None,
        Host,
    }

    /// <summary>The sandbox of a RUN step (<c>RUN --security</c>).</summary>
    public enum RunSecurity
    {
        /// <summary>No flag: the default sandbox.</summary>
        Default,
        Sandbox,
        Insecure,
    }

    /// <summary>
    /// A <c>RUN --mount</c>. Create one with <see cref="Bind"/>, <see cref="Cache"/>, <see cref="Tmpfs"/>,
    /// <see cref="Secret"/> or <see cref="Ssh"/>. Every option travels inside one flag, so values are limited
    /// to printable ASCII without spaces, quotes or commas (anything else is reported at compile time).
    /// </summary>
    public abstract record Mount
    {
        private protected Mount() { }

        /// <summary>A read-only (unless <paramref name="readWrite"/>) view of the context, a stage or an image.</summary>
        public static Mount Bind(string target, string? source = null, StageOrImage? from = null, bool readWrite = false) =>
            new BindMount(Syntax.Flag(target, "target", nameof(target)), Syntax.OptionalFlag(source, "source", nameof(source)), from, readWrite);

        /// <summary>
        /// A directory that persists between builds, e.g. a package cache. Its <paramref name="mode"/> goes through the
        /// daemon's umask, so at most 0755: give a non-root writer the directory with <paramref name="uid"/> and <paramref name="gid"/>.
        /// </summary>
        public static Mount Cache(string target, string? id = null, CacheSharing sharing = CacheSharing.Shared, StageOrImage? from = null,
            string? source = null, FileMode? mode = null, uint? uid = null, uint? gid = null, bool readOnly = false)
        {
            // BuildKit makes the cache directory with mkdir under the daemon's umask (022), from the permission bits only:
            // mode=777 gives 755, 1777 gives 755 (judged on the daemon). Only a mode that survives that is written.
            RequireMode(mode, 0x1ED, "A cache mount's", "BuildKit creates the directory under the daemon's umask (022) and without setuid, setgid or sticky. " +
                "Give the directory to the user that writes it (uid:, gid:) with a mode up to 0755, or chmod it in the RUN.");
            // Seeded from a stage or image, the cache is that directory as it is: BuildKit ignores mode, uid and gid (judged).
            if (from is not null && (mode is not null || uid is not null || gid is not null))
            {
                throw new DockerfileException(DiagnosticIds.InexpressibleValue,
                    "A cache mount seeded from a stage or image (from:) keeps that directory's own owner and mode: BuildKit ignores mode, uid and gid there. " +
                    "Set them on the directory in a stage (a RUN chown or chmod) and seed from it, or leave from: off.",
                    mode is not null ? nameof(mode) : uid is not null ? nameof(uid) : nameof(gid));
            }

            return new CacheMount(Syntax.Flag(target, "target", nameof(target)), Syntax.OptionalFlag(id, "id", nameof(id)), sharing, from,
                Syntax.OptionalFlag(source, "source", nameof(source)), mode, uid, gid, readOnly);
        }

        /// <summary>A tmpfs at <paramref name="target"/>, optionally limited to <paramref name="sizeBytes"/>.</summary>
        public static Mount Tmpfs(string target, long? sizeBytes = null)
        {
            if (sizeBytes is <= 0)
            {
                throw new DockerfileException(DiagnosticIds.InvalidArgument, "A tmpfs size must be positive.", nameof(sizeBytes));
            }

            return new TmpfsMount(Syntax.Flag(target, "target", nameof(target)), sizeBytes);
        }

        /// <summary>
        /// A build secret as a file (default <c>/run/secrets/ID</c>, mode 0400) or, with <paramref name="env"/>, an
        /// environment variable. The <paramref name="mode"/> is the permission bits only (0 to 0777).
        /// </summary>
        public static Mount Secret(string id, string? target = null, string? env = null, bool required = false,
            FileMode? mode = null, uint? uid = null, uint? gid = null)
        {
            if (env is not null && !Syntax.IsVariableName(env))
            {
                throw new DockerfileException(DiagnosticIds.InvalidArgument, $"'{env}' is not an environment variable name.", nameof(env));
            }

            RequireMode(mode, 0x1FF, "A secret's", SpecialBits);
            return new SecretMount(Syntax.Flag(id, "id", nameof(id)), Syntax.OptionalFlag(target, "target", nameof(target)), env, required, mode, uid, gid);
        }

        private const string SpecialBits = "BuildKit sets it from the permission bits only (0 to 0777), without setuid, setgid or sticky. Write the permission bits.";

        // A mount's mode that BuildKit would not give as written (judged on the daemon): refused, naming what it would be.
        private static void RequireMode(FileMode? mode, int kept, string whose, string why)
        {
            if (mode is { } written && (written.Bits & ~kept) != 0)
            {
                throw new DockerfileException(DiagnosticIds.InexpressibleValue, $"{whose} mode={written} would be {FileMode.FromBits(written.Bits & kept)}: {why}", nameof(mode));
            }
        }

        /// <summary>The SSH agent socket forwarded by the client.</summary>
        public static Mount Ssh(string? id = null, string? target = null, bool required = false, FileMode? mode = null, uint? uid = null, uint? gid = null)
        {
            // As a secret's (judged: 0666 arrives, 1600 gives 0600).
            RequireMode(mode, 0x1FF, "An ssh socket's", SpecialBits);
            return new SshMount(Syntax.OptionalFlag(id, "id", nameof(id)), Syntax.OptionalFlag(target, "target", nameof(target)), required, mode, uid, gid);
        }
    }

    public sealed record BindMount(string Target, string? Source, StageOrImage? From, bool ReadWrite) : Mount;

    public sealed record CacheMount(string Target, string? Id, CacheSharing Sharing, StageOrImage? From, string? Source,
        FileMode? Mode, uint? Uid, uint? Gid, bool ReadOnly) : Mount;

    public sealed record TmpfsMount(string Target, long? SizeBytes) : Mount;

    public sealed record SecretMount(string Id, string? Target, string? Env, bool Required, FileMode? Mode, uint? Uid, uint? Gid) : Mount;

    public sealed record SshMount(string? Id, string? Target, bool Required, FileMode? Mode, uint? Uid, uint? Gid) : Mount;
}
