using System.Text;

namespace ImageDsl.Build.Context;

/// <summary>
/// A Linux file name is bytes, not text: any byte but '/' and NUL, valid UTF-8 or not, and the docker CLI sends the
/// bytes as they are. ImageDsl keeps names in .NET strings (so that .dockerignore patterns, paths and logs work as
/// usual) without losing a byte, the way Python's "surrogateescape" does: valid UTF-8 decodes as usual, and each byte
/// of an invalid sequence becomes the lone low surrogate U+DC00 + byte. No valid UTF-8 decodes to a lone surrogate,
/// so <see cref="ToBytes"/> gives back exactly the bytes <see cref="FromBytes"/> was given. .NET's own file APIs would
/// replace such bytes with U+FFFD and then find no file; every file-system call on a context entry therefore goes
/// through <see cref="PosixFiles"/>, which takes these bytes. Also compiled into the session helper.
/// </summary>
public static class FileName
{
    public static string FromBytes(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder(bytes.Length);
        while (!bytes.IsEmpty)
        {
            if (Rune.DecodeFromUtf8(bytes, out var rune, out var consumed) == System.Buffers.OperationStatus.Done)
            {
                text.Append(rune.ToString());
            }
            else
            {
                for (var i = 0; i < consumed; i++) text.Append((char)(0xDC00 + bytes[i]));
            }

            bytes = bytes.Slice(consumed);
        }

        return text.ToString();
    }

    public static byte[] ToBytes(string name)
    {
        var bytes = new List<byte>(name.Length);
        Span<byte> buffer = stackalloc byte[4];
        for (var i = 0; i < name.Length;)
        {
            if (Rune.DecodeFromUtf16(name.AsSpan(i), out var rune, out var consumed) == System.Buffers.OperationStatus.Done)
            {
                var length = rune.EncodeToUtf8(buffer);
                for (var j = 0; j < length; j++) bytes.Add(buffer[j]);
            }
            else
            {
                // A lone surrogate: an escaped byte (U+DC80..U+DCFF) gives it back; nothing else makes one.
                bytes.Add(name[i] is >= '\uDC80' and <= '\uDCFF' ? (byte)(name[i] - 0xDC00) : (byte)'?');
            }

            i += consumed;
        }

        return bytes.ToArray();
    }

    /// <summary>The bytes followed by NUL, as the C library takes a path.</summary>
    public static byte[] ToNullTerminated(string path)
    {
        var bytes = ToBytes(path);
        Array.Resize(ref bytes, bytes.Length + 1);
        return bytes;
    }

    /// <summary>True when the name is valid UTF-8 as it is on disk (no escaped byte): .NET's file APIs and MSBuild can use it.</summary>
    public static bool IsText(string name)
    {
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsLowSurrogate(name[i]) && (i == 0 || !char.IsHighSurrogate(name[i - 1]))) return false;
        }

        return true;
    }

    /// <summary>Orders names as Go does (and with it fsutil and the docker CLI): by their bytes.</summary>
    public static int CompareBytes(string x, string y) => ToBytes(x).AsSpan().SequenceCompareTo(ToBytes(y));
}
