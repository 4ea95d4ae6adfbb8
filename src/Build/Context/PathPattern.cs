using System.Text;

namespace ImageDsl.Build.Context;

/// <summary>
/// Go's path/filepath.Match (Unix), which both builders use to match COPY/ADD source patterns: '*' any run of
/// non-'/' characters, '?' one non-'/' character, '[…]' a class ('^' negates, 'a-z' ranges), '\' escapes. Ported
/// rather than approximated with a regular expression so that the build step decides exactly as the daemon does.
/// No library offers Go's semantics (.NET's file globbing differs on classes, escapes and '/').
/// </summary>
public static class PathPattern
{
    /// <summary>
    /// A context path as the builders resolve it (path.Clean under the context root): '/'-separated, no leading '/',
    /// '.' and empty parts dropped, '..' resolved without leaving the root. The root itself is "".
    /// </summary>
    public static string Clean(string path)
    {
        var parts = new List<string>();
        foreach (var part in path.Split('/'))
        {
            if (part.Length == 0 || part == ".") continue;
            if (part == "..")
            {
                if (parts.Count > 0) parts.RemoveAt(parts.Count - 1);
                continue;
            }

            parts.Add(part);
        }

        return string.Join('/', parts);
    }

    /// <summary>fsutil's and the classic builder's containsWildcards: a '*', '?' or '[' not hidden behind a '\'.</summary>
    public static bool ContainsWildcards(string name)
    {
        for (var i = 0; i < name.Length; i++)
        {
            if (name[i] == '\\') i++;
            else if (name[i] is '*' or '?' or '[') return true;
        }

        return false;
    }

    /// <summary>Whether <paramref name="name"/> matches the whole <paramref name="pattern"/>; a malformed pattern matches nothing.</summary>
    public static bool Match(string pattern, string name)
    {
        var runes = name.EnumerateRunes().ToArray();
        return MatchFrom(pattern, runes, 0) ?? false;
    }

    // Returns null for a bad pattern (ErrBadPattern), which the builders treat as no match.
    private static bool? MatchFrom(string pattern, Rune[] name, int start)
    {
        var s = start;
        while (pattern.Length > 0)
        {
            var (star, chunk, rest) = ScanChunk(pattern);
            pattern = rest;
            if (star && chunk.Length == 0)
            {
                // A trailing '*' matches the rest of the name unless it holds a separator.
                for (var i = s; i < name.Length; i++)
                {
                    if (name[i].Value == '/') return false;
                }

                return true;
            }

            var (after, ok, bad) = MatchChunk(chunk, name, s);
            if (bad) return null;
            if (ok && (after == name.Length || pattern.Length > 0))
            {
                s = after;
                continue;
            }

            if (star)
            {
                var matched = false;
                for (var i = s; i < name.Length && name[i].Value != '/'; i++)
                {
                    var (after2, ok2, bad2) = MatchChunk(chunk, name, i + 1);
                    if (bad2) return null;
                    if (ok2)
                    {
                        if (pattern.Length == 0 && after2 < name.Length) continue;
                        s = after2;
                        matched = true;
                        break;
                    }
                }

                if (matched) continue;
            }

            return false;
        }

        return s == name.Length;
    }

    private static (bool Star, string Chunk, string Remaining) ScanChunk(string pattern)
    {
        var star = false;
        while (pattern.Length > 0 && pattern[0] == '*')
        {
            pattern = pattern.Substring(1);
            star = true;
        }

        var inRange = false;
        int i;
        for (i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\')
            {
                if (i + 1 < pattern.Length) i++;
            }
            else if (c == '[')
            {
                inRange = true;
            }
            else if (c == ']')
            {
                inRange = false;
            }
            else if (c == '*' && !inRange)
            {
                break;
            }
        }

        return (star, pattern.Substring(0, i), pattern.Substring(i));
    }

    private static (int After, bool Ok, bool Bad) MatchChunk(string chunk, Rune[] name, int s)
    {
        var failed = false;
        var c = 0;
        while (c < chunk.Length)
        {
            if (!failed && s >= name.Length) failed = true;
            switch (chunk[c])
            {
                case '[':
                    var r = failed ? default : name[s++];
                    c++;
                    var negated = c < chunk.Length && chunk[c] == '^';
                    if (negated) c++;
                    var match = false;
                    var ranges = 0;
                    while (true)
                    {
                        if (c < chunk.Length && chunk[c] == ']' && ranges > 0)
                        {
                            c++;
                            break;
                        }

                        if (!Escaped(chunk, ref c, out var lo)) return (0, false, true);
                        var hi = lo;
                        if (chunk[c] == '-')
                        {
                            c++;
                            if (!Escaped(chunk, ref c, out hi)) return (0, false, true);
                        }

                        if (lo.Value <= r.Value && r.Value <= hi.Value) match = true;
                        ranges++;
                    }

                    if (match == negated) failed = true;
                    break;
                case '?':
                    if (!failed)
                    {
                        if (name[s].Value == '/') failed = true;
                        s++;
                    }

                    c++;
                    break;
                case '\\':
                    c++;
                    if (c >= chunk.Length) return (0, false, true);
                    goto default;
                default:
                    var expected = Rune.GetRuneAt(chunk, c);
                    if (!failed)
                    {
                        if (name[s] != expected) failed = true;
                        s++;
                    }

                    c += expected.Utf16SequenceLength;
                    break;
            }
        }

        return failed ? (0, false, false) : (s, true, false);
    }

    // Go's getEsc: one class member, possibly escaped; '-' and ']' must be escaped; something must follow.
    private static bool Escaped(string chunk, ref int c, out Rune rune)
    {
        rune = default;
        if (c >= chunk.Length || chunk[c] is '-' or ']') return false;
        if (chunk[c] == '\\')
        {
            c++;
            if (c >= chunk.Length) return false;
        }

        rune = Rune.GetRuneAt(chunk, c);
        c += rune.Utf16SequenceLength;
        return c < chunk.Length;
    }
}
