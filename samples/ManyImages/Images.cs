using ImageDsl;

namespace Samples.ManyImages;

/// <summary>
/// The stages several images share, defined once. Each image's final stage starts FROM the shared base (by value,
/// so it cannot name a stage that does not exist), and the daemon builds the base once for all of them (its layers
/// are cached after the first image).
/// </summary>
public static class Shared
{
    public static readonly BuildArg BaseImage = new("BASE_IMAGE", "busybox:1.36");

    public static Dockerfile Base => Dockerfile.From(BaseImage).As("base")
        .Copy("shared/banner.txt", "/etc/banner.txt")
        .Env("TEAM", "platform")
        .User(Owner.Id(65534, 65534));
}

[Image("samples/many-api", ExpectOutput = "api: serving as platform")]
public static partial class ApiImage
{
    static Dockerfile Define() => Dockerfile.From(Shared.Base)
        .CmdShell("cat /etc/banner.txt && echo \"api: serving as $TEAM\"");
}

[Image("samples/many-worker", ExpectOutput = "worker: processing as platform")]
public static partial class WorkerImage
{
    static Dockerfile Define() => Dockerfile.From(Shared.Base)
        .Label("org.opencontainers.image.title", "worker")
        .CmdShell("cat /etc/banner.txt && echo \"worker: processing as $TEAM\"");
}

[Image("samples/many-migrations", ExpectOutput = "migrations: 3 applied")]
public static partial class MigrationsImage
{
    static Dockerfile Define() => Dockerfile.From(Shared.Base)
        .Workdir("/migrations")
        .Copy(["migrations/001.sql", "migrations/002.sql", "migrations/003.sql"], "/migrations/")
        .CmdShell("echo \"migrations: $(ls /migrations | wc -l) applied\"");
}
