using ImageDsl;

namespace Samples.PrivateRegistry;

/// <summary>An image pushed to a registry that requires a login, then pulled back by digest.</summary>
[Image("team/private-app", Tags = ["1.0", "latest"], ExpectOutput = "private app 1.0")]
public static partial class PrivateImage
{
    static readonly BuildArg BaseImage = new("BASE_IMAGE", "busybox:1.36");

    static Dockerfile Define() => Dockerfile.From(BaseImage)
        .Label("org.opencontainers.image.description", "Pushed with credentials")
        .User(Owner.Id(65534, 65534))
        .Cmd("echo", "private app 1.0");
}
