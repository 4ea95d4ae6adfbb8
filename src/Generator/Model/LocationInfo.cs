using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace ImageDsl.Generator.Model
{
    /// <summary>
    /// A source location without the syntax tree behind it: holding a <see cref="Location"/> in the model would keep
    /// the whole compilation alive and defeat the incremental cache, so only the path and spans are kept.
    /// </summary>
    internal sealed record LocationInfo(string FilePath, TextSpan TextSpan, LinePositionSpan LineSpan)
    {
        public Location ToLocation() => Location.Create(FilePath, TextSpan, LineSpan);

        public static LocationInfo? From(SyntaxNode? node) => node is null ? null : From(node.GetLocation());

        public static LocationInfo? From(Location? location) =>
            location?.SourceTree is null ? null : new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);
    }
}
