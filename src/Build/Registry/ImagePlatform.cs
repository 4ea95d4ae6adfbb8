namespace ImageDsl.Build.Registry;

/// <summary>
/// A platform as images name it (os/architecture[/variant]), read and matched the way the daemon's BuildKit does with
/// containerd's platforms package: the target platform is parsed and normalized (linux/arm is arm v7, linux/arm64/v8 is
/// arm64, x86_64 is amd64), and a base image index gives the first entry of the most preferred platform — for arm v7,
/// v7, else v6, else v5; for arm v6, v6, else v5; otherwise exactly the normalized platform — and an entry that states
/// none only after all of them. Written here because no
/// .NET library carries containerd's rules, and a different choice would build on another base than the daemon does.
/// </summary>
public sealed record ImagePlatform(string Os, string Architecture, string? Variant)
{
    /// <summary>
    /// A target platform as BuildKit's Dockerfile frontend takes it (containerd's Parse, then Normalize): what a build
    /// for <paramref name="text"/> matches and what a FROM scratch image states.
    /// </summary>
    public static ImagePlatform Parse(string text) => ParseAsWritten(text).Normalize();

    /// <summary>
    /// containerd's Parse alone, as BuildKit reads a FROM's --platform: os/architecture[/variant] lowercased, the
    /// architecture's aliases resolved, but arm without a variant left so and arm64/v8 kept.
    /// </summary>
    public static ImagePlatform ParseAsWritten(string text)
    {
        var parts = text.Split('/');
        if (parts.Length is < 2 or > 3 || parts.Any(p => p.Length == 0 || !p.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-')))
        {
            throw new FormatException($"'{text}' is not a platform (os/architecture[/variant])");
        }

        var os = NormalizeOs(parts[0]);
        var (architecture, variant) = NormalizeArchitecture(parts[1], parts.Length == 3 ? parts[2] : "");
        if (parts.Length == 2 && architecture == "arm" && variant == "v7") variant = "";
        if (parts.Length == 3 && architecture == "arm64" && variant == "") variant = "v8";
        return new ImagePlatform(os, architecture, variant.Length == 0 ? null : variant);
    }

    /// <summary>The platform an image's config states, as written there; null when it states none.</summary>
    public static ImagePlatform? Stated(string? os, string? architecture, string? variant) =>
        string.IsNullOrEmpty(os) || string.IsNullOrEmpty(architecture) ? null : new ImagePlatform(os!, architecture!, string.IsNullOrEmpty(variant) ? null : variant);

    /// <summary>The platform of the machine that builds, as Go names it (BuildKit's default target).</summary>
    public static ImagePlatform Host => new("linux", System.Runtime.InteropServices.RuntimeInformation.OSArchitecture switch
    {
        System.Runtime.InteropServices.Architecture.Arm64 => "arm64",
        System.Runtime.InteropServices.Architecture.Arm => "arm",
        System.Runtime.InteropServices.Architecture.X86 => "386",
        _ => "amd64",
    }, null);

    /// <summary>containerd's Normalize: the canonical architecture and variant.</summary>
    public ImagePlatform Normalize()
    {
        var (architecture, variant) = NormalizeArchitecture(Architecture, Variant ?? "");
        return new ImagePlatform(NormalizeOs(Os), architecture, variant.Length == 0 ? null : variant);
    }

    /// <summary>The platforms a base image index may give for this one, most preferred first (containerd's Only).</summary>
    public IReadOnlyList<ImagePlatform> Accepted()
    {
        var normalized = Normalize();
        return (normalized.Architecture, normalized.Variant) switch
        {
            ("arm", "v7") => new[] { normalized, normalized with { Variant = "v6" }, normalized with { Variant = "v5" } },
            ("arm", "v6") => new[] { normalized, normalized with { Variant = "v5" } },
            _ => new[] { normalized },
        };
    }

    /// <summary>
    /// The index entry a build for this platform walks into, as containerd's images.Manifest picks it: of the entries
    /// whose platform (normalized: an entry's arm64/v8 is arm64, its arm without a variant v7) is accepted, the most
    /// preferred, the first listed among equals; an entry that states no platform only when none is accepted (its
    /// image is then checked by its config). -1 when there is none.
    /// </summary>
    public int Choose(IReadOnlyList<ImagePlatform?> entries)
    {
        foreach (var accepted in Accepted())
        {
            for (var i = 0; i < entries.Count; i++)
            {
                if (entries[i]?.Normalize() == accepted) return i;
            }
        }

        for (var i = 0; i < entries.Count; i++)
        {
            if (entries[i] is null) return i;
        }

        return -1;
    }

    /// <summary>Whether an image whose config states this os and architecture is one for <paramref name="wanted"/> (containerd compares them without the variant).</summary>
    public bool IsFor(ImagePlatform wanted) => wanted.Accepted().Contains((this with { Variant = null }).Normalize());

    public override string ToString() => Variant is null ? $"{Os}/{Architecture}" : $"{Os}/{Architecture}/{Variant}";

    private static string NormalizeOs(string os) => os.ToLowerInvariant() is "macos" ? "darwin" : os.ToLowerInvariant();

    private static (string Architecture, string Variant) NormalizeArchitecture(string architecture, string variant)
    {
        architecture = architecture.ToLowerInvariant();
        variant = variant.ToLowerInvariant();
        return architecture switch
        {
            "i386" => ("386", ""),
            "x86_64" or "x86-64" => ("amd64", ""),
            "aarch64" or "arm64" => ("arm64", variant is "8" or "v8" ? "" : variant),
            "armhf" => ("arm", "v7"),
            "armel" => ("arm", "v6"),
            "arm" => ("arm", variant switch { "" or "7" => "v7", "5" or "6" or "8" => "v" + variant, _ => variant }),
            _ => (architecture, variant),
        };
    }
}
