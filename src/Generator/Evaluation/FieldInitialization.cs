using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using ImageDsl.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ImageDsl.Generator.Evaluation
{
    /// <summary>
    /// When the value of a project's static field is provably its initializer, and that value, computed once.
    /// The constant is what gets built, so a field is evaluated only when the program would read that very value at
    /// run time:
    /// <list type="bullet">
    /// <item>it is <c>static readonly</c> with an initializer, and no static constructor of its type mentions it (the
    /// only place C# lets code assign it again);</item>
    /// <item>its type cannot change after it is built (an array's elements can);</item>
    /// <item>it is initialised before it is read: an initializer that reads a field of its own type declared after
    /// it (or in another file of a partial type, whose order C# leaves undefined) reads the default value at run time,
    /// and types whose initializers read each other see each other half-initialised depending on which runs first.</item>
    /// </list>
    /// Writes through reflection or <c>Unsafe</c> are outside what a compiler can see, and outside this promise.
    /// Values are memoised per definition: reading a field a thousand times evaluates it once.
    /// </summary>
    internal sealed class FieldInitialization
    {
        private readonly Dictionary<IFieldSymbol, Known> _known = new Dictionary<IFieldSymbol, Known>(SymbolEqualityComparer.Default);
        private readonly Dictionary<IFieldSymbol, string?> _unprovable = new Dictionary<IFieldSymbol, string?>(SymbolEqualityComparer.Default);
        // The fields whose initializers are running, outermost first: what the run-time type initializers would be
        // in the middle of when this read happens.
        private readonly List<Frame> _running = new List<Frame>();
        private readonly Compilation _compilation;
        private readonly CancellationToken _cancellationToken;

        public FieldInitialization(Compilation compilation, CancellationToken cancellationToken)
        {
            _compilation = compilation;
            _cancellationToken = cancellationToken;
        }

        /// <summary>
        /// The run-time value of <paramref name="field"/> read at <paramref name="at"/>; <paramref name="evaluate"/>
        /// evaluates its initializer. Throws IDSL0023 where the value is not provably the initializer's.
        /// </summary>
        public object? Read(IFieldSymbol field, VariableDeclaratorSyntax declarator, SyntaxNode at, Func<object?> evaluate)
        {
            var type = field.ContainingType;
            var reason = _unprovable.TryGetValue(field, out var known) ? known : _unprovable[field] = WhyNotProvable(field);
            if (reason is not null) throw NotProvable(at, reason);

            var own = _running.FindLastIndex(f => SymbolEqualityComparer.Default.Equals(f.Type, type));
            if (own >= 0)
            {
                var initializing = _running[own];
                if (own != _running.Count - 1)
                {
                    throw NotProvable(at, $"'{type.Name}' and '{_running[own + 1].Type.Name}' read each other's static fields while they are initialised, " +
                        $"so '{field.Name}' depends on which type is used first. Move the shared values into one type.");
                }

                if (SymbolEqualityComparer.Default.Equals(initializing.Field, field))
                {
                    throw NotProvable(at, $"'{field.Name}' refers to itself.");
                }

                var initializingSyntax = initializing.Field.DeclaringSyntaxReferences[0];
                if (initializingSyntax.SyntaxTree != declarator.SyntaxTree)
                {
                    throw NotProvable(at, $"'{field.Name}' is declared in another file of the partial type '{type.Name}': C# does not define which file's " +
                        $"fields are initialised first, so '{initializing.Field.Name}' may read it before it has a value. Declare both in one file.");
                }

                if (declarator.SpanStart > initializingSyntax.Span.Start)
                {
                    throw NotProvable(at, $"'{field.Name}' is declared after '{initializing.Field.Name}': static fields are initialised in declaration order, " +
                        $"so at run time it is still {(field.Type.IsValueType ? "0" : "null")} here. Declare '{field.Name}' first.");
                }
            }

            if (_known.TryGetValue(field, out var value))
            {
                CheckNoCycle(value.Types, type, own, field, at);
                Note(value.Types);
                return value.Value;
            }

            var frame = new Frame(field, type);
            _running.Add(frame);
            object? result;
            try
            {
                result = evaluate();
            }
            finally
            {
                _running.RemoveAt(_running.Count - 1);
            }

            _known[field] = new Known(result, frame.Types);
            Note(frame.Types);
            return result;
        }

        private string? WhyNotProvable(IFieldSymbol field)
        {
            var name = field.Name;
            if (!field.IsReadOnly)
            {
                return $"'{name}' is not readonly, so any code can change it before the image is defined. Make it 'const' or 'static readonly'.";
            }

            if (field.DeclaringSyntaxReferences.Length != 1 || field.DeclaringSyntaxReferences[0].GetSyntax(_cancellationToken) is not VariableDeclaratorSyntax { Initializer: not null })
            {
                return $"'{name}' has no initializer: its value comes from a static constructor, which is not evaluated. Give it its value where it is declared.";
            }

            if (!DslReflection.IsImmutable(field.Type))
            {
                return field.Type is IArrayTypeSymbol || field.Type.TypeKind == TypeKind.Interface
                    ? $"'{name}' holds an array, whose elements any code can change at run time. Use a static property instead " +
                      $"(static {field.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)} {name} => [...]), which builds a new one at every use, or a local in Define()."
                    : $"'{name}' is of type '{field.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)}', whose value can change after it is initialised.";
            }

            foreach (var constructor in field.ContainingType.StaticConstructors)
            {
                foreach (var reference in constructor.DeclaringSyntaxReferences)
                {
                    var body = reference.GetSyntax(_cancellationToken);
                    var model = _compilation.GetSemanticModel(body.SyntaxTree);
                    var mentioned = body.DescendantNodes().OfType<IdentifierNameSyntax>().Any(identifier =>
                        identifier.Identifier.ValueText == name &&
                        SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(identifier, _cancellationToken).Symbol?.OriginalDefinition, field.OriginalDefinition));
                    if (mentioned)
                    {
                        return $"'{name}' is used in the static constructor of '{field.ContainingType.Name}', which can assign it after its initializer ran. " +
                            "Give it one value where it is declared and keep it out of the static constructor.";
                    }
                }
            }

            return null;
        }

        /// <summary>
        /// A memoised field was evaluated under other circumstances: reading it now would run its type's initializer,
        /// which reads <paramref name="types"/>. If one of those is half-way through its own initialisation here, the
        /// values differ with the order the types are first used.
        /// </summary>
        private void CheckNoCycle(HashSet<INamedTypeSymbol> types, INamedTypeSymbol type, int own, IFieldSymbol field, SyntaxNode at)
        {
            for (var i = 0; i < _running.Count; i++)
            {
                if (i == own && own == _running.Count - 1) continue;
                if (types.Contains(_running[i].Type) && !SymbolEqualityComparer.Default.Equals(_running[i].Type, type))
                {
                    throw NotProvable(at, $"'{field.Name}' of '{type.Name}' reads '{_running[i].Type.Name}', whose initialisation is reading '{type.Name}': " +
                        "the values depend on which type is used first. Move the shared values into one type.");
                }
            }
        }

        private void Note(HashSet<INamedTypeSymbol> types)
        {
            if (_running.Count > 0) _running[_running.Count - 1].Types.UnionWith(types);
        }

        private static EvaluationException NotProvable(SyntaxNode at, string reason) =>
            new EvaluationException(DiagnosticIds.FieldNotProvable, LocationInfo.From(at), reason);

        private sealed class Frame
        {
            public Frame(IFieldSymbol field, INamedTypeSymbol type)
            {
                Field = field;
                Type = type;
                Types = new HashSet<INamedTypeSymbol>(SymbolEqualityComparer.Default) { type };
            }

            public IFieldSymbol Field { get; }

            public INamedTypeSymbol Type { get; }

            /// <summary>The types whose fields this initializer read, directly or through other fields.</summary>
            public HashSet<INamedTypeSymbol> Types { get; }
        }

        private sealed class Known
        {
            public Known(object? value, HashSet<INamedTypeSymbol> types)
            {
                Value = value;
                Types = types;
            }

            public object? Value { get; }

            public HashSet<INamedTypeSymbol> Types { get; }
        }
    }
}
