namespace ImageDsl.Build.Registry;

/// <summary>
/// How one tag's push may retry, and how long it may take in all: <see cref="Timeout"/> bounds every attempt, every
/// wait between attempts and every wait on the registry together (ImageDslPushTimeout), so a registry that hangs or
/// fails forever ends in one coded error at a known time.
/// </summary>
public sealed record PushPolicy(int Attempts, TimeSpan FirstRetryDelay, TimeSpan Timeout)
{
    public static PushPolicy Default { get; } = new(3, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10));
}

/// <summary>
/// What a failed push means, read from the error text the daemon relays from the registry (the Engine API gives
/// nothing more structured): whether the credentials were refused, no registry listens, or another attempt may pass.
/// </summary>
public static class PushFailure
{
    public enum Kind
    {
        /// <summary>The registry refused the credentials (or their absence).</summary>
        Authentication,

        /// <summary>Nothing answers at the registry's address: retrying does not help.</summary>
        Unreachable,

        /// <summary>A reset, an early end, a 5xx answer or a read timeout: another attempt may pass.</summary>
        Transient,

        /// <summary>Anything else (an invalid manifest, a quota…): retrying gives the same answer.</summary>
        Permanent,
    }

    public static Kind Classify(string error)
    {
        if (Has(error, "unauthorized") || Has(error, "authentication required") || Has(error, "no basic auth credentials") || Has(error, "denied"))
        {
            return Kind.Authentication;
        }

        // A timeout while connecting ("dial tcp …: i/o timeout") is an address nobody answers at; a timeout while
        // waiting for an answer ("read tcp …: i/o timeout", "Client.Timeout exceeded") is a slow registry.
        if (Has(error, "connection refused") || Has(error, "no such host") || (Has(error, "dial tcp") && Has(error, "i/o timeout")))
        {
            return Kind.Unreachable;
        }

        return Has(error, "connection reset") || error.Contains("EOF", StringComparison.Ordinal) || Has(error, "broken pipe") ||
            error.Contains(" 50", StringComparison.Ordinal) || Has(error, "timeout") || Has(error, "deadline exceeded") || Has(error, "unexpected")
            ? Kind.Transient
            : Kind.Permanent;
    }

    /// <summary>
    /// A status the daemon prints when it retries an upload itself ("Retrying in 5 seconds"): after the daemon's own
    /// retries have failed, ImageDsl's would only multiply the wait.
    /// </summary>
    public static bool IsDaemonRetry(string status) => status.StartsWith("Retrying in ", StringComparison.Ordinal);

    private static bool Has(string text, string part) => text.Contains(part, StringComparison.OrdinalIgnoreCase);
}
