using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace ImageDsl.Build.Docker;

/// <summary>Where build progress goes (the MSBuild log, a test's list).</summary>
public interface IBuildLog
{
    /// <summary>A step finished: its name and "CACHED" or its duration.</summary>
    void Step(string text);

    /// <summary>A line a step printed.</summary>
    void Output(string line);

    /// <summary>What the build's session sent the daemon (BuildKit builds).</summary>
    void Sent(long files, long bytes)
    {
    }
}

/// <summary>
/// Decodes the daemon's build progress, a stream of JSON lines, into steps and output as they happen. Classic
/// builds send <c>{"stream": "Step 1/3 : …"}</c> text; BuildKit builds send <c>{"id":"moby.buildkit.trace","aux":"…"}</c>,
/// the base64 of a protobuf StatusResponse (vertexes with name/started/completed/cached/error, and logs).
/// Remembers the failing step and its output so that a failure becomes one error naming both.
/// </summary>
public sealed class BuildProgressDecoder
{
    private readonly IBuildLog _log;
    private readonly Dictionary<string, Vertex> _vertexes = new(StringComparer.Ordinal);
    private readonly List<string> _classicStepOutput = new();
    private readonly Stopwatch _classicStepTimer = new();
    private string? _classicStep;
    private bool _classicCached;

    public BuildProgressDecoder(IBuildLog log) => _log = log;

    /// <summary>The built image's id (sha256:…), once the daemon reports it.</summary>
    public string? ImageId { get; private set; }

    /// <summary>The daemon's error message, if the build failed.</summary>
    public string? Error { get; private set; }

    /// <summary>The step that failed, when known.</summary>
    public string? FailedStep { get; private set; }

    /// <summary>What the failing step printed (the last lines).</summary>
    public IReadOnlyList<string> FailedOutput { get; private set; } = Array.Empty<string>();

    /// <summary>The built image's id, or the coded error the progress reported: the failed step with its last output lines.</summary>
    /// <summary>
    /// The step running when the stream stopped: with the classic builder the current "Step n/m : …", with BuildKit
    /// the steps started and not completed (the last one first); null before the first step.
    /// </summary>
    public string? RunningStep =>
        _classicStep ?? _vertexes.Values.Where(v => v.Started is not null && !v.Reported && !v.Name.StartsWith("[internal]", StringComparison.Ordinal))
            .OrderByDescending(v => v.Started).Select(v => v.Name).FirstOrDefault();

    /// <summary>
    /// The connection to the daemon ended before the build did (the daemon stopped, restarted or crashed): one coded
    /// error that says so and names the step it was in, instead of the HTTP stack's "invalid chunk header".
    /// </summary>
    public Diagnostics.ImageDslException ConnectionLost(string imageName, Uri endpoint, Exception? cause) =>
        new(Diagnostics.ErrorCodes.DaemonConnectionLost, cause, imageName, endpoint, RunningStep ?? "before the first step") { Step = RunningStep };

    public string ImageIdOrThrow(string imageName, Uri endpoint)
    {
        if (Error is not null)
        {
            var output = FailedOutput.Count > 0 ? string.Join("\n", FailedOutput.TakeLast(30)) + "\n" + Error : Error;
            throw new Diagnostics.ImageDslException(Diagnostics.ErrorCodes.BuildStepFailed, imageName, FailedStep ?? "(before the first step)", output) { Step = FailedStep };
        }

        // A progress stream that ends with neither an image nor an error was cut short.
        return ImageId ?? throw ConnectionLost(imageName, endpoint, null);
    }

    /// <summary>True once the daemon sent any progress: the build request was accepted.</summary>
    public bool Started { get; private set; }

    public async Task ReadAsync(Stream progress, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(progress);
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (line.Length == 0) continue;
            Started = true;
            Accept(line);
        }

        FinishClassicStep();
    }

    public void Accept(string jsonLine)
    {
        using var document = JsonDocument.Parse(jsonLine);
        var root = document.RootElement;
        if (root.TryGetProperty("errorDetail", out var detail) || root.TryGetProperty("error", out _))
        {
            Error = detail.ValueKind == JsonValueKind.Object && detail.TryGetProperty("message", out var message)
                ? message.GetString()
                : root.GetProperty("error").GetString();
            if (FailedStep is null && _classicStep is not null)
            {
                FailedStep = _classicStep;
                FailedOutput = _classicStepOutput.ToArray();
            }

            return;
        }

        var id = root.TryGetProperty("id", out var idElement) ? idElement.GetString() : null;
        if (root.TryGetProperty("aux", out var aux))
        {
            if (id == "moby.buildkit.trace" && aux.ValueKind == JsonValueKind.String)
            {
                AcceptTrace(Convert.FromBase64String(aux.GetString()!));
            }
            else if (aux.ValueKind == JsonValueKind.Object && aux.TryGetProperty("ID", out var imageId))
            {
                ImageId = imageId.GetString();
            }

            return;
        }

        if (root.TryGetProperty("stream", out var stream) && stream.GetString() is { } text)
        {
            foreach (var raw in text.Split('\n'))
            {
                var line = raw.TrimEnd('\r');
                if (line.Length == 0) continue;
                AcceptClassicLine(line);
            }
        }
    }

    private void AcceptClassicLine(string line)
    {
        if (line.StartsWith("Step ", StringComparison.Ordinal) && line.Contains(" : ", StringComparison.Ordinal))
        {
            FinishClassicStep();
            _classicStep = line;
            _classicCached = false;
            _classicStepOutput.Clear();
            _classicStepTimer.Restart();
        }
        else if (line == " ---> Using cache")
        {
            _classicCached = true;
        }
        else if (line.StartsWith(" ---> ", StringComparison.Ordinal) || line.StartsWith("Successfully ", StringComparison.Ordinal) ||
                 line.StartsWith("Removing intermediate container", StringComparison.Ordinal))
        {
            // Bookkeeping lines of the classic builder, not the step's own output.
        }
        else
        {
            _classicStepOutput.Add(line);
            _log.Output(line);
        }
    }

    private void FinishClassicStep()
    {
        if (_classicStep is null) return;
        _log.Step(_classicStep + (_classicCached ? " CACHED" : " " + Seconds(_classicStepTimer.Elapsed)));
        _classicStep = null;
    }

    private void AcceptTrace(byte[] payload)
    {
        var reader = new ProtoReader(payload);
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field)
            {
                case 1 when wire == 2: AcceptVertex(reader.ReadBytes()); break;
                case 3 when wire == 2: AcceptLog(reader.ReadBytes()); break;
                default: reader.Skip(wire); break;
            }
        }
    }

    private void AcceptVertex(ReadOnlySpan<byte> data)
    {
        var reader = new ProtoReader(data);
        string? digest = null, name = null, error = null;
        var cached = false;
        DateTimeOffset? started = null, completed = null;
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field)
            {
                case 1 when wire == 2: digest = reader.ReadString(); break;
                case 3 when wire == 2: name = reader.ReadString(); break;
                case 4 when wire == 0: cached = reader.ReadVarint() != 0; break;
                case 5 when wire == 2: started = ReadTimestamp(reader.ReadBytes()); break;
                case 6 when wire == 2: completed = ReadTimestamp(reader.ReadBytes()); break;
                case 7 when wire == 2: error = reader.ReadString(); break;
                default: reader.Skip(wire); break;
            }
        }

        if (digest is null) return;
        if (!_vertexes.TryGetValue(digest, out var vertex)) _vertexes[digest] = vertex = new Vertex();
        vertex.Name = name ?? vertex.Name;
        vertex.Cached |= cached;
        vertex.Started = started ?? vertex.Started;
        if (error is { Length: > 0 })
        {
            FailedStep = vertex.Name;
            FailedOutput = vertex.Output.ToArray();
        }

        if (completed is not null && !vertex.Reported)
        {
            vertex.Reported = true;
            if (vertex.Name.StartsWith("[internal]", StringComparison.Ordinal)) return;
            var duration = vertex.Started is { } start ? completed.Value - start : TimeSpan.Zero;
            _log.Step(vertex.Name + (vertex.Cached ? " CACHED" : " " + Seconds(duration)) + (error is { Length: > 0 } ? " ERROR" : ""));
        }
    }

    private void AcceptLog(ReadOnlySpan<byte> data)
    {
        var reader = new ProtoReader(data);
        string? digest = null;
        var message = ReadOnlySpan<byte>.Empty;
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field)
            {
                case 1 when wire == 2: digest = reader.ReadString(); break;
                case 4 when wire == 2: message = reader.ReadBytes(); break;
                default: reader.Skip(wire); break;
            }
        }

        if (digest is null) return;
        if (!_vertexes.TryGetValue(digest, out var vertex)) _vertexes[digest] = vertex = new Vertex();
        foreach (var raw in System.Text.Encoding.UTF8.GetString(message).Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0) continue;
            vertex.Output.Add(line);
            if (vertex.Output.Count > 200) vertex.Output.RemoveAt(0);
            _log.Output(line);
        }
    }

    private static DateTimeOffset ReadTimestamp(ReadOnlySpan<byte> data)
    {
        var reader = new ProtoReader(data);
        long seconds = 0, nanos = 0;
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field)
            {
                case 1 when wire == 0: seconds = (long)reader.ReadVarint(); break;
                case 2 when wire == 0: nanos = (long)reader.ReadVarint(); break;
                default: reader.Skip(wire); break;
            }
        }

        return DateTimeOffset.FromUnixTimeSeconds(seconds).AddTicks(nanos / 100);
    }

    private static string Seconds(TimeSpan duration) => duration.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + "s";

    private sealed class Vertex
    {
        public string Name = "";
        public bool Cached;
        public bool Reported;
        public DateTimeOffset? Started;
        public readonly List<string> Output = new();
    }
}
