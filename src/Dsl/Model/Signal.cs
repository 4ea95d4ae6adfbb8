namespace ImageDsl
{
    /// <summary>The signals <c>STOPSIGNAL</c> accepts by name (Linux numbering).</summary>
    public enum Signal
    {
        SIGHUP = 1,
        SIGINT = 2,
        SIGQUIT = 3,
        SIGKILL = 9,
        SIGUSR1 = 10,
        SIGUSR2 = 12,
        SIGTERM = 15,
        SIGCONT = 18,
        SIGSTOP = 19,
        SIGWINCH = 28,
        SIGPWR = 30,
    }
}
