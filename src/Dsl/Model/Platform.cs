namespace ImageDsl
{
    /// <summary>
    /// A target platform for <c>FROM --platform</c>: <c>Platform.LinuxAmd64</c>, <c>Platform.Parse("linux/arm64/v8")</c>,
    /// or one of BuildKit's automatic arguments <see cref="BuildPlatform"/> / <see cref="TargetPlatform"/>.
    /// </summary>
    public sealed record Platform
    {
        private Platform(string text) => Text = text;

        /// <summary>The flag value as written in the Dockerfile.</summary>
        public string Text { get; }

        public static Platform LinuxAmd64 { get; } = new Platform("linux/amd64");

        public static Platform LinuxArm64 { get; } = new Platform("linux/arm64");

        /// <summary>The platform of the machine running the build (<c>$BUILDPLATFORM</c>).</summary>
        public static Platform BuildPlatform { get; } = new Platform("$BUILDPLATFORM");

        /// <summary>The platform the build targets (<c>$TARGETPLATFORM</c>).</summary>
        public static Platform TargetPlatform { get; } = new Platform("$TARGETPLATFORM");

        /// <summary>Parses <c>os/arch[/variant]</c>, each part lowercase letters, digits, '_' or '.'.</summary>
        public static Platform Parse(string platform)
        {
            var parts = (platform ?? string.Empty).Split('/');
            var valid = parts.Length is 2 or 3;
            foreach (var part in parts)
            {
                valid &= part.Length > 0;
                foreach (var c in part) valid &= c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' or '.';
            }

            if (!valid)
            {
                throw new DockerfileException(DiagnosticIds.InvalidArgument,
                    $"'{platform}' is not a platform: write os/arch[/variant] in lowercase, e.g. linux/arm64/v8.", nameof(platform));
            }

            return new Platform(platform!);
        }

        public override string ToString() => Text;
    }
}
