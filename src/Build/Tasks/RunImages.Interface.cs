using Microsoft.Build.Framework;

namespace ImageDsl.Build.Tasks;

/// <summary>
/// The smoke run (the `docker run hello-world` check): for each built image whose definition allows it, create a
/// container, start it, wait, capture its output and exit code, remove it, and compare with what [Image] declares.
/// </summary>
public sealed partial class RunImages
{
    /// <summary>The images from BuildImages (metadata ImageId, ExpectOutput, HasExpectOutput, ExpectExitCode, SmokeRun).</summary>
    [Required] public ITaskItem[] Images { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>The project's directory, against which the definitions' source files are named (their failures are reported at [Image]).</summary>
    public string? ProjectDirectory { get; set; }

    /// <summary>Seconds a container may run before it is removed and the build fails (ImageDslSmokeRunTimeout).</summary>
    public int TimeoutSeconds { get; set; } = 60;

    /// <summary>Run only images that BuildImages actually rebuilt (the on-build smoke run); an explicit RunImages runs all.</summary>
    public bool OnlyRebuilt { get; set; }

    /// <summary>Where build stamps are kept: a failed smoke run deletes the image's stamp so the next build tries again.</summary>
    public string? StampDirectory { get; set; }

    /// <summary>The container's network: none (default) or host (ImageDslSmokeRunNetwork).</summary>
    public string NetworkMode { get; set; } = "none";

    /// <summary>
    /// The network of a smoke run that probes a server over HTTP (ImageDslProbeNetwork): default (the daemon's default
    /// network, the port published on 127.0.0.1, as docker run -p does), or host (the probe goes to the container port).
    /// </summary>
    public string ProbeNetworkMode { get; set; } = "default";
}
