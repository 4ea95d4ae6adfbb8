using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;

namespace ImageDsl.Build.Tasks;

/// <summary>
/// Where the task's files are. The package carries the task twice: <c>tasks/net8.0/</c>, the IL task with its
/// dependencies and the BuildKit session helper (<c>session/</c>) beside it, which every SDK from 8 on loads; and
/// <c>tasks/net10.0/&lt;runtime identifier&gt;/</c>, this assembly alone, compiled ahead of time (ReadyToRun) for that
/// machine's .NET 10 runtime, which ImageDsl.targets loads where the SDK matches. MSBuild looks for a task's
/// dependencies in the task's own folder only, so the precompiled assembly takes them from the IL task's folder: a copy
/// of them per machine would have made the package nearly three times larger (14 MB instead of 5). Nothing in MSBuild or the runtime
/// points a load context at a second folder, hence this small resolver.
/// </summary>
internal static class TaskFiles
{
    private static readonly string OwnDirectory = Path.GetDirectoryName(typeof(TaskFiles).Assembly.Location)!;

    /// <summary>The folder that holds the task's dependencies and its <c>session/</c> helper.</summary>
    public static string Directory { get; } = Locate();

    private static string Locate()
    {
        var ilTask = Path.GetFullPath(Path.Combine(OwnDirectory, "..", "..", "net8.0"));
        return !File.Exists(Path.Combine(OwnDirectory, "Docker.DotNet.dll")) && File.Exists(Path.Combine(ilTask, "Docker.DotNet.dll")) ? ilTask : OwnDirectory;
    }

#pragma warning disable CA2255 // The resolver must be in place before MSBuild creates any of the tasks, whichever comes first.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void ResolveDependenciesBesideTheIlTask()
    {
        if (Directory == OwnDirectory) return;
        AssemblyLoadContext.GetLoadContext(typeof(TaskFiles).Assembly)!.Resolving += (context, name) =>
            Path.Combine(Directory, name.Name + ".dll") is var path && File.Exists(path) ? context.LoadFromAssemblyPath(path) : null;
    }
}
