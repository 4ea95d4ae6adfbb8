using System;

namespace ImageDsl
{
    /// <summary>
    /// A Unix permission mode for <c>--chmod</c> and mount <c>mode=</c>, written in octal: <c>FileMode.Octal("755")</c>.
    /// In <c>chmod:</c> only the permission bits (up to 0777): BuildKit's <c>--chmod</c> does not apply setuid, setgid or
    /// sticky (and keeps the source's own), so those are refused there (IDSL0008); set them with a <c>RUN chmod</c>.
    /// </summary>
    public readonly record struct FileMode
    {
        private FileMode(int bits) => Bits = bits;

        /// <summary>The permission bits (0 to 07777).</summary>
        public int Bits { get; }

        /// <summary>Parses 3 or 4 octal digits, e.g. "755" or "0644".</summary>
        public static FileMode Octal(string digits)
        {
            var valid = digits is { Length: >= 3 and <= 4 };
            var bits = 0;
            if (valid)
            {
                foreach (var c in digits)
                {
                    valid &= c is >= '0' and <= '7';
                    bits = bits * 8 + (c - '0');
                }
            }

            if (!valid)
            {
                throw new DockerfileException(DiagnosticIds.InvalidArgument,
                    $"'{digits}' is not a file mode: write 3 or 4 octal digits, e.g. \"755\".", nameof(digits));
            }

            return new FileMode(bits);
        }

        /// <summary>A mode from its permission bits.</summary>
        public static FileMode FromBits(int bits)
        {
            if (bits < 0 || bits > 0xFFF)
            {
                throw new DockerfileException(DiagnosticIds.InvalidArgument, $"{bits} is not a file mode: the bits are 0 to 07777.", nameof(bits));
            }

            return new FileMode(bits);
        }

        public override string ToString() => Convert.ToString(Bits, 8).PadLeft(4, '0');
    }
}
