using ImageDsl.Internal;
using ImageDsl.Rendering;

namespace ImageDsl
{
    /// <summary>
    /// A command for RUN, CMD, ENTRYPOINT or HEALTHCHECK: the shell form (one string, run by the stage's shell)
    /// or the exec form (an argument vector, no shell). A string converts to the shell form.
    /// </summary>
    public sealed record Command
    {
        private Command(bool isExec, EquatableList<string> arguments)
        {
            IsExec = isExec;
            Arguments = arguments;
        }

        /// <summary>True for the exec form.</summary>
        public bool IsExec { get; }

        /// <summary>The argument vector (exec form) or the single command line (shell form).</summary>
        public EquatableList<string> Arguments { get; }

        /// <summary>The shell form: <paramref name="commandLine"/> runs as <c>SHELL + [commandLine]</c>.</summary>
        public static Command Shell(string commandLine)
        {
            Syntax.RequireText(commandLine, "a shell command", nameof(commandLine));
            if (commandLine.Trim().Length == 0)
            {
                throw new DockerfileException(DiagnosticIds.InvalidArgument, "A shell command cannot be empty.", nameof(commandLine));
            }

            return new Command(false, EquatableList<string>.Empty.Add(commandLine));
        }

        /// <summary>The exec form: the arguments reach the process exactly as given, with no shell.</summary>
        public static Command Exec(params string[] arguments)
        {
            if (arguments is null || arguments.Length == 0)
            {
                throw new DockerfileException(DiagnosticIds.InvalidArgument, "An exec-form command needs at least one argument.", nameof(arguments));
            }

            foreach (var argument in arguments) Syntax.RequireText(argument, "an exec-form argument", nameof(arguments));
            return new Command(true, EquatableList<string>.From(arguments));
        }

        /// <summary>No command at all (<c>ENTRYPOINT []</c>, <c>CMD []</c>): only <see cref="Dockerfile.ResetEntrypoint"/> and <see cref="Dockerfile.ResetCmd"/> write it.</summary>
        internal static Command None { get; } = new(true, EquatableList<string>.Empty);

        public static implicit operator Command(string commandLine) => Shell(commandLine);
    }
}
