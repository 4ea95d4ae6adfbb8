using System;
using ImageDsl.Rendering;
using Xunit;

namespace ImageDsl.Tests.Dsl;

/// <summary>The escaping rules, each against the BuildKit parser behaviour it protects (see Rendering/Syntax.cs).</summary>
public class SyntaxTests
{
    [Theory]
    [InlineData("plain", '\\', "\"plain\"")]
    [InlineData("say \"hi\"", '\\', "\"say \\\"hi\\\"\"")]
    [InlineData("$HOME", '\\', "\"\\$HOME\"")]
    [InlineData(@"C:\dir\", '\\', @"""C:\\dir\\""")]
    [InlineData(@"C:\dir\", '`', @"""C:\dir\""")]
    [InlineData("tick`", '`', "\"tick``\"")]
    [InlineData("it's # fine", '\\', "\"it's # fine\"")]
    public void Quote_escapes_exactly_the_characters_the_lexer_treats_specially_inside_double_quotes(string text, char escape, string expected) =>
        Assert.Equal(expected, Syntax.Quote(text, escape));

    [Theory]
    [InlineData("a b", "a b")]
    [InlineData("it's", "it\\'s")]
    [InlineData("$x\"", "\\$x\\\"")]
    [InlineData(@"back\slash", @"back\\slash")]
    public void LexWord_escapes_quotes_dollars_and_the_escape_character(string text, string expected) =>
        Assert.Equal(expected, Syntax.LexWord(text, '\\'));

    [Fact]
    public void JsonArray_escapes_what_Go_encoding_json_requires()
    {
        Assert.Equal("[\"a\\\"b\", \"c\\\\d\", \"e\\nf\", \"\\u0001\", \"ü🐳\"]", Syntax.JsonArray(new[] { "a\"b", "c\\d", "e\nf", "\u0001", "ü🐳" }));
    }

    [Theory]
    [InlineData("echo hi", true)]
    [InlineData(" echo hi", false)]
    [InlineData("echo hi ", false)]
    [InlineData("echo hi\\", false)]
    [InlineData("echo hi\\  \t", false)]
    [InlineData("echo a\\b", true)]
    [InlineData("[\"json\"]", false)]
    [InlineData("--flag", false)]
    [InlineData("-single-dash", true)]
    [InlineData("cat <<EOF", false)]
    [InlineData("a\nb", false)]
    [InlineData("echo\u00A0", false)]
    public void IsExactShellForm_rejects_what_the_parser_would_change(string command, bool exact) =>
        Assert.Equal(exact, Syntax.IsExactShellForm(command, '\\'));

    [Fact]
    public void IsExactShellForm_follows_the_escape_directive()
    {
        Assert.True(Syntax.IsExactShellForm("echo a\\", '`'));
        Assert.False(Syntax.IsExactShellForm("echo a`", '`'));
    }

    [Theory]
    [InlineData(30_000, "30s")]
    [InlineData(60_000, "1m")]
    [InlineData(3_600_000, "1h")]
    [InlineData(1_500, "1500ms")]
    [InlineData(90_000, "90s")]
    public void GoDuration_uses_the_largest_exact_unit(int milliseconds, string expected) =>
        Assert.Equal(expected, Syntax.GoDuration(TimeSpan.FromMilliseconds(milliseconds)));

    [Theory]
    [InlineData("busybox", true)]
    [InlineData("busybox:1.36", true)]
    [InlineData("127.0.0.1:5000/team/app:1.0", true)]
    [InlineData("mcr.microsoft.com/dotnet/aspnet:10.0", true)]
    [InlineData("Busybox", false)]
    [InlineData("busybox:", false)]
    [InlineData("bad image", false)]
    [InlineData("a//b", false)]
    public void Image_references_follow_the_distribution_grammar(string reference, bool valid) =>
        Assert.Equal(valid, Syntax.IsImageReference(reference));

    [Theory]
    [InlineData("plain.txt", "plain.txt")]
    [InlineData("back\\slash", "back[\\\\]slash")] // BuildKit's transfer filter reads '\' as an escape even without wildcards
    [InlineData("[bracket].txt", "[[]bracket].txt")]
    [InlineData("star*.txt", "star[*].txt")]
    [InlineData("q?.txt", "q[?].txt")]
    [InlineData("a\\*b", "a[\\\\][*]b")]
    [InlineData("a\\[b*", "a[\\\\][[]b[*]")]
    [InlineData("only]close", "only]close")]
    [InlineData("http://example.com/x", "./http://example.com/x")]
    [InlineData("https:/x", "https:/x")]
    [InlineData("git@host:repo", "./git@host:repo")]
    public void A_literal_path_is_written_so_that_both_builders_find_exactly_that_name(string path, string expected) =>
        Assert.Equal(expected, Syntax.EscapeLiteralPath(path));

    [Theory]
    [InlineData("*.txt", "*.txt")]
    [InlineData("a\\*b", "a[*]b")]
    [InlineData("a\\\\b", "a[\\\\]b")]
    [InlineData("[\\]]x", "[\\]]x")]
    [InlineData("[^a]\\?", "[^a][?]")]
    public void A_glob_escape_becomes_a_class_so_that_BuildKit_reads_it_as_filepath_Match_does(string pattern, string expected) =>
        Assert.Equal(expected, Syntax.GlobText(Glob.Of(pattern).Pattern).LiteralText);

    [Theory]
    [InlineData("a*", true)]
    [InlineData("a?", true)]
    [InlineData("a[", true)]
    [InlineData("a]", false)]
    [InlineData("a\\*", false)]
    [InlineData("a\\\\*", true)]
    public void HasWildcard_is_containsWildcards_of_both_builders(string path, bool expected) => Assert.Equal(expected, Syntax.HasWildcard(path));
}
