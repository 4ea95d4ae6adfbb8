using ImageDsl.Internal;
using Microsoft.CodeAnalysis;

namespace ImageDsl.Generator.Model
{
    /// <summary>An equatable stand-in for a <see cref="Diagnostic"/>, kept in the model and reported by the output step.</summary>
    internal sealed record DiagnosticInfo(string Id, LocationInfo? Location, EquatableList<string> MessageArgs)
    {
        public static DiagnosticInfo Create(string id, LocationInfo? location, params string[] messageArgs) =>
            new DiagnosticInfo(id, location, EquatableList<string>.From(messageArgs));

        public Diagnostic ToDiagnostic() =>
            Diagnostic.Create(DiagnosticDescriptors.ById(Id), Location?.ToLocation(), MessageArgs.ToArrayForFormat());
    }

    internal static class EquatableListExtensions
    {
        public static object[] ToArrayForFormat(this EquatableList<string> list)
        {
            var array = new object[list.Count];
            for (var i = 0; i < list.Count; i++) array[i] = list[i];
            return array;
        }
    }
}
