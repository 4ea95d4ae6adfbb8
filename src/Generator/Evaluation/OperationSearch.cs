using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace ImageDsl.Generator.Evaluation
{
    /// <summary>
    /// Searches of a bound operation tree that allocate nothing per node (Roslyn's <c>Descendants()</c> allocates an
    /// enumerator for each): both run in the IDE on every keystroke of a definition. An explicit stack, not recursion,
    /// because a tree is as deep as a definition's longest expression (a 30,000-term concatenation).
    /// </summary>
    internal static class OperationSearch
    {
        /// <summary>Whether <paramref name="root"/> or any operation under it is invalid (code the compiler rejects).</summary>
        public static bool HasInvalid(IOperation root)
        {
            var pending = new Stack<IOperation>();
            pending.Push(root);
            while (pending.Count > 0)
            {
                var operation = pending.Pop();
                if (operation.Kind == OperationKind.Invalid) return true;
                foreach (var child in operation.ChildOperations) pending.Push(child);
            }

            return false;
        }

        /// <summary>The invocation under <paramref name="root"/> whose syntax is <paramref name="syntax"/>: only branches whose span holds it are searched.</summary>
        public static IInvocationOperation? Invocation(IOperation root, SyntaxNode syntax)
        {
            var pending = new Stack<IOperation>();
            pending.Push(root);
            while (pending.Count > 0)
            {
                var operation = pending.Pop();
                if (operation is IInvocationOperation invocation && invocation.Syntax == syntax) return invocation;
                foreach (var child in operation.ChildOperations)
                {
                    if (child.Syntax.SyntaxTree == syntax.SyntaxTree && child.Syntax.Span.Contains(syntax.Span)) pending.Push(child);
                }
            }

            return null;
        }
    }
}
