using System.Collections.Generic;
using System.Linq;
using ImageDsl.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ImageDsl.Generator.Evaluation
{
    /// <summary>
    /// Where each DSL object came from, so that problems found later by validation point at the call or argument that
    /// caused them. Reference identity on purpose: two equal instructions written twice are two places.
    /// </summary>
    internal sealed class OriginTracker
    {
        private readonly Dictionary<object, LocationInfo> _origins = new Dictionary<object, LocationInfo>(ReferenceComparer.Instance);
        private readonly Dictionary<object, LocationInfo> _nameOrigins = new Dictionary<object, LocationInfo>(ReferenceComparer.Instance);
        private readonly Dictionary<object, LocationInfo> _fromOrigins = new Dictionary<object, LocationInfo>(ReferenceComparer.Instance);

        /// <summary>The source location a validation problem refers to, when known.</summary>
        public LocationInfo? Locate(DockerfileProblem problem) =>
            problem.SubjectKind == ProblemSubject.StageName && _nameOrigins.TryGetValue(problem.Subject, out var name) ? name
            : _origins.TryGetValue(problem.Subject, out var origin) ? origin
            : null;

        /// <summary>Where an instruction was written (the DSL call that added it), when known.</summary>
        public LocationInfo? Instruction(Instruction instruction) => _origins.TryGetValue(instruction, out var origin) ? origin : null;

        /// <summary>Where a stage's FROM was written (the <c>Dockerfile.From</c> call that began it), when known.</summary>
        public LocationInfo? From(Dockerfile stage) => _fromOrigins.TryGetValue(stage, out var origin) ? origin : null;

        /// <summary>Where a stage's name was given (its <c>As</c> call), when known.</summary>
        public LocationInfo? Name(Dockerfile stage) => _nameOrigins.TryGetValue(stage, out var origin) ? origin : null;

        /// <summary>A DSL call returned <paramref name="result"/>: its new stage, instructions and name came from <paramref name="location"/>.</summary>
        public void TrackCall(object? receiver, object? result, LocationInfo? location)
        {
            if (location is null || result is not Dockerfile stage) return;
            if (!_origins.ContainsKey(stage)) _origins[stage] = location;
            if (!_fromOrigins.ContainsKey(stage))
            {
                // Every call returns a new stage value: its FROM is where the receiver's began, or this call when it
                // is the static From that begins a stage.
                if (receiver is Dockerfile previous && _fromOrigins.TryGetValue(previous, out var from)) _fromOrigins[stage] = from;
                else if (receiver is not Dockerfile) _fromOrigins[stage] = location;
            }

            foreach (var instruction in stage.Instructions)
            {
                if (!_origins.ContainsKey(instruction)) _origins[instruction] = location;
            }

            if (stage.Name is not null && !_nameOrigins.ContainsKey(stage))
            {
                _nameOrigins[stage] = receiver is Dockerfile previous && previous.Name == stage.Name && _nameOrigins.TryGetValue(previous, out var earlier)
                    ? earlier
                    : location;
            }
        }

        /// <summary>
        /// Where an argument value (a source path, a stage reference…) was written, so that a problem validation finds
        /// in that very value points at the argument. The elements of an array argument are tracked one by one.
        /// </summary>
        public void TrackArgument(object? value, SyntaxNode syntax)
        {
            switch (value)
            {
                case null or string or Dockerfile:
                    return;
                case System.Array array when syntax is CollectionExpressionSyntax or ArrayCreationExpressionSyntax or ImplicitArrayCreationExpressionSyntax:
                    var elements = syntax switch
                    {
                        CollectionExpressionSyntax collection => collection.Elements.Select(e => (SyntaxNode)e).ToList(),
                        ArrayCreationExpressionSyntax { Initializer: { } init } => init.Expressions.Select(e => (SyntaxNode)e).ToList(),
                        ImplicitArrayCreationExpressionSyntax implicitArray => implicitArray.Initializer.Expressions.Select(e => (SyntaxNode)e).ToList(),
                        _ => new List<SyntaxNode>(),
                    };
                    for (var i = 0; i < array.Length && i < elements.Count; i++) TrackArgument(array.GetValue(i), elements[i]);
                    return;
                default:
                    if (!value.GetType().IsValueType && value.GetType().Assembly == DslReflection.DslAssembly && !_origins.ContainsKey(value) &&
                        LocationInfo.From(syntax) is { } location)
                    {
                        _origins[value] = location;
                    }

                    return;
            }
        }

        /// <summary>From the method name to the closing parenthesis: <c>Run("…")</c> rather than the whole chain before it.</summary>
        public static LocationInfo? CallLocation(SyntaxNode syntax) =>
            syntax is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax member } invocation
                ? LocationInfo.From(Location.Create(invocation.SyntaxTree, Microsoft.CodeAnalysis.Text.TextSpan.FromBounds(member.Name.SpanStart, invocation.Span.End)))
                : LocationInfo.From(syntax);

        private sealed class ReferenceComparer : IEqualityComparer<object>
        {
            public static readonly ReferenceComparer Instance = new ReferenceComparer();

            public new bool Equals(object? x, object? y) => ReferenceEquals(x, y);

            public int GetHashCode(object obj) => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(obj);
        }
    }
}
