using ImageDsl.Build.Diagnostics;
using ImageDsl.Build.Registry;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using Task = System.Threading.Tasks.Task;

namespace ImageDsl.Build.Tasks;

public sealed partial class PushImages : ImageDslTask
{
    protected override async Task ExecuteAsync(CancellationToken cancellationToken)
    {
        // Validate every reference before pushing anything, so a typo cannot leave some tags pushed and others not.
        var plan = Images.SelectMany(image => ImageReference.ForPush(Registry, image.ItemSpec, image.GetMetadata("Tags").Split(';', StringSplitOptions.RemoveEmptyEntries))
            .Select(reference => (Image: image, Reference: reference))).ToList();
        if (plan.Count == 0) return;
        var pushed = new List<ITaskItem>();
        // The daemonless builder pushed its images as it built them: report those, and push only the rest.
        foreach (var image in Images.Where(i => i.GetMetadata("PushedReferences").Length > 0))
        {
            foreach (var entry in image.GetMetadata("PushedReferences").Split(';', StringSplitOptions.RemoveEmptyEntries))
            {
                var at = entry.LastIndexOf('@');
                pushed.Add(Pushed(image, ImageReference.Parse(entry.Substring(0, at)), entry.Substring(at + 1)));
            }
        }

        plan = plan.Where(p => p.Image.GetMetadata("PushedReferences").Length == 0).ToList();
        if (plan.Count == 0)
        {
            PushedImages = pushed.ToArray();
            return;
        }

        if (TimeoutSeconds <= 0) throw new ImageDslException(ErrorCodes.InvalidProperty, "ImageDslPushTimeout", TimeoutSeconds, "give the seconds one push may take, retries included");
        var policy = new PushPolicy(Math.Max(1, Attempts), TimeSpan.FromMilliseconds(RetryDelayMilliseconds), TimeSpan.FromSeconds(TimeoutSeconds));
        var credentials = RegistryCredentials.OfCurrentUser();
        using var engine = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        foreach (var (image, reference) in plan)
        {
            var credential = credentials.Find(reference);
            if (await UpToDateAsync(engine, image.GetMetadata("ImageId"), reference, credential, policy, cancellationToken).ConfigureAwait(false) is { } held)
            {
                Log.LogMessage(MessageImportance.High, "ImageDsl: {0} is up to date ({1}): the registry holds this image under that tag; nothing pushed.", reference.FullName, held);
                pushed.Add(Pushed(image, reference, held));
                continue;
            }

            Log.LogMessage(MessageImportance.High, "ImageDsl: pushing {0}{1}…", reference.FullName, credential is null ? "" : " as " + credential);
            await engine.TagAsync(image.GetMetadata("ImageId"), reference, cancellationToken).ConfigureAwait(false);
            var digest = await engine.PushAsync(reference, credential, policy,
                message => Log.LogMessage(MessageImportance.High, "ImageDsl: {0}", message), cancellationToken).ConfigureAwait(false);
            Log.LogMessage(MessageImportance.High, "ImageDsl: pushed {0}@{1}.", reference.FullName, digest);
            pushed.Add(Pushed(image, reference, digest));
        }

        PushedImages = pushed.ToArray();
    }

    /// <summary>
    /// The digest the registry holds under the tag, when it is one the daemon recorded for this very image (its
    /// RepoDigests, written by an earlier push): then nothing needs to move. An image never pushed to that repository
    /// costs no registry call; otherwise one HEAD (and a token, where the registry asks for one).
    /// </summary>
    private static async Task<string?> UpToDateAsync(Docker.DockerEngine engine, string imageId, ImageReference reference, RegistryCredential? credential,
        PushPolicy policy, CancellationToken cancellationToken)
    {
        var recorded = (await engine.InspectImageAsync(imageId, cancellationToken).ConfigureAwait(false))?.RepoDigests?
            .Where(d => d.StartsWith(reference.DaemonRepository + "@", StringComparison.Ordinal))
            .Select(d => d.Substring(reference.DaemonRepository.Length + 1)).ToHashSet(StringComparer.Ordinal);
        if (recorded is not { Count: > 0 }) return null;
        var held = await RegistryManifestProbe.DigestAsync(reference, credential, TimeSpan.FromSeconds(Math.Min(30, policy.Timeout.TotalSeconds)), cancellationToken).ConfigureAwait(false);
        return held is not null && recorded.Contains(held) ? held : null;
    }

    private static TaskItem Pushed(ITaskItem image, ImageReference reference, string digest)
    {
        var item = new TaskItem(reference.FullName);
        item.SetMetadata("ImageName", image.ItemSpec);
        item.SetMetadata("Digest", digest);
        item.SetMetadata("Repository", reference.Registry + "/" + reference.Repository);
        return item;
    }

}
