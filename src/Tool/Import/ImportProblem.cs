namespace ImageDsl.Tool.Import;

/// <summary>
/// Something of the Dockerfile that the C# does not carry as written: its line, the instruction and why.
/// <see cref="Omitted"/>: the instruction is not in the definition at all (it is kept there as a comment).
/// </summary>
public sealed record ImportProblem(int Line, string Instruction, string Reason, bool Omitted = false)
{
    public override string ToString() => $"line {Line}: {Instruction}: {Reason}";
}

/// <summary>The C# definition written for a Dockerfile, and every line it could not carry exactly.</summary>
public sealed record ImportResult(string ClassName, string Source, IReadOnlyList<ImportProblem> Problems);

/// <summary>Thrown for a construct that cannot be written in C#; the importer turns it into an <see cref="ImportProblem"/>.</summary>
internal sealed class NotExpressibleException(string reason) : Exception(reason);
