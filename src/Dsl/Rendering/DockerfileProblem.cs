namespace ImageDsl
{
    /// <summary>What a problem is about, so that the generator can point at the right place in the source.</summary>
    public enum ProblemSubject
    {
        /// <summary><see cref="DockerfileProblem.Subject"/> is the <see cref="Instruction"/> at fault.</summary>
        Instruction,
        /// <summary><see cref="DockerfileProblem.Subject"/> is the stage (<see cref="Dockerfile"/>) at fault.</summary>
        Stage,
        /// <summary><see cref="DockerfileProblem.Subject"/> is the stage whose name (<c>As</c>) is at fault.</summary>
        StageName,
        /// <summary><see cref="DockerfileProblem.Subject"/> is the argument value at fault (e.g. a source <see cref="Value"/>).</summary>
        Argument,
    }

    /// <summary>
    /// A problem found by <see cref="Dockerfile.Validate"/>. <see cref="Pair"/>, when set, is the value of the ENV or
    /// LABEL pair at fault: where the call wrote several pairs, the problem is reported at that pair.
    /// </summary>
    public sealed record DockerfileProblem(string Id, bool IsError, string Message, ProblemSubject SubjectKind, object Subject, Value? Pair = null);
}
