using System;
using System.Linq;
using System.Runtime.CompilerServices;
using ImageDsl.Generator.Model;
using Microsoft.CodeAnalysis;

namespace ImageDsl.Generator.Evaluation
{
    /// <summary>
    /// What one definition may cost to evaluate. The generator runs inside the compiler, on every keystroke in an
    /// editor: a definition that would take minutes (values that double at every step), or recurse deep enough to
    /// overflow the compiler's stack (a chain of thousands of fields), must end in a diagnostic instead. The limits are
    /// counted, not timed, so the same definition gets the same answer on every machine; docs/diagnostics.md lists them.
    /// </summary>
    internal sealed class EvaluationBudget
    {
        /// <summary>Expressions evaluated, plus the size of every value the DSL builds (see <see cref="Charge"/>).</summary>
        public const int MaxSteps = 250_000;

        /// <summary>Expressions nested inside each other: arguments, field initializers, helper bodies, lambdas.</summary>
        public const int MaxDepth = 400;

        /// <summary>Characters in one string or one value's literal text.</summary>
        public const int MaxTextLength = 1_000_000;

        private int _steps;
        private int _depth;

        public int Steps => _steps;

        /// <summary>One expression starts: counts a step and a level, and checks that the stack has room for more.</summary>
        public void Enter(SyntaxNode at)
        {
            if (++_steps > MaxSteps) throw Exceeded(at, $"evaluates more than {MaxSteps:N0} steps");
            if (++_depth > MaxDepth) throw Exceeded(at, $"nests expressions, fields or helpers more than {MaxDepth} levels deep");
            try
            {
                RuntimeHelpers.EnsureSufficientExecutionStack();
            }
            catch (InsufficientExecutionStackException)
            {
                throw Exceeded(at, "nests too deeply for the compiler's stack");
            }
        }

        public void Exit() => _depth--;

        /// <summary>
        /// Charges for the size of a value just built, so that work proportional to it (copying an instruction list,
        /// joining text) is bounded too; and refuses text longer than <see cref="MaxTextLength"/>.
        /// </summary>
        public void Charge(object? value, SyntaxNode at)
        {
            var (units, text) = value switch
            {
                string s => (s.Length / 256, s.Length),
                Value v => (v.Parts.Count / 8 + LiteralLength(v) / 256, LiteralLength(v)),
                Dockerfile d => (d.Instructions.Count / 8, 0),
                Array a => (a.Length / 8, 0),
                _ => (0, 0),
            };
            if (text > MaxTextLength) throw Exceeded(at, $"builds text longer than {MaxTextLength:N0} characters");
            _steps += units;
            if (_steps > MaxSteps) throw Exceeded(at, $"evaluates more than {MaxSteps:N0} steps");
        }

        /// <summary>A string being joined: refused as soon as it passes <see cref="MaxTextLength"/>, before it is built.</summary>
        public void CheckLength(int length, SyntaxNode at)
        {
            if (length > MaxTextLength) throw Exceeded(at, $"builds text longer than {MaxTextLength:N0} characters");
        }

        private static int LiteralLength(Value value) => value.Parts.Sum(p => p.Literal?.Length ?? 0);

        private static EvaluationException Exceeded(SyntaxNode at, string what) =>
            new EvaluationException(DiagnosticIds.EvaluationBudgetExceeded, LocationInfo.From(at),
                $"This definition {what}, past what ImageDsl evaluates at compile time. Build the value from fewer, smaller pieces; " +
                "an image definition never needs this much.");
    }
}
