using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Threading;
using ImageDsl.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace ImageDsl.Generator
{
    /// <summary>A definition could not be evaluated; <see cref="Location"/> is the exact expression at fault.</summary>
    internal sealed class EvaluationException : Exception
    {
        public EvaluationException(string id, LocationInfo? location, string message) : base(message)
        {
            Id = id;
            Location = location;
        }

        public string Id { get; }

        public LocationInfo? Location { get; }
    }

    /// <summary>
    /// Evaluates a <c>Define()</c> body at compile time by interpreting its operation tree. Calls into the DSL run the
    /// real DSL code — the generator compiles the Dsl's source into itself — through reflection, so the model, the
    /// validation and the renderer are the runtime's own, not a second implementation. What it evaluates: literals,
    /// constants, interpolated strings of strings, string concatenation, locals, static readonly fields of the class,
    /// collection expressions and arrays, lambdas passed to the DSL, TimeSpan factories, and the DSL's own types.
    /// Everything else is reported at that exact expression as not known at compile time.
    /// </summary>
    internal sealed class DefinitionEvaluator
    {
        // The Dsl's types live in the generator's own assembly (compiled from the same source); in the user's
        // compilation they come from the ImageDsl assembly.
        private const string DslAssemblyName = "ImageDsl";
        private static readonly Assembly DslAssembly = typeof(Dockerfile).Assembly;
        // Keyed by symbol: the DSL's metadata symbols are shared by every compilation that references the same
        // ImageDsl assembly, so these caches hit across runs without formatting any symbol as text.
        private static readonly ConditionalWeakTable<IMethodSymbol, Box<MethodBase?>> MethodCache = new ConditionalWeakTable<IMethodSymbol, Box<MethodBase?>>();
        private static readonly ConditionalWeakTable<ITypeSymbol, Box<Type?>> TypeCache = new ConditionalWeakTable<ITypeSymbol, Box<Type?>>();
        private static readonly MethodInfo MakeFuncMethod = typeof(DefinitionEvaluator).GetMethod(nameof(MakeFunc), BindingFlags.NonPublic | BindingFlags.Static)!;

        private readonly SemanticModel _model;
        private readonly CancellationToken _cancellationToken;
        private readonly Dictionary<ISymbol, object?> _variables = new Dictionary<ISymbol, object?>(SymbolEqualityComparer.Default);
        private readonly HashSet<IFieldSymbol> _fieldsInProgress = new HashSet<IFieldSymbol>(SymbolEqualityComparer.Default);
        private const int MaxHelperDepth = 16;
        private int _depth;

        // Where each DSL object came from, so that problems found later by validation point at the call that caused
        // them. Reference identity on purpose: two equal instructions written twice are two places.
        private readonly Dictionary<object, LocationInfo> _origins = new Dictionary<object, LocationInfo>(ReferenceComparer.Instance);
        private readonly Dictionary<object, LocationInfo> _nameOrigins = new Dictionary<object, LocationInfo>(ReferenceComparer.Instance);

        public DefinitionEvaluator(SemanticModel model, CancellationToken cancellationToken)
        {
            _model = model;
            _cancellationToken = cancellationToken;
        }

        /// <summary>Evaluates a method body (expression- or block-bodied) and returns what it returns.</summary>
        public object? EvaluateMethodBody(IOperation method)
        {
            if (method is IBlockOperation expressionBody) return EvaluateBlock(expressionBody);
            var body = method as IMethodBodyBaseOperation;
            var block = body?.BlockBody ?? body?.ExpressionBody;
            if (block is null) throw Unsupported(method.Syntax, "Define() needs a body.");
            return EvaluateBlock(block);
        }

        /// <summary>The source location a validation problem refers to, when known.</summary>
        public LocationInfo? Locate(DockerfileProblem problem) =>
            problem.SubjectKind == ProblemSubject.StageName && _nameOrigins.TryGetValue(problem.Subject, out var name) ? name
            : _origins.TryGetValue(problem.Subject, out var origin) ? origin
            : null;

        private object? EvaluateBlock(IBlockOperation block)
        {
            foreach (var statement in block.Operations)
            {
                _cancellationToken.ThrowIfCancellationRequested();
                switch (statement)
                {
                    case IVariableDeclarationGroupOperation group:
                        foreach (var declarator in group.Declarations.SelectMany(d => d.Declarators))
                        {
                            var initializer = declarator.Initializer ?? declarator.GetVariableInitializer();
                            if (initializer is null) throw Unsupported(declarator.Syntax, $"Give '{declarator.Symbol.Name}' a value where it is declared.");
                            _variables[declarator.Symbol] = Evaluate(initializer.Value);
                        }

                        break;
                    case IReturnOperation { ReturnedValue: { } returned }:
                        return Evaluate(returned);
                    default:
                        throw Unsupported(statement.Syntax,
                            "Only local variable declarations and a return statement are evaluated in an image definition; move other logic out of Define().");
                }
            }

            throw Unsupported(block.Syntax, "Define() must end with a return statement.");
        }

        private object? Evaluate(IOperation operation)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            if (operation.ConstantValue.HasValue)
            {
                return ConvertConstant(operation.ConstantValue.Value, operation.Type);
            }

            switch (operation)
            {
                case IConversionOperation conversion:
                    return EvaluateConversion(conversion);
                case IDelegateCreationOperation { Target: IAnonymousFunctionOperation lambda, Type: INamedTypeSymbol delegateType }:
                    return MakeDelegate(lambda, delegateType);
                case ILocalReferenceOperation local when _variables.TryGetValue(local.Local, out var value):
                    return value;
                case IParameterReferenceOperation parameter when _variables.TryGetValue(parameter.Parameter, out var value):
                    return value;
                case IFieldReferenceOperation field:
                    return EvaluateField(field);
                case IPropertyReferenceOperation property:
                    return EvaluateProperty(property);
                case IInvocationOperation invocation:
                    return EvaluateInvocation(invocation);
                case IObjectCreationOperation creation when creation.Constructor is not null:
                    return Invoke(creation.Constructor, null, creation.Arguments, creation.Syntax);
                case IArrayCreationOperation { Initializer: { } initializer } array:
                    return MakeArray(((IArrayTypeSymbol)array.Type!).ElementType, initializer.ElementValues, array.Syntax);
                case ICollectionExpressionOperation collection:
                    return EvaluateCollection(collection);
                case IInterpolatedStringOperation interpolated:
                    return EvaluateInterpolatedString(interpolated);
                case IBinaryOperation binary:
                    return EvaluateBinary(binary);
                case IConditionalOperation { Condition.ConstantValue: { HasValue: true, Value: bool condition } } conditional when conditional.WhenFalse is not null:
                    return Evaluate(condition ? conditional.WhenTrue : conditional.WhenFalse);
                case IDefaultValueOperation defaultValue:
                    return defaultValue.Type is { IsValueType: true } valueType && MapType(valueType) is { } mapped ? Activator.CreateInstance(mapped) : null;
                case IAnonymousFunctionOperation:
                    throw Unsupported(operation.Syntax, "A lambda is only evaluated where a DSL method takes it (e.g. OnBuild).");
                default:
                    throw NotConstant(operation.Syntax);
            }
        }

        private object? EvaluateConversion(IConversionOperation conversion)
        {
            if (conversion.Operand is IAnonymousFunctionOperation lambda && conversion.Type is INamedTypeSymbol delegateType)
            {
                return MakeDelegate(lambda, delegateType);
            }

            if (conversion.OperatorMethod is { } method)
            {
                // A user-defined conversion (string → Value, int → Port…): run the DSL's own operator. Whatever it
                // rejects is reported at the converted expression.
                return InvokeMethod(method, null, new[] { Evaluate(conversion.Operand) }, conversion.Syntax, _ => conversion.Operand.Syntax);
            }

            var value = Evaluate(conversion.Operand);
            return ConvertValue(value, conversion.Type, conversion.Syntax);
        }

        private object? EvaluateField(IFieldReferenceOperation reference)
        {
            var field = reference.Field;
            if (field.IsStatic && field.IsReadOnly && field.DeclaringSyntaxReferences.Length == 1 &&
                SymbolEqualityComparer.Default.Equals(field.ContainingAssembly, _model.Compilation.Assembly) &&
                field.DeclaringSyntaxReferences[0].GetSyntax(_cancellationToken) is VariableDeclaratorSyntax { Initializer: { } initializer } declarator)
            {
                if (!_fieldsInProgress.Add(field)) throw Unsupported(reference.Syntax, $"'{field.Name}' refers to itself.");
                try
                {
                    var model = declarator.SyntaxTree == _model.SyntaxTree ? _model : _model.Compilation.GetSemanticModel(declarator.SyntaxTree);
                    var operation = model.GetOperation(initializer, _cancellationToken) as IFieldInitializerOperation;
                    if (operation is null) throw NotConstant(reference.Syntax);
                    return new DefinitionEvaluator(model, _cancellationToken, this).Evaluate(operation.Value);
                }
                finally
                {
                    _fieldsInProgress.Remove(field);
                }
            }

            if (field.IsStatic && IsDslType(field.ContainingType) && MapType(field.ContainingType) is { } type &&
                type.GetField(field.Name, BindingFlags.Public | BindingFlags.Static) is { } info)
            {
                return info.GetValue(null);
            }

            throw NotConstant(reference.Syntax);
        }

        private DefinitionEvaluator(SemanticModel model, CancellationToken cancellationToken, DefinitionEvaluator parent)
            : this(model, cancellationToken)
        {
            _fieldsInProgress = parent._fieldsInProgress;
            _origins = parent._origins;
            _nameOrigins = parent._nameOrigins;
        }

        /// <summary>
        /// A static method or property getter of the project itself (e.g. a shared base stage): its body is evaluated
        /// like Define()'s, with the arguments bound to its parameters.
        /// </summary>
        private bool IsUserHelper(IMethodSymbol method) =>
            method.IsStatic && !method.IsGenericMethod && method.DeclaringSyntaxReferences.Length == 1 &&
            SymbolEqualityComparer.Default.Equals(method.ContainingAssembly, _model.Compilation.Assembly);

        private object? EvaluateHelper(IMethodSymbol method, object?[] arguments, SyntaxNode callSite)
        {
            if (_depth >= MaxHelperDepth)
            {
                throw Unsupported(callSite, $"Helpers call each other more than {MaxHelperDepth} levels deep (recursion is not evaluated).");
            }

            var syntax = method.DeclaringSyntaxReferences[0].GetSyntax(_cancellationToken);
            var model = syntax.SyntaxTree == _model.SyntaxTree ? _model : _model.Compilation.GetSemanticModel(syntax.SyntaxTree);
            var helper = new DefinitionEvaluator(model, _cancellationToken, this) { _depth = _depth + 1 };
            for (var i = 0; i < method.Parameters.Length; i++) helper._variables[method.Parameters[i]] = arguments[i];
            var body = model.GetOperation(syntax, _cancellationToken);
            var result = body switch
            {
                IMethodBodyBaseOperation methodBody => helper.EvaluateMethodBody(methodBody),
                IBlockOperation block => helper.EvaluateBlock(block),
                _ => throw NotConstant(callSite),
            };
            return result;
        }

        private object? EvaluateProperty(IPropertyReferenceOperation reference)
        {
            if (reference.Property.GetMethod is { } userGetter && IsUserHelper(userGetter) && reference.Arguments.Length == 0)
            {
                return EvaluateHelper(userGetter, Array.Empty<object?>(), reference.Syntax);
            }

            if (reference.Property.GetMethod is not { } getter || !IsEvaluable(getter) || reference.Arguments.Length > 0)
            {
                throw NotConstant(reference.Syntax);
            }

            var instance = reference.Instance is null ? null : Evaluate(reference.Instance);
            return InvokeMethod(getter, instance, Array.Empty<object?>(), reference.Syntax, _ => reference.Syntax);
        }

        private object? EvaluateInvocation(IInvocationOperation invocation)
        {
            if (IsUserHelper(invocation.TargetMethod))
            {
                var arguments = new object?[invocation.TargetMethod.Parameters.Length];
                foreach (var argument in invocation.Arguments)
                {
                    if (argument.Parameter is null) throw NotConstant(argument.Syntax);
                    arguments[argument.Parameter.Ordinal] = Evaluate(argument.Value);
                }

                return EvaluateHelper(invocation.TargetMethod, arguments, invocation.Syntax);
            }

            if (!IsEvaluable(invocation.TargetMethod)) throw NotConstant(invocation.Syntax);
            var instance = invocation.Instance is null ? null : Evaluate(invocation.Instance);
            var result = Invoke(invocation.TargetMethod, instance, invocation.Arguments, invocation.Syntax);
            Track(instance, result, CallLocation(invocation.Syntax));
            return result;
        }

        private object? Invoke(IMethodSymbol method, object? instance, IEnumerable<IArgumentOperation> arguments, SyntaxNode syntax)
        {
            var ordered = arguments.OrderBy(a => a.Parameter?.Ordinal ?? 0).ToList();
            var values = new object?[method.Parameters.Length];
            foreach (var argument in ordered)
            {
                if (argument.Parameter is null) throw NotConstant(argument.Syntax);
                values[argument.Parameter.Ordinal] = Evaluate(argument.Value);
                if (argument.ArgumentKind != ArgumentKind.DefaultValue) TrackArgument(values[argument.Parameter.Ordinal], argument.Value.Syntax);
            }

            return InvokeMethod(method, instance, values, syntax, parameterName =>
                ordered.FirstOrDefault(a => a.Parameter?.Name == parameterName && a.ArgumentKind != ArgumentKind.DefaultValue) is { } argument
                    ? (argument.Syntax as ArgumentSyntax)?.Expression ?? argument.Syntax
                    : null);
        }

        private object? InvokeMethod(IMethodSymbol method, object? instance, object?[] values, SyntaxNode syntax, Func<string?, SyntaxNode?> argumentSyntax)
        {
            var target = ResolveMethod(method) ?? throw NotConstant(syntax);
            try
            {
                return target is ConstructorInfo constructor ? constructor.Invoke(values) : target.Invoke(instance, values);
            }
            catch (TargetInvocationException e) when (e.InnerException is DockerfileException dsl)
            {
                var argument = argumentSyntax(dsl.ParamName);
                throw new EvaluationException(dsl.Id, argument is null ? CallLocation(syntax) : LocationInfo.From(argument), dsl.Detail);
            }
            catch (TargetInvocationException e) when (e.InnerException is EvaluationException inner)
            {
                throw inner; // a failure inside a lambda the DSL called back into
            }
            catch (TargetInvocationException e) when (e.InnerException is ArgumentException or FormatException or OverflowException)
            {
                throw new EvaluationException(DiagnosticIds.InvalidArgument, LocationInfo.From(syntax), e.InnerException.Message);
            }
        }

        private object? EvaluateCollection(ICollectionExpressionOperation collection)
        {
            var elementType = collection.Type switch
            {
                IArrayTypeSymbol array => array.ElementType,
                INamedTypeSymbol { TypeArguments.Length: 1 } named when named.OriginalDefinition.SpecialType is
                    SpecialType.System_Collections_Generic_IEnumerable_T or SpecialType.System_Collections_Generic_IReadOnlyList_T or
                    SpecialType.System_Collections_Generic_IReadOnlyCollection_T => named.TypeArguments[0],
                _ => null,
            };
            if (elementType is null) throw NotConstant(collection.Syntax);
            return MakeArray(elementType, collection.Elements, collection.Syntax);
        }

        private Array MakeArray(ITypeSymbol elementType, IEnumerable<IOperation> elements, SyntaxNode syntax)
        {
            var type = MapType(elementType) ?? throw NotConstant(syntax);
            var values = elements.Select(e => e is ISpreadOperation ? throw Unsupported(e.Syntax, "Spread elements are not evaluated; list the elements.") : Evaluate(e)).ToList();
            var array = Array.CreateInstance(type, values.Count);
            for (var i = 0; i < values.Count; i++) array.SetValue(values[i], i);
            return array;
        }

        private string EvaluateInterpolatedString(IInterpolatedStringOperation interpolated)
        {
            var text = new System.Text.StringBuilder();
            foreach (var part in interpolated.Parts)
            {
                switch (part)
                {
                    case IInterpolatedStringTextOperation literal:
                        text.Append(literal.Text.ConstantValue.Value as string);
                        break;
                    case IInterpolationOperation { Alignment: null, FormatString: null } hole:
                        var value = Evaluate(hole.Expression);
                        if (value is BuildArg or Value)
                        {
                            throw new EvaluationException(DiagnosticIds.NotConstant, LocationInfo.From(hole.Syntax),
                                "An interpolated string turns a build argument into fixed text: join it with + instead (\"app-\" + version), which writes ${NAME}.");
                        }

                        text.Append(value as string ?? (value is char c ? c.ToString() : throw NotConstant(hole.Syntax)));
                        break;
                    default:
                        throw NotConstant(part.Syntax);
                }
            }

            return text.ToString();
        }

        private object? EvaluateBinary(IBinaryOperation binary)
        {
            if (binary.OperatorMethod is { } method)
            {
                return InvokeMethod(method, null, new[] { Evaluate(binary.LeftOperand), Evaluate(binary.RightOperand) }, binary.Syntax, _ => binary.Syntax);
            }

            if (binary.OperatorKind == BinaryOperatorKind.Add && binary.Type?.SpecialType == SpecialType.System_String)
            {
                return Text(Evaluate(binary.LeftOperand), binary.LeftOperand.Syntax) + Text(Evaluate(binary.RightOperand), binary.RightOperand.Syntax);
            }

            throw NotConstant(binary.Syntax);
        }

        private string Text(object? value, SyntaxNode syntax) => value switch
        {
            null => "",
            string s => s,
            char c => c.ToString(),
            _ => throw NotConstant(syntax),
        };

        private Delegate MakeDelegate(IAnonymousFunctionOperation lambda, INamedTypeSymbol delegateType)
        {
            var parameters = lambda.Symbol.Parameters;
            if (!IsSystemType(delegateType, "Func`2") || parameters.Length != 1)
            {
                throw Unsupported(lambda.Syntax, "Only single-parameter lambdas passed to the DSL are evaluated.");
            }

            var argumentType = MapType(delegateType.TypeArguments[0]) ?? throw NotConstant(lambda.Syntax);
            var resultType = MapType(delegateType.TypeArguments[1]) ?? throw NotConstant(lambda.Syntax);
            Func<object?, object?> body = argument =>
            {
                _variables[parameters[0]] = argument;
                return EvaluateBlock(lambda.Body);
            };
            return (Delegate)MakeFuncMethod.MakeGenericMethod(argumentType, resultType).Invoke(null, new object[] { body })!;
        }

        private static Func<T, TResult> MakeFunc<T, TResult>(Func<object?, object?> body) => argument => (TResult)body(argument)!;

        private void Track(object? receiver, object? result, LocationInfo? location)
        {
            if (location is null || result is not Dockerfile stage) return;
            if (!_origins.ContainsKey(stage)) _origins[stage] = location;
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
        private void TrackArgument(object? value, SyntaxNode syntax)
        {
            switch (value)
            {
                case null or string or Dockerfile:
                    return;
                case Array array when syntax is CollectionExpressionSyntax or ArrayCreationExpressionSyntax or ImplicitArrayCreationExpressionSyntax:
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
                    if (!value.GetType().IsValueType && value.GetType().Assembly == DslAssembly && !_origins.ContainsKey(value) && LocationInfo.From(syntax) is { } location)
                    {
                        _origins[value] = location;
                    }

                    return;
            }
        }

        /// <summary>From the method name to the closing parenthesis: <c>Run("…")</c> rather than the whole chain before it.</summary>
        private static LocationInfo? CallLocation(SyntaxNode syntax) =>
            syntax is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax member } invocation
                ? LocationInfo.From(Location.Create(invocation.SyntaxTree, Microsoft.CodeAnalysis.Text.TextSpan.FromBounds(member.Name.SpanStart, invocation.Span.End)))
                : LocationInfo.From(syntax);

        private static bool IsDslType(ITypeSymbol? type) => type?.ContainingAssembly?.Name == DslAssemblyName;

        private static bool IsEvaluable(IMethodSymbol method) =>
            IsDslType(method.ContainingType) || IsSystemType(method.ContainingType, "TimeSpan") || IsSystemType(method.ContainingType, "Uri");

        private static bool IsSystemType(INamedTypeSymbol type, string metadataName) =>
            type.MetadataName == metadataName && type.ContainingType is null &&
            type.ContainingNamespace is { Name: "System", ContainingNamespace.IsGlobalNamespace: true };

        private static MethodBase? ResolveMethod(IMethodSymbol method) =>
            MethodCache.GetValue(method, static m => new Box<MethodBase?>(FindMethod(m))).Value;

        private static MethodBase? FindMethod(IMethodSymbol method)
        {
            var type = MapType(method.ContainingType);
            var parameterTypes = method.Parameters.Select(p => MapType(p.Type)).ToArray();
            if (type is null || parameterTypes.Any(t => t is null)) return null;
            const BindingFlags flags = BindingFlags.Public | BindingFlags.Static | BindingFlags.Instance;
            if (method.MethodKind == MethodKind.Constructor) return type.GetConstructor(flags, null, parameterTypes!, null);
            var returnType = method.ReturnsVoid ? typeof(void) : MapType(method.ReturnType);
            return type.GetMethods(flags).FirstOrDefault(m =>
                m.Name == method.MetadataName && m.ReturnType == returnType &&
                m.GetParameters().Select(p => p.ParameterType).SequenceEqual(parameterTypes!));
        }

        /// <summary>The runtime type inside the generator that a compilation's type stands for.</summary>
        private static Type? MapType(ITypeSymbol type) => TypeCache.GetValue(type, static t => new Box<Type?>(FindType(t))).Value;

        private static Type? FindType(ITypeSymbol type)
        {
            switch (type.SpecialType)
            {
                case SpecialType.System_String: return typeof(string);
                case SpecialType.System_Int32: return typeof(int);
                case SpecialType.System_UInt32: return typeof(uint);
                case SpecialType.System_Int64: return typeof(long);
                case SpecialType.System_Double: return typeof(double);
                case SpecialType.System_Boolean: return typeof(bool);
                case SpecialType.System_Char: return typeof(char);
                case SpecialType.System_Object: return typeof(object);
            }

            if (type is IArrayTypeSymbol { Rank: 1 } array) return MapType(array.ElementType)?.MakeArrayType();
            if (type is not INamedTypeSymbol named) return null;
            if (named.IsGenericType)
            {
                var definition = named.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T ? typeof(Nullable<>)
                    : named.OriginalDefinition.SpecialType == SpecialType.System_Collections_Generic_IEnumerable_T ? typeof(IEnumerable<>)
                    : named.OriginalDefinition.SpecialType == SpecialType.System_Collections_Generic_IReadOnlyList_T ? typeof(IReadOnlyList<>)
                    : IsSystemType(named, "Func`2") ? typeof(Func<,>)
                    : null;
                var arguments = named.TypeArguments.Select(MapType).ToArray();
                return definition is null || arguments.Any(a => a is null) ? null : definition.MakeGenericType(arguments!);
            }

            if (IsSystemType(named, "TimeSpan")) return typeof(TimeSpan);
            if (IsSystemType(named, "Uri")) return typeof(Uri);
            if (!IsDslType(named)) return null;
            var metadataName = named.ContainingType is null
                ? named.ContainingNamespace.ToDisplayString() + "." + named.MetadataName
                : MapType(named.ContainingType)?.FullName + "+" + named.MetadataName;
            return DslAssembly.GetType(metadataName);
        }

        private static object? ConvertConstant(object? value, ITypeSymbol? type)
        {
            if (value is null || type is null) return value;
            if (type.TypeKind == TypeKind.Enum && MapType(type) is { } enumType) return Enum.ToObject(enumType, value);
            return value;
        }

        private object? ConvertValue(object? value, ITypeSymbol? target, SyntaxNode syntax)
        {
            if (value is null || target is null) return value;
            var type = MapType(target);
            if (type is null) throw NotConstant(syntax);
            var underlying = Nullable.GetUnderlyingType(type) ?? type;
            if (underlying.IsInstanceOfType(value) || !underlying.IsPrimitive) return value;
            return Convert.ChangeType(value, underlying, System.Globalization.CultureInfo.InvariantCulture);
        }

        private static EvaluationException NotConstant(SyntaxNode syntax) =>
            new EvaluationException(DiagnosticIds.NotConstant, LocationInfo.From(syntax),
                $"'{Shorten(syntax.ToString())}' is not known at compile time: use a literal, a const, a local of the definition, or a build argument (BuildArg) for values chosen at build time.");

        private static EvaluationException Unsupported(SyntaxNode syntax, string message) =>
            new EvaluationException(DiagnosticIds.UnsupportedConstruct, LocationInfo.From(syntax), message);

        private static string Shorten(string text)
        {
            var line = text.Split('\n')[0].TrimEnd('\r');
            return line.Length <= 60 && line.Length == text.Length ? line : line.Substring(0, Math.Min(line.Length, 57)) + "...";
        }

        private sealed class Box<T>
        {
            public Box(T value) => Value = value;

            public T Value { get; }
        }

        private sealed class ReferenceComparer : IEqualityComparer<object>
        {
            public static readonly ReferenceComparer Instance = new ReferenceComparer();

            public new bool Equals(object? x, object? y) => ReferenceEquals(x, y);

            public int GetHashCode(object obj) => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(obj);
        }
    }
}
