using ImageDsl;

namespace Samples;

/// <summary>
/// The classic first image: it prints a greeting and exits. The base image is a build argument whose default is
/// the real upstream image; builds without internet access (like this repository's CI) pass a local stand-in.
/// </summary>
[Image("hello-world", ExpectOutput = "Hello from ImageDsl!")]
public static partial class HelloWorld
{
    static readonly BuildArg BaseImage = new("BASE_IMAGE", "busybox:1.36");

    static Dockerfile Define() => Dockerfile
        .From(BaseImage)
        .Copy("hello.txt", "/hello.txt")
        .User(Owner.Id(65534, 65534))
        .Cmd("cat", "/hello.txt");
}
