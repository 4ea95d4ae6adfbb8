using ImageDsl;

namespace Samples.PrivateFeed;

/// <summary>
/// A .NET app whose package comes from an authenticated NuGet feed, restored inside the image. The feed credential
/// is a build secret: mounted into the restore step only, it is in no layer, no history entry and no build argument.
/// </summary>
[Image("samples/private-feed", Context = "app", ExpectOutput = "Hello from a private NuGet feed")]
public static partial class PrivateFeedImage
{
    static readonly BuildArg SdkImage = new("SDK_IMAGE", "mcr.microsoft.com/dotnet/sdk:10.0");
    static readonly BuildArg RuntimeImage = new("RUNTIME_IMAGE", "mcr.microsoft.com/dotnet/runtime:10.0");
    static readonly BuildArg FeedUrl = new("PRIVATE_FEED_URL", "https://nuget.example.com/v3/index.json");

    static Dockerfile Define()
    {
        var packages = Mount.Cache("/root/.nuget/packages", id: "private-feed-nuget");
        var build = Dockerfile.From(SdkImage).As("build")
            .Arg(FeedUrl)
            .Workdir("/src")
            .Comment("NuGet reads a source's credential from NuGetPackageSourceCredentials_<source>; the secret holds \"Username=…;Password=…\".")
            .Copy(["Hello.csproj", "NuGet.Config"], "/src/")
            .Run("NuGetPackageSourceCredentials_private=\"$(cat /run/secrets/nuget)\" dotnet restore Hello.csproj",
                mounts: [Mount.Secret("nuget", required: true), packages])
            .Copy(".", "/src/")
            .Run("dotnet publish Hello.csproj -c Release -o /app --no-restore", mounts: [packages]);

        return Dockerfile.From(RuntimeImage).As("runtime")
            .Workdir("/app")
            .Copy("/app", "/app", from: build)
            .User(Owner.Id(1654, 1654))
            .Entrypoint("dotnet", "/app/Hello.dll");
    }
}
