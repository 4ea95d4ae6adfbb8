using System;
using System.Collections.Generic;
using System.Linq;
using ImageDsl.Internal;
using ImageDsl.Rendering;

namespace ImageDsl
{
    /// <summary>
    /// Text that may contain references. A plain string converts to a <see cref="Value"/> that is taken literally — a
    /// <c>$</c> in it stays a dollar sign in the image — and the only ways to write <c>${NAME}</c> are a
    /// <see cref="BuildArg"/> (the build argument's value) and <see cref="Env(string)"/> (the stage's environment
    /// variable, e.g. one its base image sets). Join parts with <c>+</c>: <c>"app-" + version</c>.
    /// </summary>
    public sealed class Value : IEquatable<Value>
    {
        private Value(EquatableList<ValuePart> parts) => Parts = parts;

        /// <summary>The literal, build-argument and environment-variable parts, in order.</summary>
        public EquatableList<ValuePart> Parts { get; }

        /// <summary>A value that is exactly <paramref name="text"/>.</summary>
        public static Value Literal(string text)
        {
            if (text is null) throw new DockerfileException(DiagnosticIds.InvalidArgument, "A value cannot be null.", nameof(text));
            return new Value(text.Length == 0 ? EquatableList<ValuePart>.Empty : EquatableList<ValuePart>.Empty.Add(new ValuePart(text, null)));
        }

        /// <summary>A value that is the build argument's value at build time.</summary>
        public static Value Of(BuildArg argument)
        {
            if (argument is null) throw new DockerfileException(DiagnosticIds.InvalidArgument, "A build argument cannot be null.", nameof(argument));
            return new Value(EquatableList<ValuePart>.Empty.Add(new ValuePart(null, argument)));
        }

        /// <summary>
        /// The value the stage's environment variable <paramref name="name"/> has when the instruction runs — set by an
        /// earlier ENV of the stage or of a stage it starts from, or by its base image; empty when unset. Docker expands
        /// it in ENV, LABEL, USER, WORKDIR and COPY/ADD destinations; every value of one ENV is expanded before any is set.
        /// Not in FROM, COPY/ADD sources or patterns, nor in a stage that declares a build argument of the same name
        /// (IDSL0027).
        /// </summary>
        public static Value Env(string name)
        {
            if (!Syntax.IsVariableName(name))
            {
                throw new DockerfileException(DiagnosticIds.InvalidArgument,
                    $"'{name}' is not an environment variable name docker expands: use letters, digits and '_', not starting with a digit.", nameof(name));
            }

            return new Value(EquatableList<ValuePart>.Empty.Add(new ValuePart(null, null, name)));
        }

        public static implicit operator Value(string text) => Literal(text);

        public static implicit operator Value(BuildArg argument) => Of(argument);

        public static Value operator +(Value left, Value right) => Concat(left, right);

        public static Value operator +(Value left, string right) => Concat(left, Literal(right));

        public static Value operator +(string left, Value right) => Concat(Literal(left), right);

        /// <summary>Concatenates values; adjacent literals merge.</summary>
        public static Value Concat(params Value[] values)
        {
            var parts = new List<ValuePart>();
            foreach (var value in values)
            {
                foreach (var part in value.Parts)
                {
                    if (part.Literal is not null && parts.Count > 0 && parts[parts.Count - 1].Literal is { } previous)
                    {
                        parts[parts.Count - 1] = new ValuePart(previous + part.Literal, null);
                    }
                    else
                    {
                        parts.Add(part);
                    }
                }
            }

            return new Value(EquatableList<ValuePart>.From(parts));
        }

        /// <summary>True when the value has no reference (to a build argument or an environment variable).</summary>
        public bool IsLiteral
        {
            get
            {
                foreach (var part in Parts)
                {
                    if (part.Literal is null) return false;
                }

                return true;
            }
        }

        /// <summary>The whole literal text; only meaningful when <see cref="IsLiteral"/>.</summary>
        public string LiteralText => Parts.Count switch
        {
            0 => "",
            1 => Parts[0].Literal ?? "",
            _ => string.Concat(Parts.Select(p => p.Literal)),
        };

        /// <summary>The build arguments this value refers to.</summary>
        public IEnumerable<BuildArg> Arguments => IsLiteral ? Array.Empty<BuildArg>() : Parts.Where(p => p.Argument is not null).Select(p => p.Argument!);

        /// <summary>The environment variables this value refers to (<see cref="Env(string)"/>).</summary>
        public IEnumerable<string> Variables => IsLiteral ? Array.Empty<string>() : Parts.Where(p => p.Variable is not null).Select(p => p.Variable!);

        public bool Equals(Value? other) => other is not null && Parts.Equals(other.Parts);

        public override bool Equals(object? obj) => obj is Value other && Equals(other);

        public override int GetHashCode() => Parts.GetHashCode();

        /// <summary>A readable form for debugging; references show as <c>${NAME}</c>.</summary>
        public override string ToString() => string.Concat(Parts.Select(p => p.Literal ?? "${" + p.Name + "}"));
    }

    /// <summary>One part of a <see cref="Value"/>: literal text, a build-argument reference, or an environment-variable reference (by name).</summary>
    public sealed record ValuePart(string? Literal, BuildArg? Argument, string? Variable = null)
    {
        /// <summary>The name a reference expands (<c>${NAME}</c>); null for literal text.</summary>
        public string? Name => Argument?.Name ?? Variable;
    }

    /// <summary>
    /// A build argument (<c>ARG NAME[=default]</c>). Declare it in each stage that uses it with
    /// <see cref="Dockerfile.Arg(BuildArg)"/>; an argument used in <c>FROM</c> is declared globally for you. Its
    /// default may be built from other build arguments (<c>new BuildArg("IMAGE", "app:" + version)</c> is
    /// <c>ARG IMAGE=app:${VERSION}</c>): docker expands them where the ARG is declared, so a stage that declares it
    /// declares those first, and a value given for the argument at build time replaces the whole default.
    /// </summary>
    public sealed record BuildArg
    {
        /// <summary>An argument whose default, if any, is exactly <paramref name="defaultValue"/> (a <c>$</c> in it stays a dollar sign).</summary>
        public BuildArg(string name, string? defaultValue = null)
            : this(name, defaultValue is null ? null : Value.Literal(defaultValue), nameof(defaultValue))
        {
        }

        /// <summary>
        /// An argument whose default is built from literal text and other build arguments, e.g. <c>"app:" + version</c>;
        /// not from environment variables (<see cref="Value.Env(string)"/>), nor from itself.
        /// </summary>
        public BuildArg(string name, Value defaultValue)
            : this(name, defaultValue ?? throw new DockerfileException(DiagnosticIds.InvalidArgument, "A default value cannot be null: leave it out for an argument without one.", nameof(defaultValue)), nameof(defaultValue))
        {
        }

        private BuildArg(string name, Value? defaultValue, string parameter)
        {
            if (!Syntax.IsVariableName(name))
            {
                throw new DockerfileException(DiagnosticIds.InvalidArgument,
                    $"'{name}' is not a valid build argument name: use letters, digits and '_', not starting with a digit.", nameof(name));
            }

            if (defaultValue is not null)
            {
                Syntax.RequireSingleLine(defaultValue, "a build argument's default value", parameter);
                foreach (var part in defaultValue.Parts)
                {
                    if (part.Variable is { } variable)
                    {
                        // Docker would expand it from the stage's environment at the ARG, a value that differs between the
                        // global scope (none) and each stage; the build argument says what it means.
                        throw new DockerfileException(DiagnosticIds.InvalidArgument,
                            $"A build argument's default cannot refer to the environment variable {variable} (Value.Env): build it from build arguments and text, or set the value with Env(...) in the stage.", parameter);
                    }

                    if (part.Argument is { } argument && argument.Name == name)
                    {
                        throw new DockerfileException(DiagnosticIds.InvalidArgument,
                            $"The default of build argument '{name}' refers to a build argument of the same name, which docker would expand to its value before this declaration: use another name for one of them.", parameter);
                    }
                }
            }

            Name = name;
            Default = defaultValue;
        }

        public string Name { get; }

        /// <summary>The default, or null for an argument without one (empty unless the build gives a value).</summary>
        public Value? Default { get; }

        /// <summary>The build arguments the default refers to, and theirs in turn, each before the arguments that refer to it.</summary>
        internal IEnumerable<BuildArg> Dependencies
        {
            get
            {
                if (Default is null) yield break;
                foreach (var argument in Default.Arguments)
                {
                    foreach (var dependency in argument.Dependencies) yield return dependency;
                    yield return argument;
                }
            }
        }

        public static Value operator +(BuildArg left, string right) => Value.Concat(left, right);

        public static Value operator +(string left, BuildArg right) => Value.Concat(left, right);

        public static Value operator +(BuildArg left, BuildArg right) => Value.Concat(left, right);
    }
}
