using System.Reflection;
using ImageDsl.Build.Diagnostics;
using Xunit;

namespace ImageDsl.IntegrationTests.Engine;

public class ErrorCodeTests
{
    public static TheoryData<string> Codes()
    {
        var data = new TheoryData<string>();
        foreach (var field in typeof(ErrorCodes).GetFields(BindingFlags.Public | BindingFlags.Static)) data.Add((string)field.GetRawConstantValue()!);
        return data;
    }

    [Theory]
    [MemberData(nameof(Codes))]
    public void Every_code_has_a_message_that_starts_with_it_and_a_row_in_docs(string code)
    {
        var error = new ImageDslException(code, "a0", "a1", "a2", "a3", "a4", "a5");
        Assert.StartsWith(code + ": ", error.Message);
        Assert.DoesNotContain("{", error.Text);
        var doc = File.ReadAllText(Path.Combine(ImageDsl.Tests.AllDefinitions.RepositoryRoot, "docs", "errors.md"));
        Assert.Contains($"| {code} |", doc);
    }

    /// <summary>
    /// A reason that ends a sentence of the message brings its own period, as exceptions' messages do: one period, not
    /// two. A path or name that ends with one (no space in it) is never cut, nor an ellipsis.
    /// </summary>
    [Theory]
    [InlineData("Could not find file '/x.dll'.", "could not be read: Could not find file '/x.dll'. Rebuild")]
    [InlineData("it failed", "could not be read: it failed. Rebuild")]
    [InlineData("/tmp/odd.", "could not be read: /tmp/odd.. Rebuild")]
    [InlineData("and then...", "could not be read: and then.... Rebuild")]
    public void A_reason_that_ends_a_sentence_ends_it_with_one_period(string reason, string expected) =>
        Assert.Contains(expected, new ImageDslException(ErrorCodes.MetadataUnreadable, "App.dll", reason).Message, StringComparison.Ordinal);

    /// <summary>IMAGEDSL4002 is raised by the targets, where no task can run: their text is the message's, with MSBuild's version.</summary>
    [Fact]
    public void The_targets_say_IMAGEDSL4002_in_the_messages_words()
    {
        var targets = File.ReadAllText(Path.Combine(ImageDsl.Tests.AllDefinitions.RepositoryRoot, "src", "Build", "build", "ImageDsl.targets"));
        var text = System.Text.RegularExpressions.Regex.Match(targets, "<_ImageDslNoTasks>(.*)</_ImageDslNoTasks>").Groups[1].Value;

        Assert.Equal(new ImageDslException(ErrorCodes.TasksUnavailable, "$(MSBuildVersion)").Text, System.Net.WebUtility.HtmlDecode(text));
    }

    [Fact]
    public void Codes_are_unique_and_banded()
    {
        var codes = typeof(ErrorCodes).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (string)f.GetRawConstantValue()!).ToList();
        Assert.Equal(codes.Count, codes.Distinct().Count());
        Assert.All(codes, c => Assert.Matches("^IMAGEDSL[12349][0-9]{3}$", c));
    }
}

public class MSBuildDocumentationTests
{
    [Fact]
    public void Every_public_property_and_target_is_documented()
    {
        var root = ImageDsl.Tests.AllDefinitions.RepositoryRoot;
        var build = File.ReadAllText(Path.Combine(root, "src", "Build", "build", "ImageDsl.props")) + File.ReadAllText(Path.Combine(root, "src", "Build", "build", "ImageDsl.targets"));
        var doc = File.ReadAllText(Path.Combine(root, "docs", "msbuild.md"));
        // Internal plumbing a user does not set: where the task assembly is, and how this repository loads it.
        var internalNames = new[] { "ImageDslTasksAssembly", "ImageDslTasksOutOfProc", "ImageDslIntermediateDirectory" };

        var properties = System.Text.RegularExpressions.Regex.Matches(build, @"\$\((ImageDsl\w+)\)").Select(m => m.Groups[1].Value)
            .Concat(System.Text.RegularExpressions.Regex.Matches(build, @"<(ImageDsl\w+)[ >]").Select(m => m.Groups[1].Value))
            .Distinct().Except(internalNames).ToList();
        var targets = System.Text.RegularExpressions.Regex.Matches(build, "<Target Name=\"([A-Za-z]\\w+)\"").Select(m => m.Groups[1].Value).ToList();

        Assert.NotEmpty(properties);
        Assert.All(properties, p => Assert.Contains("`" + p, doc));
        Assert.All(targets, t => Assert.Contains("`" + t + "`", doc));
    }
}
