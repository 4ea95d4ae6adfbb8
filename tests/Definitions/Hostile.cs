using ImageDsl;

namespace ImageDsl.Tests.Definitions;

/// <summary>
/// Values that would change meaning if written naively; the generator and the runtime must agree on them, and the
/// integration tests build this through a real daemon and compare what arrives in the image.
/// </summary>
[Image("tests/hostile", SmokeRun = false)]
public static partial class Hostile
{
    static readonly BuildArg Tricky = new("TRICKY", "a \"quoted\" $HOME \\ `tick` value\\");

    static Dockerfile Define() => Dockerfile.From("busybox")
        .Arg(Tricky)
        .Env("QUOTES", "say \"hi\" and 'bye'")
        .Env("DOLLARS", "$HOME ${PATH} $1 $$")
        .Env("BACKSLASHES", @"C:\temp\new\ end\")
        .Env("HASH", "# not a comment")
        .Env("BLANKS", "  padded\tand tabbed  ")
        .Env("UNICODE", "grüße — 日本語 🐳")
        .Env("FROM_ARG", Tricky)
        .Label("weird key \"$x\"", "value with = and ; and \\")
        .Workdir("/tmp/dir with spaces/$notavar/quote\"d")
        .User("user name")
        .Copy("file with spaces.txt", "/copied/it's \"here\"$.txt")
        .Shell("/bin/sh", "-c")
        .CmdShell("[\"echo\", \"not exec\"]");
}
