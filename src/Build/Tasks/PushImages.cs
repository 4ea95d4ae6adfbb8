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
        var plan = Images.SelectMany(image => image.GetMetadata("Tags").Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(tag => (Image: image, Reference: ImageReference.Parse(Qualify(image.ItemSpec) + ":" + tag)))).ToList();
        if (plan.Count == 0) return;

        if (TimeoutSeconds <= 0) throw new ImageDslException(ErrorCodes.InvalidProperty, "ImageDslPushTimeout", TimeoutSeconds, "give the seconds one push may take, retries included");
        var policy = new PushPolicy(Math.Max(1, Attempts), TimeSpan.FromMilliseconds(RetryDelayMilliseconds), TimeSpan.FromSeconds(TimeoutSeconds));
        var credentials = new RegistryCredentials(Environment.GetEnvironmentVariable, Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));
        using var engine = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        var pushed = new List<ITaskItem>();
        foreach (var (image, reference) in plan)
        {
            var credential = credentials.Find(reference);
            Log.LogMessage(MessageImportance.High, "ImageDsl: pushing {0}{1}…", reference.FullName, credential is null ? "" : " as " + credential);
            await engine.TagAsync(image.GetMetadata("ImageId"), reference, cancellationToken).ConfigureAwait(false);
            var digest = await engine.PushAsync(reference, credential, policy,
                message => Log.LogMessage(MessageImportance.High, "ImageDsl: {0}", message), cancellationToken).ConfigureAwait(false);
            Log.LogMessage(MessageImportance.High, "ImageDsl: pushed {0}@{1}.", reference.FullName, digest);
            var item = new TaskItem(reference.FullName);
            item.SetMetadata("ImageName", image.ItemSpec);
            item.SetMetadata("Digest", digest);
            item.SetMetadata("Repository", reference.Registry + "/" + reference.Repository);
            pushed.Add(item);
        }

        PushedImages = pushed.ToArray();
    }

    private string Qualify(string name) => string.IsNullOrEmpty(Registry) ? name : Registry!.TrimEnd('/') + "/" + name;
}
