namespace ImageDsl.Practices
{
    /// <summary>
    /// A best-practice finding (IDSL1xxx) in a valid definition. <see cref="Parameter"/> names the argument of the DSL
    /// call at fault (the analyzer reports at that argument when the call is in source); <see cref="Data"/> carries what
    /// a code fix needs (the repository of an unpinned base, the user to switch to…), or null. <see cref="Pair"/>, when
    /// set, is the value of the ENV or LABEL pair at fault: where the call wrote several pairs, the finding is reported
    /// at that pair.
    /// </summary>
    public sealed record PracticeFinding(string Id, string Message, ProblemSubject SubjectKind, object Subject, string? Parameter = null, string? Data = null, Value? Pair = null);
}
