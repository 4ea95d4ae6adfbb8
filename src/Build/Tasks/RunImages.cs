using System.Globalization;
using ImageDsl.Build.Diagnostics;
using Microsoft.Build.Framework;
using Task = System.Threading.Tasks.Task;

namespace ImageDsl.Build.Tasks;

public sealed partial class RunImages : ImageDslTask
{
    protected override async Task ExecuteAsync(CancellationToken cancellationToken)
    {
        if (NetworkMode is not ("none" or "host"))
        {
            throw new ImageDslException(ErrorCodes.InvalidProperty, "ImageDslSmokeRunNetwork", NetworkMode, "use none or host; ImageDsl never creates bridge networks");
        }

        // An image built without a daemon where none is reachable: BuildImages already warned that its checks did not run.
        var candidates = Images.Where(i => (!OnlyRebuilt || i.GetMetadata("Rebuilt") == "true") && i.GetMetadata("ChecksSkipped") != "true").ToList();
        var toCheck = candidates.Select(i => (Image: i, Checks: Manifest(i).Checks ?? Array.Empty<Metadata.StructureCheck>())).Where(x => x.Checks.Count > 0).ToList();
        var toRun = candidates.Where(i => i.GetMetadata("SmokeRun") != "false").ToList();
        if (toRun.Count == 0 && toCheck.Count == 0) return;
        using var engine = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        foreach (var (image, checks) in toCheck)
        {
            var failures = await Checks.StructureChecks.RunAsync(engine, image.GetMetadata("ImageId"), image.ItemSpec, checks, cancellationToken).ConfigureAwait(false);
            foreach (var failure in failures) LogError(AtDeclaration(failure, image));
            if (failures.Count > 0)
            {
                if (!string.IsNullOrEmpty(StampDirectory)) Files.StateFile.Delete(Files.DockerfileFiles.StampPath(StampDirectory!, image.ItemSpec));
                return;
            }

            Log.LogMessage(MessageImportance.High, "ImageDsl: {0} passed its {1} structure check(s).", image.ItemSpec, checks.Count);
        }

        foreach (var image in toRun)
        {
            try
            {
                await SmokeRunAsync(engine, image, cancellationToken).ConfigureAwait(false);
            }
            catch (ImageDslException e)
            {
                // Without this, the next build would find the stamp, skip the build and the smoke run, and pass.
                if (!string.IsNullOrEmpty(StampDirectory)) Files.StateFile.Delete(Files.DockerfileFiles.StampPath(StampDirectory!, image.ItemSpec));
                AtDeclaration(e, image);
                throw;
            }
        }
    }

    /// <summary>A check's failure, reported where [Image] names the image (the IDE's error list jumps there), when known.</summary>
    private ImageDslException AtDeclaration(ImageDslException failure, ITaskItem image)
    {
        if (failure.Origin is null && !string.IsNullOrEmpty(ProjectDirectory)) failure.Origin = Metadata.StepLocator.OfDeclaration(Manifest(image), ProjectDirectory!);
        return failure;
    }

    private async Task SmokeRunAsync(Docker.DockerEngine engine, ITaskItem image, CancellationToken cancellationToken)
    {
        {
            var name = image.ItemSpec;
            var manifest = Manifest(image);
            if (manifest.Probe is { } probe)
            {
                var answer = await engine.ProbeAsync(image.GetMetadata("ImageId"), name, probe, TimeSpan.FromSeconds(TimeoutSeconds), ProbeNetworkMode, cancellationToken).ConfigureAwait(false);
                Log.LogMessage(MessageImportance.High, "ImageDsl: smoke run of {0} passed: its HTTP probe got {1}.", name, answer);
                return;
            }

            if (manifest.Wait is { } wait)
            {
                var seen = await engine.WaitUntilUpAsync(image.GetMetadata("ImageId"), name, wait, TimeSpan.FromSeconds(TimeoutSeconds), NetworkMode, cancellationToken).ConfigureAwait(false);
                Log.LogMessage(MessageImportance.High, "ImageDsl: smoke run of {0} passed: {1}.", name, seen);
                return;
            }

            var result = await engine.RunAsync(image.GetMetadata("ImageId"), TimeSpan.FromSeconds(TimeoutSeconds), NetworkMode, cancellationToken).ConfigureAwait(false);
            foreach (var line in result.Output.TrimEnd('\n').Split('\n'))
            {
                Log.LogMessage(MessageImportance.High, "  [{0}] | {1}", name, line);
            }

            var expectedExit = int.Parse(image.GetMetadata("ExpectExitCode") is { Length: > 0 } code ? code : "0", CultureInfo.InvariantCulture);
            if (result.ExitCode != expectedExit) throw new ImageDslException(ErrorCodes.SmokeExitCode, name, result.ExitCode, expectedExit, Tail(result.Output));
            var expected = image.GetMetadata("ExpectOutput");
            if (image.GetMetadata("HasExpectOutput") == "true" && !result.Output.Contains(expected, StringComparison.Ordinal))
            {
                throw new ImageDslException(ErrorCodes.SmokeOutput, name, expected, Tail(result.Output));
            }

            Log.LogMessage(MessageImportance.High, "ImageDsl: smoke run of {0} passed (exit code {1}).", name, result.ExitCode);
        }
    }

    // What the definition declares for its checks (Checks(), ProbePort, ExpectLog, WaitHealthy): the manifest the
    // generator wrote next to the Dockerfile is the one place it is read from.
    private static Metadata.ImageManifest Manifest(ITaskItem image) =>
        image.GetMetadata("ManifestPath") is { Length: > 0 } path && File.Exists(path) ? Metadata.ImageManifest.Parse(File.ReadAllText(path)) : Metadata.ImageManifest.Empty;

    private static string Tail(string output)
    {
        var lines = output.TrimEnd('\n').Split('\n');
        return string.Join("\n", lines.Skip(Math.Max(0, lines.Length - 20)));
    }
}
