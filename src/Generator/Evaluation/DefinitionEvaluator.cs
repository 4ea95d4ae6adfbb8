using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Reflection;
using System.Threading;
using ImageDsl.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using static ImageDsl.Generator.Evaluation.DslReflection;

namespace ImageDsl.Generator.Evaluation
{
    /// <summary>What one definition's evaluation shares across the helpers, fields and lambdas it reaches.</summary>
    internal sealed class EvaluationScope
    {
        public EvaluationScope(Compilation compilation, CancellationToken cancellationToken)
        {
            CancellationToken = cancellationToken;
            Fields = new FieldInitialization(compilation, cancellationToken);
        }

        public CancellationToken CancellationToken { get; }

        public EvaluationBudget Budget { get; } = new EvaluationBudget();

        public OriginTracker Origins { get; } = new OriginTracker();

        public FieldInitialization Fields { get; }
    }

    /// <summary>
    /// Evaluates a <c>Define()</c> body at compile time by interpreting its operation tree. Calls into the DSL run the
    /// real DSL code — the generator compiles the Dsl's source into itself — through reflection, so the model, the
    /// validation and the renderer are the runtime's own, not a second implementation. What it evaluates: literals,
    /// constants, interpolated strings of strings, string concatenation, locals, static readonly fields whose value is
    /// provably their initializer (<see cref="FieldInitialization"/>), collection expressions and arrays, static helpers
    /// of the project, lambdas passed to the DSL, TimeSpan and Uri factories, and the DSL's own types. Everything else is
    /// reported at that exact expression as not known at compile time; all of it within an <see cref="EvaluationBudget"/>.
    /// </summary>
    internal sealed class DefinitionEvaluator
    {
        private static readonly MethodInfo MakeFuncMethod = typeof(DefinitionEvaluator).GetMethod(nameof(MakeFunc), BindingFlags.NonPublic | BindingFlags.Static)!;
        private const int MaxHelperDepth = 16;

        private readonly SemanticModel _model;
        private readonly EvaluationScope _scope;
        private readonly CancellationToken _cancellationToken;
        private readonly Dictionary<ISymbol, object?> _variables = new Dictionary<ISymbol, object?>(SymbolEqualityComparer.Default);
        private readonly int _helperDepth;

        public DefinitionEvaluator(SemanticModel model, EvaluationScope scope) : this(model, scope, 0)
        {
        }

        private DefinitionEvaluator(SemanticModel model, EvaluationScope scope, int helperDepth)
        {
            _model = model;
            _scope = scope;
            _cancellationToken = scope.CancellationToken;
            _helperDepth = helperDepth;
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
            _scope.Budget.Enter(operation.Syntax);
            try
            {
                return EvaluateOne(operation);
            }
            finally
            {
                _scope.Budget.Exit();
            }
        }

        private object? EvaluateOne(IOperation operation)
        {
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
                case ITupleOperation tuple when tuple.Type is not null:
                    return MakeTuple(tuple);
                case IInterpolatedStringOperation interpolated:
                    return EvaluateInterpolatedString(interpolated);
                case IBinaryOperation binary:
                    return EvaluateBinaryChain(binary);
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
                return InvokeMethod(method, null, new[] { Evaluate(conversion.Operand) }, conversion.Syntax, conversion.Operand.Syntax);
            }

            var value = Evaluate(conversion.Operand);
            return ConvertValue(value, conversion.Type, conversion.Syntax);
        }

        private object? EvaluateField(IFieldReferenceOperation reference)
        {
            var field = reference.Field;
            if (field.IsStatic && IsDslType(field.ContainingType) && MapType(field.ContainingType) is { } type &&
                type.GetField(field.Name, BindingFlags.Public | BindingFlags.Static) is { } info)
            {
                return info.GetValue(null);
            }

            // A static field of the project: evaluated when its value at run time is provably its initializer.
            if (!field.IsStatic || !SymbolEqualityComparer.Default.Equals(field.ContainingAssembly, _model.Compilation.Assembly) ||
                field.DeclaringSyntaxReferences.Length == 0)
            {
                throw NotConstant(reference.Syntax);
            }

            var declarator = field.DeclaringSyntaxReferences[0].GetSyntax(_cancellationToken) as VariableDeclaratorSyntax;
            return _scope.Fields.Read(field, declarator!, reference.Syntax, () =>
            {
                var model = ModelFor(declarator!);
                if (model.GetOperation(declarator!.Initializer!, _cancellationToken) is not IFieldInitializerOperation initializer) throw NotConstant(reference.Syntax);
                return new DefinitionEvaluator(model, _scope, _helperDepth).Evaluate(initializer.Value);
            });
        }

        private SemanticModel ModelFor(SyntaxNode syntax) =>
            syntax.SyntaxTree == _model.SyntaxTree ? _model : _model.Compilation.GetSemanticModel(syntax.SyntaxTree);

        /// <summary>
        /// A static method or property getter of the project itself (e.g. a shared base stage): its body is evaluated
        /// like Define()'s, with the arguments bound to its parameters.
        /// </summary>
        private bool IsUserHelper(IMethodSymbol method) =>
            method.IsStatic && !method.IsGenericMethod && method.DeclaringSyntaxReferences.Length == 1 &&
            SymbolEqualityComparer.Default.Equals(method.ContainingAssembly, _model.Compilation.Assembly);

        private object? EvaluateHelper(IMethodSymbol method, object?[] arguments, SyntaxNode callSite)
        {
            if (_helperDepth >= MaxHelperDepth)
            {
                throw Unsupported(callSite, $"Helpers call each other more than {MaxHelperDepth} levels deep (recursion is not evaluated).");
            }

            var syntax = method.DeclaringSyntaxReferences[0].GetSyntax(_cancellationToken);
            var model = ModelFor(syntax);
            var helper = new DefinitionEvaluator(model, _scope, _helperDepth + 1);
            for (var i = 0; i < method.Parameters.Length; i++) helper._variables[method.Parameters[i]] = arguments[i];
            return model.GetOperation(syntax, _cancellationToken) switch
            {
                IMethodBodyBaseOperation methodBody => helper.EvaluateMethodBody(methodBody),
                IBlockOperation block => helper.EvaluateBlock(block),
                _ => throw NotConstant(callSite),
            };
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
            return InvokeMethod(getter, instance, Array.Empty<object?>(), reference.Syntax, reference.Syntax);
        }

        private object? EvaluateInvocation(IInvocationOperation invocation)
        {
            // port.ToString(): an integer's (or char's) text, as Text writes it; a double's, bool's or enum's is refused there, by name.
            if (invocation.TargetMethod is { Name: "ToString", Parameters.Length: 0, IsStatic: false } && invocation.Instance is { } receiver
                && invocation.TargetMethod.ContainingType.SpecialType is SpecialType.System_SByte or SpecialType.System_Byte or SpecialType.System_Int16 or SpecialType.System_UInt16
                    or SpecialType.System_Int32 or SpecialType.System_UInt32 or SpecialType.System_Int64 or SpecialType.System_UInt64 or SpecialType.System_Char
                    or SpecialType.System_Single or SpecialType.System_Double or SpecialType.System_Decimal or SpecialType.System_Boolean or SpecialType.System_Enum)
            {
                return Text(Evaluate(receiver), receiver.Syntax);
            }

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

            // A chain of calls (From(…).Run(…).Copy(…)…) is a left-deep tree as deep as the chain is long: walk it in
            // a loop, innermost call first, so that a long definition costs no stack.
            var chain = new List<IInvocationOperation>(16) { invocation };
            while (chain[chain.Count - 1].Instance is IInvocationOperation inner && !inner.ConstantValue.HasValue && !IsUserHelper(inner.TargetMethod))
            {
                chain.Add(inner);
            }

            // The outermost call that cannot be evaluated is the one to name, before anything inside it runs.
            if (chain.FirstOrDefault(c => !IsEvaluable(c.TargetMethod)) is { } opaque) throw NotConstant(opaque.Syntax);
            var last = chain[chain.Count - 1];
            var instance = last.Instance is null ? null : Evaluate(last.Instance);
            for (var i = chain.Count - 1; i >= 0; i--)
            {
                _cancellationToken.ThrowIfCancellationRequested();
                var call = chain[i];
                _scope.Budget.Enter(call.Syntax);
                _scope.Budget.Exit();
                var result = Invoke(call.TargetMethod, instance, call.Arguments, call.Syntax);
                _scope.Budget.Charge(result, call.Syntax);
                _scope.Origins.TrackCall(instance, result, call.Syntax);
                instance = result;
            }

            return instance;
        }

        private object? Invoke(IMethodSymbol method, object? instance, ImmutableArray<IArgumentOperation> arguments, SyntaxNode syntax)
        {
            // Arguments come in evaluation order; a DSL call has no side effects, so evaluating them in parameter order
            // (the order the first failure is reported in) is the same.
            var ordered = InParameterOrder(arguments) ? arguments : arguments.OrderBy(a => a.Parameter?.Ordinal ?? 0).ToImmutableArray();
            var values = new object?[method.Parameters.Length];
            for (var i = 0; i < ordered.Length; i++)
            {
                var argument = ordered[i];
                if (argument.Parameter is null) throw NotConstant(argument.Syntax);
                values[argument.Parameter.Ordinal] = Evaluate(argument.Value);
                if (argument.ArgumentKind == ArgumentKind.ParamArray && argument.Value is IArrayCreationOperation { Initializer: { } elements })
                {
                    // Env(("A", "1"), ("B", b)): the array is implicit; its elements are the call's own arguments.
                    _scope.Origins.TrackElements(values[argument.Parameter.Ordinal], elements.ElementValues.Select(e => e.Syntax).ToList());
                }
                else if (argument.ArgumentKind != ArgumentKind.DefaultValue)
                {
                    _scope.Origins.TrackArgument(values[argument.Parameter.Ordinal], argument.Value.Syntax);
                }
            }

            return InvokeMethod(method, instance, values, syntax, arguments: ordered);
        }

        private static bool InParameterOrder(ImmutableArray<IArgumentOperation> arguments)
        {
            for (var i = 1; i < arguments.Length; i++)
            {
                if ((arguments[i - 1].Parameter?.Ordinal ?? 0) > (arguments[i].Parameter?.Ordinal ?? 0)) return false;
            }

            return true;
        }

        /// <summary>
        /// Runs a DSL method. What it rejects is reported at the argument it names among <paramref name="arguments"/>,
        /// else at <paramref name="operand"/> (a conversion's or operator's), else at the call.
        /// </summary>
        private object? InvokeMethod(IMethodSymbol method, object? instance, object?[] values, SyntaxNode syntax, SyntaxNode? operand = null,
            ImmutableArray<IArgumentOperation> arguments = default)
        {
            var target = ResolveMethod(method) ?? throw NotConstant(syntax);
            try
            {
                return target is ConstructorInfo constructor ? constructor.Invoke(values) : target.Invoke(instance, values);
            }
            catch (TargetInvocationException e) when (e.InnerException is DockerfileException dsl)
            {
                var argument = arguments.IsDefault ? operand
                    : arguments.FirstOrDefault(a => a.Parameter?.Name == dsl.ParamName && a.ArgumentKind != ArgumentKind.DefaultValue) is { } named
                        ? ElementSyntax(named, dsl.Element) ?? (named.Syntax as ArgumentSyntax)?.Expression ?? named.Syntax
                        : null;
                throw new EvaluationException(dsl.Id, argument is null ? OriginTracker.CallLocation(syntax) : LocationInfo.From(argument), dsl.Detail);
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

        /// <summary>The element of an array argument (params, <c>new[] { … }</c> or <c>[ … ]</c>) the DSL named, when it is written out.</summary>
        private static SyntaxNode? ElementSyntax(IArgumentOperation argument, int? element)
        {
            if (element is not { } index) return null;
            var value = argument.Value;
            while (value is IConversionOperation conversion) value = conversion.Operand;
            var elements = value switch
            {
                IArrayCreationOperation { Initializer: { } initializer } => initializer.ElementValues,
                ICollectionExpressionOperation collection => collection.Elements,
                _ => ImmutableArray<IOperation>.Empty,
            };
            return index < elements.Length ? elements[index].Syntax : null;
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

        /// <summary>
        /// A tuple literal: <c>("A", version)</c> for Env's and Label's <c>(string Key, Value Value)</c> pairs. Converted
        /// to the parameter's tuple type, its elements already carry their conversions (string → Value).
        /// </summary>
        private object MakeTuple(ITupleOperation tuple)
        {
            var type = MapType(tuple.Type!) ?? throw NotConstant(tuple.Syntax);
            var values = new object?[tuple.Elements.Length];
            for (var i = 0; i < values.Length; i++) values[i] = Evaluate(tuple.Elements[i]);
            return Activator.CreateInstance(type, values)!;
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

                        text.Append(Text(value, hole.Expression.Syntax));
                        _scope.Budget.CheckLength(text.Length, hole.Syntax);
                        break;
                    default:
                        throw NotConstant(part.Syntax);
                }
            }

            return text.ToString();
        }

        /// <summary>
        /// <c>a + b + c + …</c> is a left-deep tree as deep as it has terms: evaluated in a loop from the left, and
        /// strings joined in one builder, so that a long chain costs neither stack nor quadratic copying.
        /// </summary>
        private object? EvaluateBinaryChain(IBinaryOperation binary)
        {
            var chain = new List<IBinaryOperation> { binary };
            while (chain[chain.Count - 1].LeftOperand is IBinaryOperation inner && !inner.ConstantValue.HasValue) chain.Add(inner);

            var value = Evaluate(chain[chain.Count - 1].LeftOperand);
            System.Text.StringBuilder? text = null;
            for (var i = chain.Count - 1; i >= 0; i--)
            {
                var node = chain[i];
                var right = Evaluate(node.RightOperand);
                if (node.OperatorMethod is null && node.OperatorKind == BinaryOperatorKind.Add && node.Type?.SpecialType == SpecialType.System_String)
                {
                    text ??= new System.Text.StringBuilder(Text(value, node.LeftOperand.Syntax));
                    var term = Text(right, node.RightOperand.Syntax);
                    _scope.Budget.CheckLength(text.Length + term.Length, node.Syntax);
                    text.Append(term);
                    continue;
                }

                if (text is not null)
                {
                    value = text.ToString();
                    text = null;
                }

                if (node.OperatorMethod is not { } method) throw NotConstant(node.Syntax);
                value = InvokeMethod(method, null, new[] { value, right }, node.Syntax, node.Syntax);
                _scope.Budget.Charge(value, node.Syntax);
            }

            return text is not null ? text.ToString() : value;
        }

        /// <summary>
        /// A value joined into text (<c>+</c>, an interpolation hole). Integers are written as the invariant culture
        /// writes them (digits, '-' for a negative), so <c>"http://+:" + Port</c> is the same text on every build
        /// machine — at run time C# would use the current culture, whose minus sign can differ; other values (a
        /// <c>double</c>'s separator, a <c>bool</c>'s "True", an enum's name) have no one text, and are refused.
        /// </summary>
        private string Text(object? value, SyntaxNode syntax) => value switch
        {
            null => "",
            string s => s,
            char c => c.ToString(),
            sbyte or byte or short or ushort or int or uint or long or ulong => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)!,
            Value or BuildArg => throw NotConstant(syntax),
            _ => throw new EvaluationException(DiagnosticIds.NotConstant, LocationInfo.From(syntax),
                $"'{Shorten(syntax.ToString())}' is a {value.GetType().Name}, whose text the generator does not choose for you (a number's separator, a bool's 'True', an enum's name): write the text itself as a string, e.g. \"{Sample(value)}\"."),
        };

        private static string Sample(object value) => value is IFormattable formattable ? formattable.ToString(null, System.Globalization.CultureInfo.InvariantCulture) : value.ToString() ?? "";

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
    }
}
