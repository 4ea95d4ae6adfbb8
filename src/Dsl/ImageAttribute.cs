using System;

namespace ImageDsl
{
    /// <summary>
    /// Marks a <c>static partial</c> class whose <c>static Dockerfile Define()</c> method describes an image. At compile
    /// time the ImageDsl generator adds <c>DockerfileText</c> and <c>ImageName</c> constants to the class and records
    /// the image in the assembly's metadata for the build step.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
    public sealed class ImageAttribute : Attribute
    {
        public ImageAttribute(string name) => Name = name;

        /// <summary>The image repository name, e.g. <c>hello-world</c> or <c>team/api</c>.</summary>
        public string Name { get; }

        /// <summary>The build context directory, relative to the project directory. Default: the project directory.</summary>
        public string Context { get; set; } = ".";

        /// <summary>Tags to build and push. Default: <c>latest</c>.</summary>
        public string[] Tags { get; set; } = { "latest" };

        /// <summary>For the smoke run: text the container's output must contain. Null: no output check.</summary>
        public string? ExpectOutput { get; set; }

        /// <summary>For the smoke run: the exit code the container must end with.</summary>
        public int ExpectExitCode { get; set; }

        /// <summary>Whether the build's smoke run starts a container from this image. Default: true.</summary>
        public bool SmokeRun { get; set; } = true;

        /// <summary>
        /// For a server: the container port the smoke run probes over HTTP instead of waiting for the container to exit.
        /// The container runs until <see cref="ProbePath"/> answers <see cref="ProbeStatus"/> (with <see cref="ProbeBody"/>
        /// when set) or the smoke run's timeout passes; then it is stopped and removed. 0 (default): no probe.
        /// </summary>
        public int ProbePort { get; set; }

        /// <summary>The path the HTTP probe requests, e.g. <c>/healthz</c>. Default: <c>/</c>.</summary>
        public string ProbePath { get; set; } = "/";

        /// <summary>The HTTP status the probe expects. Default: 200.</summary>
        public int ProbeStatus { get; set; } = 200;

        /// <summary>Text the probe's response body must contain. Null (default): any body.</summary>
        public string? ProbeBody { get; set; }

        /// <summary>
        /// For a server without HTTP: text its output must show (e.g. "Now listening on"). The smoke run waits for it,
        /// then stops and removes the container; a container that exits first, or the timeout, fails the build.
        /// </summary>
        public string? ExpectLog { get; set; }

        /// <summary>
        /// For an image with a HEALTHCHECK (its own or its base image's): the smoke run waits until the container is
        /// healthy, then stops and removes it; unhealthy, exited, or the timeout fails the build.
        /// </summary>
        public bool WaitHealthy { get; set; }
    }
}
