using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;

namespace ImageDsl.Generator.Evaluation
{
    /// <summary>
    /// From a compilation's symbols to the generator's own copy of the DSL. The DSL's types live in the generator's
    /// assembly (compiled from the same source); in the user's compilation they come from the ImageDsl assembly.
    /// Caches are keyed by symbol: the DSL's metadata symbols are shared by every compilation that references the same
    /// ImageDsl assembly, so they hit across runs without formatting any symbol as text.
    /// </summary>
    internal static class DslReflection
    {
        private const string DslAssemblyName = "ImageDsl";
        private static readonly ConditionalWeakTable<IMethodSymbol, Box<MethodBase?>> MethodCache = new ConditionalWeakTable<IMethodSymbol, Box<MethodBase?>>();
        private static readonly ConditionalWeakTable<ITypeSymbol, Box<Type?>> TypeCache = new ConditionalWeakTable<ITypeSymbol, Box<Type?>>();

        public static readonly Assembly DslAssembly = typeof(Dockerfile).Assembly;

        public static bool IsDslType(ITypeSymbol? type) => type?.ContainingAssembly?.Name == DslAssemblyName;

        /// <summary>Methods whose result is a function of their arguments alone: the DSL's, TimeSpan's and Uri's.</summary>
        public static bool IsEvaluable(IMethodSymbol method) =>
            IsDslType(method.ContainingType) || IsSystemType(method.ContainingType, "TimeSpan") || IsSystemType(method.ContainingType, "Uri");

        /// <summary>
        /// Types whose values cannot change once built, so a static readonly field of one holds its initializer's value
        /// for ever: text, numbers, enums, TimeSpan, Uri and the DSL's records. Arrays and collections can be changed
        /// element by element; a field typed <c>object</c> or an interface may hold one.
        /// </summary>
        public static bool IsImmutable(ITypeSymbol type)
        {
            if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable) return IsImmutable(nullable.TypeArguments[0]);
            switch (type.SpecialType)
            {
                case SpecialType.System_String:
                case SpecialType.System_Boolean:
                case SpecialType.System_Char:
                case SpecialType.System_Int32:
                case SpecialType.System_UInt32:
                case SpecialType.System_Int64:
                case SpecialType.System_Double:
                    return true;
            }

            if (type.TypeKind == TypeKind.Enum) return true;
            if (type is not INamedTypeSymbol named) return false;
            if (IsSystemType(named, "TimeSpan") || IsSystemType(named, "Uri")) return true;
            return IsDslType(named) && named.Name != nameof(ImageAttribute) && named.TypeKind != TypeKind.Interface;
        }

        public static bool IsSystemType(INamedTypeSymbol type, string metadataName) =>
            type.MetadataName == metadataName && type.ContainingType is null &&
            type.ContainingNamespace is { Name: "System", ContainingNamespace.IsGlobalNamespace: true };

        public static MethodBase? ResolveMethod(IMethodSymbol method) =>
            MethodCache.GetValue(method, static m => new Box<MethodBase?>(FindMethod(m))).Value;

        /// <summary>The runtime type inside the generator that a compilation's type stands for.</summary>
        /// <remarks>
        /// The type of an expression is often a symbol the compiler makes anew for each binding (<c>uint?</c>, an enum
        /// with a nullable annotation, an array): those are mapped from their parts, and only definitions, which the
        /// compiler shares, key the symbol cache. Otherwise every evaluation would look each type up by name again.
        /// </remarks>
        public static Type? MapType(ITypeSymbol type)
        {
            switch (type)
            {
                case IArrayTypeSymbol { Rank: 1 } array:
                    return MapType(array.ElementType) is { } element ? ConstructedTypes.GetOrAdd((element, null, null), static key => key.Definition.MakeArrayType()) : null;
                case INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 1 or 2 } generic when !ReferenceEquals(generic, generic.OriginalDefinition):
                    var definition = MapType(generic.OriginalDefinition);
                    var first = MapType(generic.TypeArguments[0]);
                    var second = generic.TypeArguments.Length == 2 ? MapType(generic.TypeArguments[1]) : null;
                    if (definition is null || first is null || (generic.TypeArguments.Length == 2 && second is null)) return null;
                    return ConstructedTypes.GetOrAdd((definition, first, second), static key =>
                        key.Second is null ? key.Definition.MakeGenericType(key.First!) : key.Definition.MakeGenericType(key.First!, key.Second));
                default:
                    return TypeCache.GetValue(type.OriginalDefinition, static t => new Box<Type?>(FindType(t))).Value;
            }
        }

        /// <summary>Arrays (Second and First null) and generic types of one or two arguments, by their runtime parts.</summary>
        private static readonly ConcurrentDictionary<(Type Definition, Type? First, Type? Second), Type> ConstructedTypes =
            new ConcurrentDictionary<(Type Definition, Type? First, Type? Second), Type>();

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

            if (type is not INamedTypeSymbol named) return null;
            if (named.IsGenericType)
            {
                // An open definition: its constructed forms are made from it in MapType.
                return named.SpecialType == SpecialType.System_Nullable_T ? typeof(Nullable<>)
                    : named.SpecialType == SpecialType.System_Collections_Generic_IEnumerable_T ? typeof(IEnumerable<>)
                    : named.SpecialType == SpecialType.System_Collections_Generic_IReadOnlyList_T ? typeof(IReadOnlyList<>)
                    : IsSystemType(named, "Func`2") ? typeof(Func<,>)
                    : IsSystemType(named, "ValueTuple`2") ? typeof(ValueTuple<,>)
                    : null;
            }

            if (IsSystemType(named, "TimeSpan")) return typeof(TimeSpan);
            if (IsSystemType(named, "Uri")) return typeof(Uri);
            if (!IsDslType(named)) return null;
            var metadataName = named.ContainingType is null
                ? named.ContainingNamespace.ToDisplayString() + "." + named.MetadataName
                : MapType(named.ContainingType)?.FullName + "+" + named.MetadataName;
            return DslAssembly.GetType(metadataName);
        }

        private sealed class Box<T>
        {
            public Box(T value) => Value = value;

            public T Value { get; }
        }
    }
}
