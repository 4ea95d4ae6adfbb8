using System.Text.RegularExpressions;

namespace ImageDsl.Rendering
{
    /// <summary>
    /// docker/distribution's image-reference grammar: [domain[:port]/]path[:tag][@digest]. Dependency-free on purpose:
    /// the Dsl (and so the generator) compiles it, and the build task links the same file for push references.
    /// </summary>
    internal static class ReferenceGrammar
    {
        private const string DomainComponent = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
        private const string Domain = DomainComponent + @"(?:\." + DomainComponent + @")*(?::[0-9]+)?";
        private const string PathComponent = "[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*";
        private const string Path = PathComponent + "(?:/" + PathComponent + ")*";
        private const string Name = "(?:" + Domain + "/)?" + Path;
        private const string Tag = @"[\w][\w.-]{0,127}";
        private const string Digest = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";

        private static readonly Regex ImageReference = new Regex("^" + Name + "(?::" + Tag + ")?(?:@" + Digest + ")?$", RegexOptions.CultureInvariant);
        private static readonly Regex RepositoryName = new Regex("^" + Name + "$", RegexOptions.CultureInvariant);
        private static readonly Regex RepositoryPath = new Regex("^" + Path + "$", RegexOptions.CultureInvariant);
        private static readonly Regex TagOnly = new Regex("^" + Tag + "$", RegexOptions.CultureInvariant);

        public static bool IsImageReference(string? reference) => reference is not null && ImageReference.IsMatch(reference);

        /// <summary>A repository name, optionally with a registry host, without tag or digest.</summary>
        public static bool IsRepositoryName(string? name) => name is not null && RepositoryName.IsMatch(name);

        /// <summary>The path part of a repository, without a registry host: lowercase components separated by '/'.</summary>
        public static bool IsRepositoryPath(string? path) => path is not null && RepositoryPath.IsMatch(path);

        /// <summary>A tag: 1 to 128 word characters, '.' or '-', not starting with '.' or '-'.</summary>
        public static bool IsTag(string? tag) => tag is not null && TagOnly.IsMatch(tag);
    }
}
