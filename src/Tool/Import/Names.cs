namespace ImageDsl.Tool.Import;

/// <summary>The class and image names a Dockerfile's path suggests.</summary>
public static class Names
{
    /// <summary><c>src/api/Dockerfile</c> → <c>ApiImage</c>; <c>Dockerfile.worker</c> → <c>WorkerImage</c>; <c>web.Dockerfile</c> → <c>WebImage</c>; standard input → <c>ImportedImage</c>.</summary>
    public static string ClassName(string path)
    {
        if (path == "-") return "ImportedImage";
        var file = Path.GetFileName(path);
        var stem = file.Equals("Dockerfile", StringComparison.OrdinalIgnoreCase) || file.Equals("Containerfile", StringComparison.OrdinalIgnoreCase)
            ? Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(path))) ?? "Imported"
            : file.StartsWith("Dockerfile.", StringComparison.OrdinalIgnoreCase) ? file.Substring("Dockerfile.".Length)
            : Path.GetFileNameWithoutExtension(file);
        var name = DockerfileImporter.Identifier(stem, upper: true).TrimStart('@');
        return name.EndsWith("Image", StringComparison.Ordinal) ? name : name + "Image";
    }

    /// <summary><c>ApiImage</c> → <c>api</c>; <c>OrderServiceImage</c> → <c>order-service</c>.</summary>
    public static string ImageName(string className)
    {
        var stem = className.EndsWith("Image", StringComparison.Ordinal) && className.Length > 5 ? className.Substring(0, className.Length - 5) : className;
        var name = string.Concat(stem.Select((c, i) => char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
        return name.Length == 0 ? "imported" : name;
    }
}
