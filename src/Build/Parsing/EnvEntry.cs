namespace ImageDsl.Build.Parsing;

/// <summary>An entry of an image config's Env: "NAME=value" (an entry without '=' is a name with an empty value).</summary>
public static class EnvEntry
{
    public static (string Name, string Value) Split(string entry) =>
        entry.IndexOf('=') is var equals and >= 0 ? (entry.Substring(0, equals), entry.Substring(equals + 1)) : (entry, "");

    public static string NameOf(string entry) => Split(entry).Name;
}
