using ImageDsl.Build.Diagnostics;
using ImageDsl.Build.Docker;
using Microsoft.Build.Framework;

namespace ImageDsl.Build.Tasks;

/// <summary>
/// The shell every ImageDsl task shares: a sealed <see cref="Execute"/> that runs <see cref="ExecuteAsync"/> with a
/// token that MSBuild's cancellation (Ctrl+C) triggers, and turns an <see cref="ImageDslException"/> into exactly one
/// coded error. An unexpected exception is also one coded error, never a stack trace in the user's build.
/// </summary>
public abstract class ImageDslTask : Microsoft.Build.Utilities.Task, ICancelableTask
{
    private readonly CancellationTokenSource _cancellation = new();

    /// <summary>The daemon to use instead of DOCKER_HOST / the docker context (ImageDslDockerHost).</summary>
    public string? DockerHost { get; set; }

    /// <summary>How long to wait for the daemon to answer before failing with IMAGEDSL3005.</summary>
    public int ConnectTimeoutSeconds { get; set; } = 10;

    public void Cancel() => _cancellation.Cancel();

    public sealed override bool Execute()
    {
        try
        {
            ExecuteAsync(_cancellation.Token).GetAwaiter().GetResult();
        }
        catch (ImageDslException e)
        {
            LogError(e);
        }
        catch (OperationCanceledException) when (_cancellation.IsCancellationRequested)
        {
            Log.LogMessage(MessageImportance.High, "ImageDsl: cancelled.");
            return false;
        }
        catch (Exception e)
        {
            LogError(new ImageDslException(ErrorCodes.Internal, e, e.GetType().Name, e.Message));
        }

        return !Log.HasLoggedErrors;
    }

    protected abstract Task ExecuteAsync(CancellationToken cancellationToken);

    /// <summary>
    /// A coded warning, at the user's C# line when the exception knows it; the exception is only its message (from the
    /// same resource table as the errors), never thrown.
    /// </summary>
    protected void LogWarning(ImageDslException e) =>
        Log.LogWarning(subcategory: "ImageDsl", warningCode: e.Code, helpKeyword: null, file: e.Origin?.File, lineNumber: e.Origin?.Line ?? 0,
            columnNumber: e.Origin?.Column ?? 0, endLineNumber: 0, endColumnNumber: 0, message: e.Text);

    /// <summary>The error, at the user's C# line when the exception knows it (a failed build step), else at the task.</summary>
    protected void LogError(ImageDslException e) =>
        Log.LogError(subcategory: "ImageDsl", errorCode: e.Code, helpKeyword: null, file: e.Origin?.File, lineNumber: e.Origin?.Line ?? 0,
            columnNumber: e.Origin?.Column ?? 0, endLineNumber: 0, endColumnNumber: 0, message: e.Text);

    /// <summary>The daemon as the docker CLI would find it, from this process's environment and home directory.</summary>
    protected DockerEndpoint ResolveEndpoint() =>
        DockerEndpointResolver.Resolve(DockerHost, Environment.GetEnvironmentVariable, Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));

    protected Task<DockerEngine> ConnectAsync(CancellationToken cancellationToken) => ConnectAsync(ResolveEndpoint(), cancellationToken);

    protected Task<DockerEngine> ConnectAsync(DockerEndpoint endpoint, CancellationToken cancellationToken)
    {
        Log.LogMessage(MessageImportance.Normal, "ImageDsl: using the Docker daemon at {0} (from {1}).", endpoint.Uri, endpoint.Source);
        return DockerEngine.ConnectAsync(endpoint, TimeSpan.FromSeconds(ConnectTimeoutSeconds), cancellationToken);
    }

    /// <summary>Build progress into the MSBuild log; the decoder calls it from the thread reading the daemon's stream.</summary>
    protected sealed class TaskBuildLog : IBuildLog
    {
        private readonly Microsoft.Build.Utilities.TaskLoggingHelper _log;
        private readonly string _image;

        public TaskBuildLog(Microsoft.Build.Utilities.TaskLoggingHelper log, string image)
        {
            _log = log;
            _image = image;
        }

        public void Step(string text)
        {
            lock (_log) _log.LogMessage(MessageImportance.High, "  [{0}] {1}", _image, text);
        }

        public void Output(string line)
        {
            lock (_log) _log.LogMessage(MessageImportance.Normal, "  [{0}]   {1}", _image, line);
        }

        public void Sent(long files, long bytes)
        {
            lock (_log) _log.LogMessage(MessageImportance.Normal, "ImageDsl: {0}: the session sent {1} changed file(s) of the context, {2:N0} bytes in all.", _image, files, bytes);
        }
    }
}
