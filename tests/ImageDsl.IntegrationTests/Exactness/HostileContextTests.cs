using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using ImageDsl.Build.Context;
using ImageDsl.Build.Diagnostics;
using ImageDsl.Build.Docker;
using Xunit;

namespace ImageDsl.IntegrationTests.Exactness;

/// <summary>
/// Contexts that hold what a file system can hold besides files: FIFOs, devices, sockets, links that lead nowhere or to
/// themselves, names that are not UTF-8 or hold a line break, a file with two names (hard links). Each is built with both builders and compared with what
/// the docker CLI (classic; this machine's CLI has no buildx) sends for the same tree: the same entries, types, sizes,
/// device numbers, link targets and name bytes. With the classic builder the listing is of a COPY of the context. With
/// BuildKit it is of the context as the daemon received it (a bind mount of it): BuildKit's own COPY on Engine 20.10
/// leaves FIFOs out and turns devices into empty files whoever sent them, the docker CLI included, whose sender
/// ImageDsl's session matches.
/// </summary>
public class HostileContextTests
{
    public static TheoryData<string, BuilderKind> Cases()
    {
        var data = new TheoryData<string, BuilderKind>();
        foreach (var name in new[] { "fifo", "null device", "zero device", "socket", "dangling link", "link loop", "name not UTF-8", "name with a line break", "hard link" })
        {
            data.Add(name, BuilderKind.BuildKit);
            data.Add(name, BuilderKind.Classic);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_special_entry_arrives_in_the_image_as_the_docker_CLI_puts_it_there(string entry, BuilderKind builder)
    {
        var root = Directory.CreateTempSubdirectory("imagedsl-hostile-");
        Socket? socket = null;
        try
        {
            var context = Directory.CreateDirectory(Path.Combine(root.FullName, "context")).FullName;
            File.WriteAllText(Path.Combine(context, "regular.txt"), "regular\n");
            socket = Create(entry, context);
            var marker = Guid.NewGuid().ToString("N");
            var copied = Dockerfile.From(TestEngine.BaseImage).Run("echo " + marker).Copy(".", "/ctx/").Run(Listing + " > /listing").ToString();
            var dockerfile = builder == BuilderKind.Classic
                ? copied
                : Dockerfile.From(TestEngine.BaseImage).Run("echo " + marker).Run(Listing + " > /listing", mounts: [Mount.Bind("/ctx")]).ToString();

            var cli = await BuildWithCliAsync(root.FullName, context, copied, "imagedsl-tests/hostile-cli:" + marker);
            using var engine = await TestEngine.ConnectAsync();
            var sockets = new List<string>();
            var request = new BuildRequest("imagedsl-tests/hostile", dockerfile, context, new[] { "imagedsl-tests/hostile:" + marker },
                new Dictionary<string, string>(), new Dictionary<string, string>(), NetworkMode: TestEngine.NetworkMode);
            var layout = DockerfilePlacement.For(builder, "test", ContextPacker.List(context, sockets: sockets), context, new[] { TestEngine.EverythingRead },
                new Dictionary<string, string>());
            var ours = await engine.BuildAsync(request, layout, builder, new ListLog(), CancellationToken.None);

            var expected = await ListingAsync(engine, cli);
            Assert.Equal(expected, await ListingAsync(engine, ours));
            Assert.Contains(expected, e => e.StartsWith("regular.txt|regular file", StringComparison.Ordinal));
            if (entry == "hard link") Assert.Contains(expected, e => e.StartsWith("second|regular file 20 0,0 2|", StringComparison.Ordinal));
            Assert.Equal(entry == "socket" ? new[] { "sock" } : Array.Empty<string>(), sockets);
        }
        finally
        {
            socket?.Dispose();
            Machine.Run("rm", "-rf", root.FullName); // .NET cannot delete a name that is not UTF-8
        }
    }

    /// <summary>
    /// setuid, setgid and sticky bits of context files and directories. ImageDsl sends them to both builders (a tar
    /// header's mode, and BuildKit's file sync, which speaks Go's os.FileMode with these bits high up). BuildKit's COPY
    /// keeps them: the image holds the context's modes (this CLI cannot build with BuildKit, so the judge is the tree
    /// itself). The classic builder's COPY changes each file's owner after copying (fixPermissions), and the kernel then
    /// clears setuid and setgid of a regular file: the same image as the docker CLI's, without them (IMAGEDSL2030 refuses
    /// such a copy before a classic build).
    /// </summary>
    [Theory]
    [InlineData(BuilderKind.BuildKit)]
    [InlineData(BuilderKind.Classic)]
    public async Task Special_permission_bits_arrive_in_the_image_as_each_builder_puts_them(BuilderKind builder)
    {
        var root = Directory.CreateTempSubdirectory("imagedsl-modes-");
        try
        {
            var context = Directory.CreateDirectory(Path.Combine(root.FullName, "context")).FullName;
            foreach (var (name, mode) in new[] { ("setuid", "4755"), ("setgid", "2711"), ("all-bits", "7777"), ("plain", "0640") })
            {
                File.WriteAllText(Path.Combine(context, name), name + "\n");
                Machine.Run("chmod", mode, Path.Combine(context, name));
            }

            foreach (var (name, mode) in new[] { ("sticky", "1777"), ("setgid-dir", "2775") })
            {
                Directory.CreateDirectory(Path.Combine(context, name));
                File.WriteAllText(Path.Combine(context, name, "inside"), "inside\n");
                Machine.Run("chmod", mode, Path.Combine(context, name));
            }

            const string Stat = "find . -mindepth 1 ! -name '.docker*' -exec stat -c '%n %A %u:%g' {} +";
            var marker = Guid.NewGuid().ToString("N");
            var dockerfile = Dockerfile.From(TestEngine.BaseImage).Run("echo " + marker).Copy(".", "/ctx/").Run("cd /ctx && " + Stat + " > /listing").ToString();
            using var engine = await TestEngine.ConnectAsync();
            var request = new BuildRequest("imagedsl-tests/modes", dockerfile, context, new[] { "imagedsl-tests/modes:" + marker },
                new Dictionary<string, string>(), new Dictionary<string, string>(), NetworkMode: TestEngine.NetworkMode);
            var ours = Sorted(await CatAsync(engine, await engine.BuildAsync(request, TestEngine.Layout(context, builder), builder, new ListLog(), CancellationToken.None)));

            var onDisk = Sorted(Machine.Run("sh", "-c", $"cd '{context}' && {Stat}"));
            Assert.Contains("./setuid -rwsr-xr-x 0:0", onDisk);
            if (builder == BuilderKind.BuildKit)
            {
                Assert.Equal(onDisk, ours);
            }
            else
            {
                var cli = await BuildWithCliAsync(root.FullName, context, dockerfile, "imagedsl-tests/modes-cli:" + marker);
                Assert.Equal(Sorted(await CatAsync(engine, cli)), ours);
                Assert.Equal(onDisk.Select(l => l.Replace("-rwsr-xr-x", "-rwxr-xr-x").Replace("-rwx--s--x", "-rwx--x--x").Replace("-rwsrwsrwt", "-rwxrwxrwt")), ours);
            }
        }
        finally
        {
            root.Delete(true);
        }

        static string[] Sorted(string listing) => listing.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToArray();
    }

    private static async Task<string> CatAsync(DockerEngine engine, string image)
    {
        var run = await engine.RunAsync(image, TimeSpan.FromSeconds(60), "none", CancellationToken.None, new[] { "cat", "/listing" });
        Assert.True(run.ExitCode == 0, run.Output);
        return run.Stdout;
    }

    [Fact]
    public async Task A_file_that_cannot_be_read_is_IMAGEDSL2009_naming_it_before_anything_is_sent()
    {
        var context = Directory.CreateTempSubdirectory("imagedsl-eio-");
        var unreadable = Path.Combine(context.FullName, "unreadable");
        File.WriteAllText(unreadable, "");
        // /proc/1/mem answers every read at offset 0 with EIO: a file that lists fine and cannot be read.
        Machine.Run("mount", "--bind", "/proc/1/mem", unreadable);
        try
        {
            var entries = ContextPacker.List(context.FullName);
            var error = Assert.Throws<ImageDslException>(() => ContextPacker.Stamp(entries, "FROM scratch", ""));
            Assert.Equal(ErrorCodes.ContextUnreadable, error.Code);
            Assert.Contains(unreadable, error.Message);

            var written = await Assert.ThrowsAsync<ImageDslException>(() => ContextPacker.WriteAsync(ContextLayout.Plain(entries), "FROM scratch", Stream.Null, CancellationToken.None));
            Assert.Equal(ErrorCodes.ContextUnreadable, written.Code);
            Assert.Contains(unreadable, written.Message);
        }
        finally
        {
            Machine.Run("umount", unreadable);
            context.Delete(true);
        }
    }

    [Fact]
    public async Task Cancelling_stops_the_packer_and_the_stamp_in_the_middle_of_a_file()
    {
        var context = Directory.CreateTempSubdirectory("imagedsl-cancel-pack-");
        try
        {
            const long size = 8L << 30; // 8 GiB, sparse: nothing on disk, every byte read as zero
            using (var big = new FileStream(Path.Combine(context.FullName, "big"), System.IO.FileMode.Create)) big.SetLength(size);
            var entries = ContextPacker.List(context.FullName);

            using var stampCancel = new CancellationTokenSource();
            long hashed = 0;
            Assert.ThrowsAny<OperationCanceledException>(() => ContextPacker.Stamp(entries, "FROM scratch", "", stampCancel.Token, read =>
            {
                if ((hashed += read) >= 1 << 20) stampCancel.Cancel();
            }));
            Assert.InRange(hashed, 1 << 20, 2 << 20);

            using var packCancel = new CancellationTokenSource();
            var output = new CancellingStream(packCancel, after: 1 << 20);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ContextPacker.WriteAsync(ContextLayout.Plain(entries), "FROM scratch", output, packCancel.Token));
            Assert.InRange(output.Written, 1 << 20, 2 << 20);
        }
        finally
        {
            context.Delete(true);
        }
    }

    /// <summary>Creates the special entry; returns the listening socket for the socket case (the file exists while it is open).</summary>
    private static Socket? Create(string entry, string context)
    {
        switch (entry)
        {
            case "fifo":
                Machine.Run("mkfifo", Path.Combine(context, "fifo"));
                return null;
            case "null device":
                Machine.Run("mknod", Path.Combine(context, "null"), "c", "1", "3");
                return null;
            case "zero device":
                Machine.Run("mknod", Path.Combine(context, "zero"), "c", "1", "5");
                return null;
            case "socket":
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                socket.Bind(new UnixDomainSocketEndPoint(Path.Combine(context, "sock")));
                return socket;
            case "dangling link":
                File.CreateSymbolicLink(Path.Combine(context, "dangling"), "nowhere/at/all");
                return null;
            case "link loop":
                File.CreateSymbolicLink(Path.Combine(context, "loop"), "loop");
                return null;
            case "name not UTF-8":
                Machine.WriteNative(context + "/" + FileName.FromBytes(new byte[] { (byte)'b', 0xFF, (byte)'d', 0xC3 }), "latin-1\n"u8.ToArray());
                return null;
            case "name with a line break":
                File.WriteAllText(Path.Combine(context, "two\nlines"), "nl\n");
                return null;
            case "hard link":
                File.WriteAllText(Path.Combine(context, "first"), "one file, two names\n");
                PosixFiles.CreateHardLink(Path.Combine(context, "second"), Path.Combine(context, "first"));
                return null;
            default:
                throw new ArgumentException(entry);
        }
    }

    /// <summary>The docker CLI's classic build of the same tree (the Dockerfile beside it, not in it).</summary>
    private static async Task<string> BuildWithCliAsync(string root, string context, string dockerfile, string tag)
    {
        var path = Path.Combine(root, "Dockerfile");
        await File.WriteAllTextAsync(path, dockerfile);
        var start = new ProcessStartInfo("docker") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "build", "-q", "--network", "host", "-t", tag, "-f", path, context }) start.ArgumentList.Add(argument);
        start.Environment["DOCKER_BUILDKIT"] = "0";
        start.Environment.Remove("DOCKER_HOST");
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, "docker build: " + output + error);
        return output.Trim();
    }

    /// <summary>Every entry under /ctx, one line each: its name's bytes (hex), type, size, device numbers, number of names (hard links) and link target.</summary>
    private const string Listing =
        """find /ctx -mindepth 1 -exec sh -c 'for f; do printf "%s" "${f#/ctx/}" | od -An -tx1 | tr -d " \n"; printf "|"; stat -c "%F %s %t,%T %h" "$f" | tr -d "\n"; printf "|"; [ -L "$f" ] && readlink "$f" | tr -d "\n"; printf "\n"; done' _ {} +""";

    /// <summary>The listing the build wrote to /listing, sorted, without what the docker CLI adds for its own Dockerfile.</summary>
    private static async Task<string[]> ListingAsync(DockerEngine engine, string image)
    {
        var run = await engine.RunAsync(image, TimeSpan.FromSeconds(60), "none", CancellationToken.None, new[] { "cat", "/listing" });
        Assert.True(run.ExitCode == 0, run.Output);
        return run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(Readable)
            .Where(l => !l.StartsWith(".dockerfile.", StringComparison.Ordinal) && !l.StartsWith(".dockerignore|", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>The hex name back to text where it is printable, so a failure reads well; the bytes stay exact.</summary>
    private static string Readable(string line)
    {
        var bar = line.IndexOf('|');
        var hex = line.Substring(0, bar);
        var bytes = Convert.FromHexString(hex);
        var name = bytes.All(b => b is >= 0x20 and < 0x7F) ? Encoding.ASCII.GetString(bytes) : "0x" + hex;
        return name + line.Substring(bar);
    }

    /// <summary>An output that cancels the token once <c>after</c> bytes have been written, and counts what it was given.</summary>
    private sealed class CancellingStream(CancellationTokenSource cancellation, long after) : Stream
    {
        public long Written { get; private set; }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => Written;
        public override long Position { get => Written; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Count(count);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Count(buffer.Length);
            return ValueTask.CompletedTask;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Count(count);
            return Task.CompletedTask;
        }

        private void Count(int count)
        {
            Written += count;
            if (Written >= after) cancellation.Cancel();
        }

        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
