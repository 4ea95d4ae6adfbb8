using System;
using System.Collections.Generic;
using System.Linq;
using ImageDsl.Rendering;

namespace ImageDsl.Practices
{
    /// <summary>
    /// The best-practice rules (IDSL1001–IDSL1018, docs/practices.md) over a definition's model: the same value the
    /// generator renders, so a rule never reads the C# a second way. Each finding names its subject (an instruction, a
    /// stage) so that the analyzer reports it where that subject was written. Rules that read shell commands look at
    /// RUN's shell form, heredocs and <c>sh -c</c> exec forms through <see cref="ShellScript"/>.
    /// </summary>
    public static class BestPractices
    {
        private static readonly string[] SecretWords = { "PASSWORD", "PASSWD", "PWD", "TOKEN", "SECRET", "APIKEY", "API_KEY", "PRIVATE_KEY", "ACCESS_KEY", "CONNECTIONSTRING", "CONNECTION_STRING" };
        private static readonly string[] ArchiveSuffixes = { ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tbz2", ".tar.xz", ".txz", ".tar.zst", ".tzst", ".tar.lz4", ".gz", ".bz2", ".xz", ".zst" };

        public static IReadOnlyList<PracticeFinding> Check(Dockerfile final)
        {
            var findings = new List<PracticeFinding>();
            var stages = StageGraph.Order(final);
            var stageNames = stages.Where(s => s.Name is not null).Select(s => s.Name!).Distinct().ToList();
            foreach (var stage in stages)
            {
                CheckBase(stage, stageNames, findings);
                var shell = Lineage(stage).SelectMany(s => s.Instructions).OfType<ShellInstruction>().LastOrDefault()?.Shell;
                var copiedEverything = false;
                var restored = false;
                foreach (var instruction in stage.Instructions)
                {
                    switch (instruction)
                    {
                        case RunInstruction run:
                            CheckRun(run, ScriptOf(run.Command), run.Mounts, shell, copiedEverything, ref restored, findings);
                            break;
                        case RunHeredocInstruction heredoc:
                            CheckRun(heredoc, heredoc.Script, heredoc.Mounts, shell, copiedEverything, ref restored, findings);
                            break;
                        case CopyInstruction copy:
                            copiedEverything |= copy.From is null && copy.Sources.Any(s => s.Kind == SourceKind.Path && s.Text.IsLiteral && s.Text.LiteralText.TrimEnd('/') is "." or "");
                            CheckReference(copy.From?.Image, copy, "from", stageNames, findings);
                            break;
                        case AddInstruction add:
                            CheckAdd(add, findings);
                            break;
                        case EnvInstruction env:
                            foreach (var variable in env.Variables) CheckSecret(env, "ENV", variable.Key, variable.Value.ToString(), findings, variable.Value);
                            break;
                        case ArgInstruction arg:
                            CheckSecret(arg, "ARG", arg.Argument.Name, arg.Argument.Default?.ToString(), findings);
                            break;
                        case ShellInstruction set:
                            shell = set.Shell;
                            break;
                    }
                }
            }

            CheckFinalStage(final, findings);
            return findings;
        }

        /// <summary>The stage and the stages it is built FROM, base first: what its image config inherits.</summary>
        private static IEnumerable<Dockerfile> Lineage(Dockerfile stage)
        {
            var chain = new List<Dockerfile>();
            for (var s = stage; s is not null && chain.Count < 64; s = s.BaseStage) chain.Insert(0, s);
            return chain;
        }

        /// <summary>The base image text, with build arguments at their defaults; null for a stage base or an argument without one.</summary>
        private static string? BaseReference(Dockerfile stage)
        {
            var root = Lineage(stage).First();
            return root.BaseImage is null ? null : Syntax.WithDefaults(root.BaseImage);
        }

        private static void CheckBase(Dockerfile stage, List<string> stageNames, List<PracticeFinding> findings)
        {
            if (stage.BaseImage is null) return;
            var reference = BaseReference(stage);
            if (reference is null || reference == "scratch") return;
            if (CheckReference(reference, stage, "image", stageNames, findings)) return;
            if (reference.IndexOf('@') >= 0) return;
            var slash = reference.LastIndexOf('/');
            var colon = reference.LastIndexOf(':');
            var repository = colon > slash ? reference.Substring(0, colon) : reference;
            if (colon > slash && reference.Substring(colon + 1) != "latest") return;
            findings.Add(new PracticeFinding(DiagnosticIds.UnpinnedBaseImage,
                $"'{reference}' is {(colon > slash ? "the 'latest' tag" : "not pinned to a tag")}: the image changes under the definition and two builds of the same commit can differ. " +
                $"Pin a version tag (e.g. '{repository}:<version>') or a digest ('{repository}@sha256:…').",
                ProblemSubject.Stage, stage, "image", repository));
        }

        private static readonly char[] ReferenceMarks = { '/', ':', '@', '.' };

        /// <summary>IDSL1018 for an image reference that is a near miss of a stage name; true when it reported.</summary>
        private static bool CheckReference(string? image, object subject, string parameter, List<string> stageNames, List<PracticeFinding> findings)
        {
            if (image is null || image.IndexOfAny(ReferenceMarks) >= 0 || stageNames.Contains(image)) return false;
            var lower = image.ToLowerInvariant();
            var near = stageNames.Where(n => Math.Abs(n.Length - image.Length) <= (n.Length <= 4 ? 1 : 2) && Distance(n.ToLowerInvariant(), lower) <= (n.Length <= 4 ? 1 : 2)).OrderBy(n => n, StringComparer.Ordinal).FirstOrDefault();
            if (near is null) return false;
            findings.Add(new PracticeFinding(DiagnosticIds.MisspeltStageReference,
                $"'{image}' is read as an image from a registry (docker.io/library/{image}), not as the stage '{near}': pass the stage value itself, which cannot be misspelt.",
                subject is Dockerfile ? ProblemSubject.Stage : ProblemSubject.Instruction, subject, parameter, near));
            return true;
        }

        private static void CheckRun(Instruction run, string? script, IReadOnlyList<Mount> mounts, IReadOnlyList<string>? shell, bool copiedEverything, ref bool restored,
            List<PracticeFinding> findings)
        {
            if (script is null) return;
            var parsed = ShellScript.Parse(script);
            var cacheTargets = mounts.OfType<CacheMount>().Select(m => m.Target).ToList();
            var aptInstall = false;
            var aptListsRemoved = false;
            foreach (var command in parsed.Commands)
            {
                var program = ShellScript.ProgramIndex(command);
                if (program < 0) continue;
                var name = command[program].Text;
                if (name == "sudo")
                {
                    findings.Add(new PracticeFinding(DiagnosticIds.SudoInRun,
                        "RUN uses sudo: build steps run as the stage's USER, and sudo in an image invites privilege surprises. Run the step before switching User(...), or switch User(\"root\") for it.",
                        ProblemSubject.Instruction, run, "command"));
                    if (++program >= command.Count) continue;
                    name = command[program].Text;
                }

                var sub = name is "apt-get" or "apt" or "apk" or "dotnet" ? ShellScript.SubcommandIndex(command, program, name == "apk" ? "X" : "oct") : -1;
                var verb = sub < 0 ? null : command[sub].Text;
                switch (name)
                {
                    case "cd":
                        findings.Add(new PracticeFinding(DiagnosticIds.CdInRun,
                            "RUN changes directory with cd: use .Workdir(\"/path\") before the step, so that every later instruction agrees on the directory.",
                            ProblemSubject.Instruction, run, "command"));
                        break;
                    case "apt-get" or "apt" when verb is "upgrade" or "dist-upgrade" or "full-upgrade":
                        findings.Add(new PracticeFinding(DiagnosticIds.PackageUpgrade,
                            $"RUN runs '{name} {verb}': the image then depends on the day it was built. Use a newer base image tag instead, or install the specific packages you need.",
                            ProblemSubject.Instruction, run, "command"));
                        break;
                    case "apt-get" or "apt" when verb == "install":
                        aptInstall = true;
                        if (!command.Any(w => w.Text == "--no-install-recommends" || w.Text.IndexOf("Install-Recommends=", StringComparison.OrdinalIgnoreCase) >= 0))
                        {
                            findings.Add(new PracticeFinding(DiagnosticIds.AptRecommends,
                                $"'{name} install' without --no-install-recommends also installs every recommended package: add --no-install-recommends and name what you need.",
                                ProblemSubject.Instruction, run, "command"));
                        }

                        break;
                    case "apt-get" or "apt" when verb == "update":
                        aptInstall = true;
                        break;
                    case "rm" when command.Any(w => w.Text.StartsWith("/var/lib/apt/lists", StringComparison.Ordinal)):
                        aptListsRemoved = true;
                        break;
                    case "apk" when verb == "add" && !command.Any(w => w.Text == "--no-cache") && !cacheTargets.Any(t => t.StartsWith("/var/cache/apk", StringComparison.Ordinal)):
                        findings.Add(new PracticeFinding(DiagnosticIds.ApkCache,
                            "'apk add' without --no-cache leaves the package index in the layer: add --no-cache (or mount a cache at /var/cache/apk).",
                            ProblemSubject.Instruction, run, "command"));
                        break;
                    case "dotnet" when verb is "restore" or "publish" or "build" or "test":
                        var restores = verb == "restore" || !command.Any(w => w.Text == "--no-restore");
                        if (restores && copiedEverything && !restored)
                        {
                            findings.Add(new PracticeFinding(DiagnosticIds.RestoreAfterCopyAll,
                                $"'dotnet {verb}' restores after the whole context was copied: any code change invalidates the restore layer. Copy the project files first, restore, then copy the rest.",
                                ProblemSubject.Instruction, run, "command"));
                        }

                        restored |= restores;
                        if (restores && !cacheTargets.Any(t => t.IndexOf(".nuget/packages", StringComparison.Ordinal) >= 0 || t.IndexOf("nuget", StringComparison.OrdinalIgnoreCase) >= 0))
                        {
                            findings.Add(new PracticeFinding(DiagnosticIds.RestoreWithoutCache,
                                $"'dotnet {verb}' restores without a NuGet cache mount: every restore downloads every package again. Add mounts: [Mount.Cache(\"/root/.nuget/packages\")].",
                                ProblemSubject.Instruction, run, "mounts"));
                        }

                        if (verb == "publish" && !IsRelease(command, sub))
                        {
                            findings.Add(new PracticeFinding(DiagnosticIds.PublishNotRelease,
                                "'dotnet publish' without -c Release: which configuration it builds depends on the SDK's version and the project. Say -c Release.",
                                ProblemSubject.Instruction, run, "command"));
                        }

                        break;
                }
            }

            if (aptInstall && !aptListsRemoved && !cacheTargets.Any(t => t.StartsWith("/var/lib/apt", StringComparison.Ordinal)))
            {
                findings.Add(new PracticeFinding(DiagnosticIds.AptListsKept,
                    "apt's package lists stay in this layer: end the same RUN with '&& rm -rf /var/lib/apt/lists/*' (or mount a cache at /var/lib/apt/lists).",
                    ProblemSubject.Instruction, run, "command"));
            }

            if (parsed.HasPipe && !(shell ?? Array.Empty<string>()).Any(w => w.IndexOf("pipefail", StringComparison.Ordinal) >= 0) &&
                !parsed.Commands.Any(c => c[0].Text == "set" && c.Any(w => w.Text == "pipefail")))
            {
                findings.Add(new PracticeFinding(DiagnosticIds.PipeWithoutPipefail,
                    "A pipe in RUN succeeds when only its last command does, so a failed download piped into a shell passes. Set .Shell(\"/bin/bash\", \"-o\", \"pipefail\", \"-c\") in the stage, or start the script with 'set -o pipefail'.",
                    ProblemSubject.Instruction, run, "command"));
            }
        }

        private static bool IsRelease(IReadOnlyList<ShellWord> command, int sub)
        {
            for (var i = sub + 1; i < command.Count; i++)
            {
                var text = command[i].Text;
                if ((text == "-c" || text == "--configuration") && i + 1 < command.Count) return command[i + 1].Text == "Release";
                if (text.StartsWith("--configuration=", StringComparison.Ordinal) || text.StartsWith("-c=", StringComparison.Ordinal)) return text.EndsWith("=Release", StringComparison.Ordinal);
                if (text.StartsWith("-p:Configuration=", StringComparison.OrdinalIgnoreCase) || text.StartsWith("/p:Configuration=", StringComparison.OrdinalIgnoreCase)) return text.EndsWith("=Release", StringComparison.Ordinal);
            }

            return false;
        }

        /// <summary>The script a shell runs: the shell form's line, or the <c>-c</c> script of an exec-form <c>sh -c</c>; null otherwise.</summary>
        private static string? ScriptOf(Command command)
        {
            if (!command.IsExec) return command.Arguments[0];
            if (command.Arguments.Count == 0) return null;
            var program = command.Arguments[0];
            if (!(program.EndsWith("sh", StringComparison.Ordinal))) return string.Join(" ", command.Arguments.Select(a => "'" + a.Replace("'", "'\\''") + "'"));
            for (var i = 1; i + 1 < command.Arguments.Count; i++)
            {
                if (command.Arguments[i] == "-c" || (command.Arguments[i].StartsWith("-", StringComparison.Ordinal) && command.Arguments[i].EndsWith("c", StringComparison.Ordinal))) return command.Arguments[i + 1];
            }

            return null;
        }

        private static void CheckAdd(AddInstruction add, List<PracticeFinding> findings)
        {
            foreach (var source in add.Sources)
            {
                var text = source.Text.ToString();
                if (source.Kind == SourceKind.Url)
                {
                    var git = text.EndsWith(".git", StringComparison.Ordinal) || text.IndexOf(".git#", StringComparison.Ordinal) >= 0 || text.StartsWith("git@", StringComparison.Ordinal);
                    if (add.Checksum is null && !git)
                    {
                        findings.Add(new PracticeFinding(DiagnosticIds.AddUrlWithoutChecksum,
                            $"ADD downloads '{text}' without checksum: what it fetches can change or be tampered with. Pass checksum: \"sha256:…\" so the build verifies it.",
                            ProblemSubject.Instruction, add, "url"));
                    }
                }
                else if (!ArchiveSuffixes.Any(s => text.EndsWith(s, StringComparison.OrdinalIgnoreCase)) && add.Checksum is null && !add.KeepGitDir)
                {
                    findings.Add(new PracticeFinding(DiagnosticIds.AddInsteadOfCopy,
                        $"ADD of the local '{text}', which is not an archive to extract: Copy does the same with simpler rules. Use .Copy(...).",
                        ProblemSubject.Instruction, add, "source"));
                    return;
                }
            }
        }

        private static void CheckSecret(Instruction instruction, string keyword, string name, string? value, List<PracticeFinding> findings, Value? pair = null)
        {
            var upper = name.ToUpperInvariant();
            var secretName = SecretWords.Any(w => upper.Contains(w)) && !upper.EndsWith("_FILE", StringComparison.Ordinal) && !upper.EndsWith("_PATH", StringComparison.Ordinal);
            var secretValue = value is not null && (value.IndexOf("password=", StringComparison.OrdinalIgnoreCase) >= 0 || value.IndexOf("pwd=", StringComparison.OrdinalIgnoreCase) >= 0 ||
                System.Text.RegularExpressions.Regex.IsMatch(value, @"://[^/\s:@]+:[^/\s@]+@"));
            if (!secretName && !secretValue) return;
            findings.Add(new PracticeFinding(DiagnosticIds.SecretInEnvironment,
                $"{keyword} {name} {(secretName ? "is named like a secret" : "holds what looks like a password")}: {keyword} values stay in the image's config and history for anyone who pulls it. " +
                $"Pass it to the step that needs it with a secret mount instead: mounts: [Mount.Secret(\"{name.ToLowerInvariant()}\", env: \"{name}\")] (docs/secrets.md).",
                ProblemSubject.Instruction, instruction, keyword == "ENV" ? "key" : "argument", name, pair));
        }

        private static void CheckFinalStage(Dockerfile final, List<PracticeFinding> findings)
        {
            var lineage = Lineage(final).ToList();
            var all = lineage.SelectMany(s => s.Instructions).ToList();
            var reference = BaseReference(final) ?? "";
            var dotnetBase = reference.IndexOf("dotnet/", StringComparison.Ordinal) >= 0;
            if (reference.IndexOf("dotnet/sdk", StringComparison.Ordinal) >= 0)
            {
                findings.Add(new PracticeFinding(DiagnosticIds.SdkFinalImage,
                    $"The final image is based on the .NET SDK ('{reference}'): it ships compilers and tools the app never runs. Publish in an SDK stage and copy the output onto mcr.microsoft.com/dotnet/aspnet or runtime.",
                    ProblemSubject.Stage, lineage[0], "image"));
            }

            var lastUser = all.OfType<UserInstruction>().LastOrDefault();
            var start = all.LastOrDefault(i => i is CmdInstruction or EntrypointInstruction);
            // A user from a reference (USER ${APP_UID}) is the base image's or the build's to say: not judged here.
            if (lastUser is not null && lastUser.User.IsLiteral && Owner.Parse(lastUser.User.LiteralText).User is "root" or "0")
            {
                findings.Add(new PracticeFinding(DiagnosticIds.RunsAsRoot,
                    "The image's last USER is root: the app runs with every privilege in the container. Switch to an unprivileged user after the steps that need root.",
                    ProblemSubject.Instruction, lastUser, "user"));
            }
            else if (lastUser is null && reference != "" && reference != "scratch" && reference.IndexOf("nonroot", StringComparison.Ordinal) < 0 && reference.IndexOf("chiseled", StringComparison.Ordinal) < 0)
            {
                var data = dotnetBase ? "1654:1654" : "65534:65534";
                var message = $"The final stage never sets USER, so the container runs as its base image's user, root for '{reference}'. " +
                    (dotnetBase ? "The .NET images have the unprivileged user 'app' (uid 1654): add .User(Owner.Id(1654, 1654)) before the command." : "Add .User(...) with an unprivileged user (e.g. Owner.Id(65534, 65534), nobody) before the command.");
                findings.Add(start is not null && final.Instructions.Contains(start)
                    ? new PracticeFinding(DiagnosticIds.RunsAsRoot, message, ProblemSubject.Instruction, start, null, data)
                    : new PracticeFinding(DiagnosticIds.RunsAsRoot, message, ProblemSubject.Stage, lineage[0], null, null));
            }

            var exposed = all.OfType<ExposeInstruction>().SelectMany(e => e.Ports).Where(p => p.Protocol == PortProtocol.Tcp).ToList();
            foreach (var (env, variable) in all.OfType<EnvInstruction>().SelectMany(e => e.Variables.Select(v => (e, v))))
            {
                if (!variable.Value.IsLiteral) continue;
                var ports = variable.Key switch
                {
                    "ASPNETCORE_HTTP_PORTS" or "ASPNETCORE_HTTPS_PORTS" => variable.Value.LiteralText.Split(';', ',').Select(p => p.Trim()),
                    "ASPNETCORE_URLS" or "DOTNET_URLS" or "URLS" => variable.Value.LiteralText.Split(';').Select(UrlPort),
                    _ => Enumerable.Empty<string?>(),
                };
                foreach (var port in ports)
                {
                    if (!int.TryParse(port, out var number) || exposed.Any(p => p.First <= number && number <= p.Last)) continue;
                    findings.Add(new PracticeFinding(DiagnosticIds.PortNotExposed,
                        $"{variable.Key} makes the app listen on {number}, which the image does not EXPOSE: add .Expose({number}) so that tools and readers know the port.",
                        ProblemSubject.Instruction, env, "value", number.ToString(System.Globalization.CultureInfo.InvariantCulture), variable.Value));
                }
            }
        }

        private static string? UrlPort(string url)
        {
            var colon = url.LastIndexOf(':');
            var scheme = url.IndexOf("://", StringComparison.Ordinal);
            if (colon <= scheme + 2) return url.StartsWith("https", StringComparison.OrdinalIgnoreCase) ? "443" : url.StartsWith("http", StringComparison.OrdinalIgnoreCase) ? "80" : null;
            var end = url.IndexOf('/', colon);
            return (end < 0 ? url.Substring(colon + 1) : url.Substring(colon + 1, end - colon - 1)).Trim();
        }

        /// <summary>Edits (insert, delete, substitute, swap two neighbours) between two names: "biuld" is one from "build".</summary>
        /// <remarks>Three rolling rows instead of a matrix: this runs in the IDE on every keystroke of a definition.</remarks>
        internal static int Distance(string a, string b)
        {
            var previous2 = new int[b.Length + 1];
            var previous = new int[b.Length + 1];
            var current = new int[b.Length + 1];
            for (var j = 0; j <= b.Length; j++) previous[j] = j;
            for (var i = 1; i <= a.Length; i++)
            {
                current[0] = i;
                for (var j = 1; j <= b.Length; j++)
                {
                    current[j] = Math.Min(Math.Min(previous[j] + 1, current[j - 1] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
                    if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) current[j] = Math.Min(current[j], previous2[j - 2] + 1);
                }

                (previous2, previous, current) = (previous, current, previous2);
            }

            return previous[b.Length];
        }
    }
}
