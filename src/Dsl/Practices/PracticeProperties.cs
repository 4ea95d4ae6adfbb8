namespace ImageDsl.Practices
{
    /// <summary>The names of the properties the best-practice analyzer puts on a diagnostic for its code fix.</summary>
    internal static class PracticeProperties
    {
        /// <summary>The finding's data: the pinned reference (IDSL1001), the user to switch to (IDSL1002).</summary>
        public const string Data = "data";
    }
}
