using System;
using System.Globalization;
using System.Resources;

namespace ImageDsl.Build.Diagnostics;

/// <summary>
/// An expected failure with a code and a message that says what to do. The tasks log exactly one error for it;
/// anything else that escapes the engine is a bug. Messages live in Resources/Strings.resx, keyed by code.
/// </summary>
public sealed class ImageDslException : Exception
{
    private static readonly ResourceManager Messages = new("ImageDsl.Build.Resources.Strings", typeof(ImageDslException).Assembly);

    public ImageDslException(string code, params object?[] args)
        : this(code, null, args)
    {
    }

    public ImageDslException(string code, Exception? inner, params object?[] args)
        : base(Format(code, args), inner)
    {
        Code = code;
    }

    private ImageDslException(ImageDslException other, int instruction)
        : base(other.Message, other.InnerException)
    {
        Code = other.Code;
        Step = other.Step;
        Instruction = instruction;
    }

    /// <summary>The error code, e.g. IMAGEDSL3001.</summary>
    public string Code { get; }

    /// <summary>The message without the code prefix (MSBuild shows the code separately).</summary>
    public string Text => Message.Substring(Code.Length + 2);

    /// <summary>The builder's name for the step that failed or was running ("[build 2/5] RUN …", "Step 3/7 : …"), when known.</summary>
    public string? Step { get; init; }

    /// <summary>The line of the user's C# that wrote the failed instruction, when known: the error is reported there.</summary>
    public SourceLine? Origin { get; set; }

    /// <summary>
    /// The Dockerfile instruction it concerns (counted as <c>StepLocator.OfInstruction</c> counts), when the code that
    /// failed knew it but not the C# behind it (the daemonless builder reading a FROM's image): the task places it.
    /// </summary>
    public int? Instruction { get; }

    /// <summary>
    /// The same error, concerning instruction <paramref name="index"/>: a copy, since one failed read (of a base image two
    /// images share, say) may be rethrown to each of them.
    /// </summary>
    public ImageDslException AtInstruction(int index) => new(this, index);

    private static string Format(string code, object?[] args)
    {
        var template = Messages.GetString(code, CultureInfo.InvariantCulture) ?? throw new InvalidOperationException("No message for " + code);
        return code + ": " + string.Format(CultureInfo.InvariantCulture, template, args.Select((a, i) => EndsSentence(template, i) ? WithoutFinalPeriod(a) : a).ToArray());
    }

    // A reason that ends a sentence of the message, as an exception's message often does, brings its own period:
    // "could not be read: Could not find file 'x'.." reads as a typo. Only a reason (text with a space) loses it, never a
    // path or a name that happens to end with one.
    private static bool EndsSentence(string template, int index) => template.Contains("{" + index.ToString(CultureInfo.InvariantCulture) + "}.", StringComparison.Ordinal);

    private static object? WithoutFinalPeriod(object? argument) =>
        argument is string text && text.Contains(' ', StringComparison.Ordinal) && text.EndsWith('.') && !text.EndsWith("..", StringComparison.Ordinal)
            ? text.Substring(0, text.Length - 1)
            : argument;
}

/// <summary>A place in the user's source: a full path, and a line and column counted from 1.</summary>
public sealed record SourceLine(string File, int Line, int Column);

/// <summary>The codes, banded by cause like the .NET SDK's container errors.</summary>
public static class ErrorCodes
{
    // 1xxx: registry
    public const string RegistryAuthenticationFailed = "IMAGEDSL1001";
    public const string RegistryUnreachable = "IMAGEDSL1002";
    public const string PushFailed = "IMAGEDSL1003";
    public const string CredentialHelperFailed = "IMAGEDSL1004";
    public const string InvalidPushReference = "IMAGEDSL1005";
    public const string DockerConfigUnreadable = "IMAGEDSL1006";
    public const string RegistryCredentialsUnscoped = "IMAGEDSL1007";
    public const string PushTimedOut = "IMAGEDSL1008";
    public const string RegistryDenied = "IMAGEDSL1009";
    public const string RegistryRequestFailed = "IMAGEDSL1010";
    public const string RegistryBlobInvalid = "IMAGEDSL1011";
    public const string RegistryConnectionFailed = "IMAGEDSL1012";
    public const string RegistryTimedOut = "IMAGEDSL1013";

    // 2xxx: input (definitions, context, image behaviour)
    public const string StaleDockerfile = "IMAGEDSL2001";
    public const string UnsupportedFeature = "IMAGEDSL2002";
    public const string ContextMissing = "IMAGEDSL2003";
    public const string BuildStepFailed = "IMAGEDSL2004";
    public const string SmokeExitCode = "IMAGEDSL2005";
    public const string SmokeOutput = "IMAGEDSL2006";
    public const string SmokeTimeout = "IMAGEDSL2007";
    public const string MetadataUnreadable = "IMAGEDSL2008";
    public const string ContextUnreadable = "IMAGEDSL2009";
    public const string ContextSourceMissing = "IMAGEDSL2010";
    public const string DockerfileWouldBeCopied = "IMAGEDSL2011";
    public const string InvalidBaseImage = "IMAGEDSL2012";
    public const string SecretUnavailable = "IMAGEDSL2013";
    public const string SshAgentUnavailable = "IMAGEDSL2014";
    public const string StateWriteFailed = "IMAGEDSL2015";
    public const string ContextSocketSkipped = "IMAGEDSL2016";
    public const string ProbeFailed = "IMAGEDSL2017";
    public const string ContextFolderTaken = "IMAGEDSL2018";
    public const string ServerNotUp = "IMAGEDSL2019";
    public const string StructureCheckFailed = "IMAGEDSL2020";
    public const string NeedsDaemon = "IMAGEDSL2021";
    public const string BaseImageNotFound = "IMAGEDSL2022";
    public const string BaseImagePlatformMissing = "IMAGEDSL2023";
    public const string BaseImageLayerUnsupported = "IMAGEDSL2024";
    public const string ChecksSkippedWithoutDaemon = "IMAGEDSL2025";
    public const string ArgumentHiddenByEnv = "IMAGEDSL2026";
    public const string LabelReplaced = "IMAGEDSL2027";
    public const string BuildArgumentUnused = "IMAGEDSL2028";
    public const string ArchiveNeedsDaemonless = "IMAGEDSL2029";
    public const string BuildersDisagree = "IMAGEDSL2030";
    public const string SettingsAboveContext = "IMAGEDSL2031";
    public const string SourcesAboveContext = "IMAGEDSL2032";
    public const string NuGetConfigPublished = "IMAGEDSL2033";

    // 3xxx: local daemon
    public const string DaemonUnreachable = "IMAGEDSL3001";
    public const string TlsIncomplete = "IMAGEDSL3002";
    public const string DaemonFailed = "IMAGEDSL3003";
    public const string ContextNotFound = "IMAGEDSL3004";
    public const string DaemonTimeout = "IMAGEDSL3005";
    public const string SessionFailed = "IMAGEDSL3006";
    public const string SessionClosed = "IMAGEDSL3007";
    public const string DaemonCertificateRejected = "IMAGEDSL3008";
    public const string DaemonConnectionLost = "IMAGEDSL3009";

    // 4xxx: task parameters
    public const string InvalidProperty = "IMAGEDSL4001";
    public const string TasksUnavailable = "IMAGEDSL4002"; // raised by the targets (their _ImageDslNoTasks), where no task can run

    // 9xxx: ImageDsl itself
    public const string Internal = "IMAGEDSL9000";
}
