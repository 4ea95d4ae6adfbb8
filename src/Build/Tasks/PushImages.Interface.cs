using Microsoft.Build.Framework;

namespace ImageDsl.Build.Tasks;

/// <summary>
/// Pushes every tag of every built image to <see cref="Registry"/>, with credentials from docker's configuration
/// (or IMAGEDSL_REGISTRY_USERNAME / IMAGEDSL_REGISTRY_PASSWORD for the registry IMAGEDSL_REGISTRY_HOST names).
/// Credentials never reach the log.
/// </summary>
public sealed partial class PushImages
{
    /// <summary>The images from BuildImages.</summary>
    [Required] public ITaskItem[] Images { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>
    /// The registry host (ImageDslRegistry), e.g. 127.0.0.1:5000 or ghcr.io/team. Empty pushes to Docker Hub under the
    /// image name as written.
    /// </summary>
    public string? Registry { get; set; }

    /// <summary>Attempts per tag for transient failures (ImageDslPushAttempts).</summary>
    public int Attempts { get; set; } = 3;

    /// <summary>The first retry delay in milliseconds; it doubles each time (ImageDslPushRetryDelay).</summary>
    public int RetryDelayMilliseconds { get; set; } = 1000;

    /// <summary>Seconds one tag's push may take in all, retries and waits included (ImageDslPushTimeout).</summary>
    public int TimeoutSeconds { get; set; } = 600;

    /// <summary>One item per pushed reference, with metadata ImageName and Digest.</summary>
    [Output] public ITaskItem[] PushedImages { get; set; } = Array.Empty<ITaskItem>();
}
