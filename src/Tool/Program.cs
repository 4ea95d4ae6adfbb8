using System.CommandLine;
using ImageDsl.Tool.Import;

namespace ImageDsl.Tool;

/// <summary><c>imagedsl import path/to/Dockerfile</c> (or <c>-</c> for standard input): the C# definition on standard output or in a file.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        var path = new Argument<string>("dockerfile") { Description = "The Dockerfile to import, or - to read standard input." };
        var className = new Option<string?>("--class") { Description = "The class name (default: from the file and folder names, e.g. ApiImage)." };
        var imageName = new Option<string?>("--image") { Description = "The image name in [Image(...)] (default: from the class name, e.g. api)." };
        var ns = new Option<string?>("--namespace") { Description = "The namespace of the class (default: none)." };
        var output = new Option<string?>("--output", "-o") { Description = "Write the C# to this file instead of standard output." };
        var import = new Command("import", "Write the C# image definition of an existing Dockerfile.") { path, className, imageName, ns, output };
        import.SetAction(result => Import(result.GetValue(path)!, result.GetValue(className), result.GetValue(imageName), result.GetValue(ns), result.GetValue(output)));
        var root = new RootCommand("imagedsl: typed C# container image definitions.") { import };
        return root.Parse(args).Invoke();
    }

    /// <summary>0: imported exactly; 2: imported, with lines reported on standard error; 1: nothing imported.</summary>
    private static int Import(string path, string? className, string? imageName, string? ns, string? output)
    {
        string text;
        try
        {
            text = path == "-" ? Console.In.ReadToEnd() : File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"imagedsl: cannot read '{path}': {e.Message}");
            return 1;
        }

        var name = className ?? Names.ClassName(path);
        ImportResult result;
        try
        {
            result = DockerfileImporter.Import(text, name, imageName ?? Names.ImageName(name), ns);
        }
        catch (FormatException e)
        {
            Console.Error.WriteLine($"{(path == "-" ? "<stdin>" : path)}: error: {e.Message}");
            return 1;
        }

        foreach (var problem in result.Problems)
        {
            Console.Error.WriteLine($"{(path == "-" ? "<stdin>" : path)}({problem.Line}): warning: {problem.Instruction}: {problem.Reason}");
        }

        if (output is null) Console.Out.Write(result.Source);
        else File.WriteAllText(output, result.Source);
        return result.Problems.Count == 0 ? 0 : 2;
    }
}
