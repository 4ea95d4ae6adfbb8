using System.Collections.Generic;
using System.Linq;
using ImageDsl.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace ImageDsl.Generator.Evaluation
{
    /// <summary>
    /// Where each DSL object came from, so that problems found later by validation point at the call or argument that
    /// caused them. Reference identity on purpose: two equal instructions written twice are two places.
    /// </summary>
    internal sealed class OriginTracker
    {
        // Spans, not LocationInfo: most origins are never asked for (the analyzer asks for a finding's only), and a
        // line span costs a search of the tree's line table. The trees are the compilation's, alive while it is.
        private readonly Dictionary<object, Origin> _origins = new Dictionary<object, Origin>(64, ReferenceComparer.Instance);
        private readonly Dictionary<object, Origin> _nameOrigins = new Dictionary<object, Origin>(ReferenceComparer.Instance);
        private readonly Dictionary<object, Origin> _fromOrigins = new Dictionary<object, Origin>(ReferenceComparer.Instance);
        private readonly Dictionary<object, Origin> _pairOrigins = new Dictionary<object, Origin>(ReferenceComparer.Instance);

        /// <summary>The source location a validation problem refers to, when known.</summary>
        public LocationInfo? Locate(DockerfileProblem problem) =>
            problem.Pair is not null && _pairOrigins.TryGetValue(problem.Pair, out var pair) ? pair.ToInfo()
            : problem.SubjectKind == ProblemSubject.StageName && _nameOrigins.TryGetValue(problem.Subject, out var name) ? name.ToInfo()
            : _origins.TryGetValue(problem.Subject, out var origin) ? origin.ToInfo()
            : null;

        /// <summary>Where the pair (<c>("KEY", value)</c> of a several-pair call) holding this value was written, when known.</summary>
        public LocationInfo? Pair(Value value) => _pairOrigins.TryGetValue(value, out var origin) ? origin.ToInfo() : null;

        /// <summary>Where an instruction was written (the DSL call that added it), when known.</summary>
        public LocationInfo? Instruction(Instruction instruction) => _origins.TryGetValue(instruction, out var origin) ? origin.ToInfo() : null;

        /// <summary>Where a stage's FROM was written (the <c>Dockerfile.From</c> call that began it), when known.</summary>
        public LocationInfo? From(Dockerfile stage) => _fromOrigins.TryGetValue(stage, out var origin) ? origin.ToInfo() : null;

        /// <summary>Where a stage's name was given (its <c>As</c> call), when known.</summary>
        public LocationInfo? Name(Dockerfile stage) => _nameOrigins.TryGetValue(stage, out var origin) ? origin.ToInfo() : null;

        /// <summary>A DSL call (<paramref name="call"/>, see <see cref="CallSpan"/>) returned <paramref name="result"/>: its new stage, instructions and name came from there.</summary>
        public void TrackCall(object? receiver, object? result, SyntaxNode call)
        {
            if (result is not Dockerfile stage) return;
            var location = new Origin(call.SyntaxTree, CallSpan(call));
            AddFirst(stage, location);
            if (!_fromOrigins.ContainsKey(stage))
            {
                // Every call returns a new stage value: its FROM is where the receiver's began, or this call when it
                // is the static From that begins a stage.
                if (receiver is Dockerfile previous && _fromOrigins.TryGetValue(previous, out var from)) _fromOrigins[stage] = from;
                else if (receiver is not Dockerfile) _fromOrigins[stage] = location;
            }

            // A call keeps its receiver's instructions and appends its own: only those after the receiver's are new
            // (looking at every instruction on every call would make a chain of n calls cost n²).
            var instructions = stage.Instructions;
            var known = receiver is Dockerfile before && before.Instructions.Count <= instructions.Count &&
                (before.Instructions.Count == 0 || ReferenceEquals(before.Instructions[before.Instructions.Count - 1], instructions[before.Instructions.Count - 1]))
                ? before.Instructions.Count
                : 0;
            for (var i = known; i < instructions.Count; i++) AddFirst(instructions[i], location);

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
                case System.Array array:
                    var elements = syntax switch
                    {
                        CollectionExpressionSyntax collection => collection.Elements,
                        ArrayCreationExpressionSyntax { Initializer: { } init } => init.Expressions,
                        ImplicitArrayCreationExpressionSyntax implicitArray => implicitArray.Initializer.Expressions,
                        _ => (System.Collections.Generic.IReadOnlyList<SyntaxNode>?)null,
                    };
                    if (elements is not null) TrackElements(array, elements);
                    return;
                case var tuple when syntax is TupleExpressionSyntax tupleSyntax && tuple.GetType() is { IsGenericType: true } type
                                    && type.FullName!.StartsWith("System.ValueTuple`", System.StringComparison.Ordinal):
                    // A pair of a several-pair call: its items are tracked, and its value knows the whole pair's place.
                    for (var i = 0; i < tupleSyntax.Arguments.Count && type.GetField("Item" + (i + 1)) is { } field; i++)
                    {
                        var item = field.GetValue(tuple);
                        TrackArgument(item, tupleSyntax.Arguments[i].Expression);
                        if (item is Value itemValue && !_pairOrigins.ContainsKey(itemValue)) _pairOrigins[itemValue] = new Origin(syntax.SyntaxTree, syntax.Span);
                    }

                    return;
                default:
                    if (!value.GetType().IsValueType && value.GetType().Assembly == DslReflection.DslAssembly) AddFirst(value, new Origin(syntax.SyntaxTree, syntax.Span));
                    return;
            }
        }

        /// <summary>The elements of an array argument, each with the syntax that wrote it.</summary>
        public void TrackElements(object? value, System.Collections.Generic.IReadOnlyList<SyntaxNode> elements)
        {
            if (value is not System.Array array) return;
            for (var i = 0; i < array.Length && i < elements.Count; i++) TrackArgument(array.GetValue(i), elements[i]);
        }

        /// <summary>From the method name to the closing parenthesis: <c>Run("…")</c> rather than the whole chain before it.</summary>
        public static TextSpan CallSpan(SyntaxNode syntax) =>
            syntax is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax member } invocation
                ? TextSpan.FromBounds(member.Name.SpanStart, invocation.Span.End)
                : syntax.Span;

        /// <summary>The location of <see cref="CallSpan"/>.</summary>
        public static LocationInfo? CallLocation(SyntaxNode syntax) => new Origin(syntax.SyntaxTree, CallSpan(syntax)).ToInfo();

        /// <summary>The first place a value came from is the one to name.</summary>
        private void AddFirst(object value, Origin origin)
        {
            if (!_origins.ContainsKey(value)) _origins[value] = origin;
        }

        private readonly struct Origin
        {
            public Origin(SyntaxTree tree, TextSpan span)
            {
                Tree = tree;
                Span = span;
            }

            public SyntaxTree Tree { get; }

            public TextSpan Span { get; }

            public LocationInfo? ToInfo() => LocationInfo.From(Location.Create(Tree, Span));
        }

        private sealed class ReferenceComparer : IEqualityComparer<object>
        {
            public static readonly ReferenceComparer Instance = new ReferenceComparer();

            public new bool Equals(object? x, object? y) => ReferenceEquals(x, y);

            public int GetHashCode(object obj) => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(obj);
        }
    }
}
