using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;

namespace ImageDsl.Tests.Generator;

/// <summary>
/// What a generated project really does at run time: the generator's output compilation is emitted, loaded in a
/// collectible context and every [Image] class's <c>Define().ToString()</c> is set next to its <c>DockerfileText</c>
/// constant. The constant is what gets built; the run-time text is what the code says. They must be equal.
/// </summary>
internal static class CompiledImages
{
    public sealed record Image(string Class, string Constant, string? RunTime, Exception? Failure);

    /// <summary>Null when the output does not compile (nothing runs then).</summary>
    public static IReadOnlyList<Image>? Run(Compilation output)
    {
        using var stream = new MemoryStream();
        if (!output.Emit(stream).Success) return null;
        stream.Position = 0;
        var context = new AssemblyLoadContext("compiled-images", isCollectible: true);
        try
        {
            var assembly = context.LoadFromStream(stream);
            var images = new List<Image>();
            foreach (var type in assembly.GetTypes().Where(t => t.GetCustomAttributesData().Any(a => a.AttributeType == typeof(ImageAttribute))))
            {
                if (type.GetField("DockerfileText", BindingFlags.Public | BindingFlags.Static)?.GetRawConstantValue() is not string constant) continue;
                var define = type.GetMethod("Define", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static, Type.EmptyTypes)!;
                try
                {
                    images.Add(new Image(type.FullName!, constant, define.Invoke(null, null)!.ToString(), null));
                }
                catch (TargetInvocationException e)
                {
                    images.Add(new Image(type.FullName!, constant, null, e.InnerException));
                }
            }

            return images;
        }
        finally
        {
            context.Unload();
        }
    }
}
