namespace ImageDsl.Build.Metadata;

/// <summary>A label the build adds to the image: one of the OCI defaults ImageDsl derives from the project, or a project's own ImageDslLabel.</summary>
public sealed record BuildLabel(string Key, string Value, bool IsDefault);

/// <summary>
/// The labels a build adds, reconciled with the definition's own LABELs. Docker applies build-time labels after the
/// Dockerfile, so a default (<c>org.opencontainers.image.version</c> from <c>$(Version)</c>, say) would silently replace
/// a label the definition sets: the definition's wins over a default. A project's own label still replaces it — the
/// project asked for that — and each such key is reported (IMAGEDSL2027) so that it is never silent.
/// </summary>
public static class BuildLabels
{
    /// <param name="given">The labels in the order MSBuild gives them; a later one of a key replaces an earlier one.</param>
    /// <param name="definitionLabels">The keys the definition's LABELs set in the stage being built.</param>
    /// <param name="replaced">Receives the keys of the definition's labels that a project's own label replaces.</param>
    public static Dictionary<string, string> Resolve(IEnumerable<BuildLabel> given, IReadOnlyCollection<string> definitionLabels, ICollection<string> replaced)
    {
        var last = new Dictionary<string, BuildLabel>(StringComparer.Ordinal);
        foreach (var label in given) last[label.Key] = label;
        foreach (var key in definitionLabels)
        {
            if (!last.TryGetValue(key, out var label)) continue;
            if (label.IsDefault) last.Remove(key);
            else replaced.Add(key);
        }

        return last.ToDictionary(l => l.Key, l => l.Value.Value, StringComparer.Ordinal);
    }
}
