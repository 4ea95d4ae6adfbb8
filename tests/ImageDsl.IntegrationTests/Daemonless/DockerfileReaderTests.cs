using ImageDsl.Build.Daemonless;
using ImageDsl.Build.Parsing;
using ImageDsl.Build.Registry;
using Xunit;

namespace ImageDsl.IntegrationTests.Daemonless;

/// <summary>The reader, the word lexer and Go's text formats, against what BuildKit's Go code does with the same input.</summary>
public class DockerfileReaderTests
{
    [Fact]
    public void Continuations_comments_inside_them_and_the_escape_directive_are_read_as_BuildKit_reads_them()
    {
        var (escape, instructions) = DockerfileReader.Read("# escape=`\nFROM a\nENV A=1 `\n# a comment inside\n\n  B=2\ncopy --chown=1:2 --from=x [\"a b\", \"/c\"] \r\n");

        Assert.Equal('`', escape);
        Assert.Equal(new[] { "from", "env", "copy" }, instructions.Select(i => i.Keyword));
        Assert.Equal("A=1   B=2", instructions[1].Rest);
        Assert.Equal(3, instructions[1].Line);
        Assert.Equal("1:2", instructions[2].Flag("chown"));
        Assert.Equal("x", instructions[2].Flag("from"));
        Assert.Equal(new[] { "a b", "/c" }, instructions[2].Json);
    }

    [Fact]
    public void A_directive_after_the_first_instruction_is_a_comment()
    {
        var (escape, instructions) = DockerfileReader.Read("FROM a\n# escape=`\nENV A=1 \\\n  B=2\n");

        Assert.Equal('\\', escape);
        Assert.Equal("A=1   B=2", instructions[1].Rest);
    }

    [Theory]
    // Before the first FROM each name sees the line's earlier ones, and a given value is what they see.
    [InlineData("ARG A=1 B=x${A}", null, "", "A=1 (1); B=x1 (x1)")]
    [InlineData("ARG A=1 B=x${A}", null, "A=2", "A=1 (2); B=x2 (x2)")]
    [InlineData("ARG A B=x${A}", null, "", "A (-); B=x (x)")]
    // In a stage the whole line is expanded first, with what was declared before it; a name without a default takes the global value.
    [InlineData("ARG E=5 F=x${E}", "", "", "E=5 (5); F=x (x)")]
    [InlineData("ARG E=5 F=x${E}", "E=9", "", "E=5 (5); F=x9 (x9)")]
    [InlineData("ARG G H=${G}", "G=before", "", "G (global); H=before (before)")]
    [InlineData("ARG G=own", "", "G=given", "G=own (given)")]
    [InlineData("ARG N", "", "", "N (-)")]
    [InlineData("ARG Q=\"a b\" R='$Q'", "Q=z", "", "Q=a b (a b); R=$Q ($Q)")]
    public void An_ARG_line_declares_its_names_as_docker_does(string line, string? before, string given, string expected)
    {
        static Dictionary<string, string> Pairs(string text) =>
            text.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=')).ToDictionary(p => p[0], p => p[1]);
        var instruction = DockerfileReader.Read(line + "\n").Instructions[0];
        var global = new Dictionary<string, string> { ["G"] = "global" };
        var scope = before is null ? new Dictionary<string, string>() : Pairs(before);

        var declared = ArgumentLine.Declare(instruction, '\\', scope.GetValueOrDefault, Pairs(given), before is null ? null : global.GetValueOrDefault);

        Assert.Equal(expected, string.Join("; ", declared.Select(a => $"{(a.Default is null ? a.Name : a.Name + "=" + a.Default)} ({a.Value ?? "-"})")));
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("'$A single'", "$A single")]
    [InlineData("\"$A double\\\"q\\\\\"", "1 double\"q\\")]
    [InlineData("${A}-$A-${MISSING}-$", "1-1--$")]
    [InlineData("${MISSING:-fallback}${A:+set}${EMPTY:-e}${EMPTY-unset}", "fallbacksete")]
    [InlineData("a\\ b\\$A", "a b$A")]
    public void Words_expand_as_the_lexer_does(string text, string expected)
    {
        var words = new ShellWords('\\', new Dictionary<string, string> { ["A"] = "1", ["EMPTY"] = "" });

        Assert.Equal(expected, words.Word(text));
    }

    [Fact]
    public void Words_split_after_expansion_and_other_modifiers_are_refused()
    {
        var words = new ShellWords('\\', new Dictionary<string, string> { ["P"] = "80 443" });

        Assert.Equal(new[] { "80", "443", "a b" }, words.Words("$P \"a b\""));
        Assert.Throws<NotSupportedException>(() => words.Word("${P#8}"));
        Assert.Throws<FormatException>(() => words.Word("\"open"));
    }

    [Theory]
    [InlineData(0L, "0s")]
    [InlineData(500_000_000L, "500ms")]
    [InlineData(5_000_000_000L, "5s")]
    [InlineData(90_000_000_000L, "1m30s")]
    [InlineData(3_600_000_000_000L, "1h0m0s")]
    [InlineData(1_500_000_000L, "1.5s")]
    public void Durations_print_as_Go_prints_them_and_parse_back(long nanoseconds, string text)
    {
        Assert.Equal(text, GoText.Duration(nanoseconds));
        Assert.Equal(nanoseconds, GoText.ParseDuration(text));
    }

    [Fact]
    public void Quoting_follows_strconv_Quote_and_rune_quoting()
    {
        Assert.Equal("[\"a\" \"b \\\"c\\\"\" \"tab\\there\" \"é\"]", GoText.QuotedList(new[] { "a", "b \"c\"", "tab\there", "é" }));
        Assert.Equal("'\\x00'", GoText.QuoteRune(0));
        Assert.Equal("'\\x03'", GoText.QuoteRune(3));
        Assert.Equal("'A'", GoText.QuoteRune(65));
        // Go's named escapes, as the history line of HEALTHCHECK --retries=12 shows them; quote and backslash escaped.
        Assert.Equal("'\\f'", GoText.QuoteRune(12));
        Assert.Equal("'\\n'", GoText.QuoteRune(10));
        Assert.Equal("'\\''", GoText.QuoteRune('\''));
        Assert.Equal("'\\\\'", GoText.QuoteRune('\\'));
        Assert.Equal("'\"'", GoText.QuoteRune('"'));
        Assert.Equal("'\\u0085'", GoText.QuoteRune(0x85));
        // An int that is no rune prints as utf8.RuneError, never an exception.
        Assert.Equal("'\uFFFD'", GoText.QuoteRune(0xD800));
        Assert.Equal("'\uFFFD'", GoText.QuoteRune(0x110000));
    }

    [Fact]
    public void The_exec_form_has_no_heredocs()
    {
        // BuildKit's parser looks for heredocs only in the shell form (canContainHeredoc: not for a JSON node).
        var (_, instructions) = DockerfileReader.Read("FROM a\nCOPY [\"cat <<EOF\", \"/x/\"]\nRUN [\"sh\", \"-c\", \"cat <<EOF\"]\nCOPY <<EOF /y\nhi\nEOF\n");

        Assert.Empty(instructions[1].Heredocs);
        Assert.Empty(instructions[2].Heredocs);
        Assert.Equal("hi\n", Assert.Single(instructions[3].Heredocs).Content);
    }

    [Theory]
    [InlineData("FROM a\nRUN echo hi\n", 2, "RUN runs a command in a container")]
    [InlineData("FROM a\nADD https://example.com/x /x\n", 2, "ADD of a URL")]
    [InlineData("FROM a\nCOPY --link a /a\n", 2, "--link")]
    [InlineData("FROM a AS build\nRUN make\nFROM b\nCOPY --from=build /out /out\n", 2, "RUN")]
    [InlineData("FROM a AS s\nFROM b\nARG S=s\nCOPY --from=${S} /x /x\n", 4, "a variable in --from")]
    [InlineData("FROM a\nARG M=755\nCOPY --chmod=${M} x /x\n", 3, "--chmod=${M}")]
    [InlineData("FROM a\nCOPY --chmod=u+x x /x\n", 2, "octal permission digits only")]
    public void Plan_names_the_first_instruction_that_needs_a_daemon(string dockerfile, int line, string reason)
    {
        var e = Assert.Throws<NeedsDaemonException>(() => ImageAssembler.Plan(dockerfile, null));

        Assert.Equal(line, e.Line);
        Assert.Contains(reason, e.Message);
    }

    [Theory]
    [InlineData(new byte[] { 0x1f, 0x8b, 8, 0 })]
    [InlineData(new byte[] { (byte)'B', (byte)'Z', (byte)'h', (byte)'9' })]
    [InlineData(new byte[] { 0xfd, (byte)'7', (byte)'z', (byte)'X', (byte)'Z', 0 })]
    public async Task ADD_of_a_local_archive_goes_to_the_daemon_which_extracts_it(byte[] magic)
    {
        var context = Directory.CreateTempSubdirectory("imagedsl-add-");
        try
        {
            await File.WriteAllBytesAsync(Path.Combine(context.FullName, "thing.bin"), magic.Concat(new byte[600]).ToArray());
            var assembler = new ImageAssembler(new NoBases(), new BlobStore(Path.Combine(context.FullName, "store")));
            var request = new AssemblyRequest("FROM scratch\nADD thing.bin /x\n", null, new Dictionary<string, string>(), new Dictionary<string, string>(),
                ImageDsl.Build.Context.ContextPacker.List(context.FullName), ImagePlatform.Parse("linux/amd64"), DateTimeOffset.UnixEpoch, 1);

            var e = await Assert.ThrowsAsync<NeedsDaemonException>(() => assembler.AssembleAsync(request, CancellationToken.None));

            Assert.Contains("extracts the archive 'thing.bin'", e.Message);
            Assert.Equal(2, e.Line);
        }
        finally
        {
            context.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("RUN make", "RUN runs a command in a container")]
    [InlineData("ONBUILD ENV A=1", "ONBUILD is not allowed as a trigger")]
    [InlineData("COPY --link a /a", "--link is not supported without a daemon")]
    public async Task A_base_image_trigger_that_needs_a_daemon_is_named_at_the_FROM_that_brings_it(string trigger, string reason)
    {
        var store = Directory.CreateTempSubdirectory("imagedsl-trigger-");
        try
        {
            var assembler = new ImageAssembler(new TriggerBase(trigger), new BlobStore(store.FullName));
            var request = new AssemblyRequest("# base with triggers\nFROM example.com/with-triggers:1\nENV A=1\n", null, new Dictionary<string, string>(),
                new Dictionary<string, string>(), Array.Empty<ImageDsl.Build.Context.ContextEntry>(), ImagePlatform.Parse("linux/amd64"), DateTimeOffset.UnixEpoch, 1);

            var e = await Assert.ThrowsAsync<NeedsDaemonException>(() => assembler.AssembleAsync(request, CancellationToken.None));

            Assert.Equal(2, e.Line);
            Assert.Contains($"ONBUILD trigger '{trigger}'", e.Reason);
            Assert.Contains(reason, e.Reason);
        }
        finally
        {
            store.Delete(recursive: true);
        }
    }

    /// <summary>A base image with no layers whose config holds one ONBUILD trigger.</summary>
    private sealed class TriggerBase(string trigger) : IBaseImageSource
    {
        public Task<BaseImage> GetAsync(string reference, ImagePlatform platform, CancellationToken cancellationToken) =>
            Task.FromResult(new BaseImage(new System.Text.Json.Nodes.JsonObject
            {
                ["architecture"] = "amd64",
                ["os"] = "linux",
                ["config"] = new System.Text.Json.Nodes.JsonObject { ["OnBuild"] = new System.Text.Json.Nodes.JsonArray(trigger) },
                ["rootfs"] = new System.Text.Json.Nodes.JsonObject { ["type"] = "layers", ["diff_ids"] = new System.Text.Json.Nodes.JsonArray() },
            }, Array.Empty<ImageLayer>(), false));
    }

    private sealed class NoBases : IBaseImageSource
    {
        public Task<BaseImage> GetAsync(string reference, ImagePlatform platform, CancellationToken cancellationToken) => throw new InvalidOperationException(reference);
    }

    [Fact]
    public void Plan_looks_only_at_the_stages_the_target_needs()
    {
        var plan = ImageAssembler.Plan("FROM a AS tools\nRUN make\nFROM b AS app\nCOPY x /x\nFROM app\nCOPY --from=app /x /y\n", null);

        Assert.Equal(new[] { 1, 2 }, plan.Needed);
        Assert.Throws<NeedsDaemonException>(() => ImageAssembler.Plan("FROM a AS tools\nRUN make\nFROM b AS app\n", "tools"));
    }
}
