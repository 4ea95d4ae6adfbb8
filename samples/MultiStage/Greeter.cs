using ImageDsl;

namespace Samples;

/// <summary>
/// A two-stage image: a "build" stage assembles a tiny root filesystem (a static shell and a script), and the final
/// stage starts from scratch with only that output, running as an unprivileged user. The final stage refers to the
/// build stage by value, so it cannot name a stage that does not exist.
/// </summary>
[Image("samples/greeter", Tags = ["latest", "1.0"], ExpectOutput = "Hello from a multi-stage build, nobody")]
public static partial class Greeter
{
    static readonly BuildArg BaseImage = new("BASE_IMAGE", "busybox:1.36");

    static Dockerfile Define()
    {
        var build = Dockerfile.From(BaseImage).As("build")
            .Workdir("/out")
            .Copy("greet.sh", "/out/greet.sh", chmod: FileMode.Octal("755"))
            .Run("mkdir -p /out/bin && cp /bin/busybox /out/bin/busybox && ln -s busybox /out/bin/sh && ln -s busybox /out/bin/whoami",
                mounts: [Mount.Cache("/var/cache/greeter", sharing: CacheSharing.Locked)]);

        return Dockerfile.Scratch
            .Copy("/out/", "/", from: build)
            .Copy("passwd", "/etc/passwd")
            .Env("GREETING", "Hello from a multi-stage build")
            .Label("org.opencontainers.image.description", "ImageDsl multi-stage sample")
            .User(Owner.Id(65534, 65534))
            .Entrypoint("/bin/sh", "/greet.sh");
    }
}
