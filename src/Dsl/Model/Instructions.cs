using System;
using ImageDsl.Internal;

namespace ImageDsl
{
    // The model: one record per Dockerfile instruction. Records compare by value, which the generator's
    // incremental pipeline and the renderer's stage de-duplication rely on; keep every member equatable
    // (EquatableList, records, primitives — never arrays).

    /// <summary>One instruction of a stage.</summary>
    public abstract record Instruction
    {
        private protected Instruction() { }
    }

    public sealed record RunInstruction(Command Command, EquatableList<Mount> Mounts, RunNetwork Network, RunSecurity Security) : Instruction;

    /// <summary><c>RUN &lt;&lt;EOF</c>: a script given as a heredoc.</summary>
    public sealed record RunHeredocInstruction(string Script, EquatableList<Mount> Mounts, RunNetwork Network, RunSecurity Security) : Instruction;

    public sealed record CmdInstruction(Command Command) : Instruction;

    public sealed record EntrypointInstruction(Command Command) : Instruction;

    public sealed record ShellInstruction(EquatableList<string> Shell) : Instruction;

    /// <summary>One ENV instruction: every variable is set in one step (one history entry), in order.</summary>
    public sealed record EnvInstruction(EquatableList<NamedValue> Variables) : Instruction;

    /// <summary>One LABEL instruction: every label is set in one step (one history entry), in order.</summary>
    public sealed record LabelInstruction(EquatableList<NamedValue> Labels) : Instruction;

    /// <summary>A key and its value, as ENV and LABEL write them: <c>key=value</c>.</summary>
    public sealed record NamedValue(string Key, Value Value);

    public sealed record ArgInstruction(BuildArg Argument) : Instruction;

    public sealed record ExposeInstruction(EquatableList<Port> Ports) : Instruction;

    /// <summary>
    /// <c>USER</c>: docker's <c>user[:group]</c>, literal (from an <see cref="Owner"/> or a string) or with references that
    /// the builder expands (a <see cref="BuildArg"/>, <see cref="Value.Env(string)"/>).
    /// </summary>
    public sealed record UserInstruction(Value User) : Instruction;

    public sealed record WorkdirInstruction(Value Path) : Instruction;

    public sealed record VolumeInstruction(EquatableList<Value> Paths) : Instruction;

    public sealed record CopyInstruction(EquatableList<CopySource> Sources, Value Destination, StageOrImage? From, Owner? Chown, FileMode? Chmod,
        bool Link, bool Parents, EquatableList<Glob> Exclude) : Instruction;

    public sealed record AddInstruction(EquatableList<CopySource> Sources, Value Destination, Owner? Chown, FileMode? Chmod, bool Link,
        string? Checksum, bool KeepGitDir, EquatableList<Glob> Exclude) : Instruction;

    /// <summary>What a COPY/ADD source string means: one file or directory, a pattern, or (ADD only) a URL.</summary>
    public enum SourceKind
    {
        /// <summary>The file or directory of exactly this name (a plain string).</summary>
        Path,
        /// <summary>Every file or directory the pattern matches (<see cref="Glob"/>).</summary>
        Pattern,
        /// <summary>A remote file or git repository that ADD fetches (<see cref="System.Uri"/>).</summary>
        Url,
    }

    /// <summary>
    /// One COPY/ADD source: its text (with build-argument references) and what the text means. <see cref="Confirmed"/>
    /// marks a literal path given as <see cref="Glob.Literal"/>: meant exactly as written, so no IDSL0020 warning.
    /// </summary>
    public sealed record CopySource(Value Text, SourceKind Kind, bool Confirmed = false);

    /// <summary><c>COPY &lt;&lt;EOF dest</c>: a file whose content is written inline.</summary>
    public sealed record CopyHeredocInstruction(string Content, Value Destination, Owner? Chown, FileMode? Chmod) : Instruction;

    /// <summary>HEALTHCHECK; a null <see cref="Test"/> is <c>HEALTHCHECK NONE</c>.</summary>
    public sealed record HealthcheckInstruction(Command? Test, TimeSpan? Interval, TimeSpan? Timeout, TimeSpan? StartPeriod,
        TimeSpan? StartInterval, int? Retries) : Instruction;

    public sealed record StopSignalInstruction(Signal Signal) : Instruction;

    public sealed record OnBuildInstruction(Instruction Trigger) : Instruction;

    public sealed record CommentInstruction(string Text) : Instruction;

    /// <summary>The parser directives at the top of the file.</summary>
    public sealed record ParserDirectives(string? Syntax, char Escape, string? Check)
    {
        public static ParserDirectives Default { get; } = new ParserDirectives(null, '\\', null);
    }
}
