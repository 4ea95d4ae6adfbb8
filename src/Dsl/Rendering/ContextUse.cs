using System.Collections.Generic;
using System.Linq;
using ImageDsl.Internal;

namespace ImageDsl.Rendering
{
    /// <summary>One path a build reads from its context, and the stage (by index in <see cref="StageGraph.Order"/>) that reads it.</summary>
    internal sealed record ContextRead(int Stage, SourceKind Kind, Value Text);

    /// <summary>A secret (<see cref="SecretMount"/>) or SSH agent (<see cref="SshMount"/>, id "default" when unnamed) a stage's RUN mounts.</summary>
    internal sealed record MountUse(int Stage, string Id, bool Required);

    /// <summary>An image reference a stage copies or mounts from (COPY --from, a mount's from=).</summary>
    internal sealed record ImageUse(int Stage, string Reference, Instruction Instruction);

    /// <summary>Everything <see cref="ContextUse.Of"/> finds.</summary>
    internal sealed record DefinitionUse(IReadOnlyList<StageUse> Stages, IReadOnlyList<ContextRead> Reads, IReadOnlyList<MountUse> Secrets,
        IReadOnlyList<MountUse> SshAgents, IReadOnlyList<ImageUse> Images);

    /// <summary>
    /// One stage of the rendered file: its name, its base image (null when it starts from a stage, <see cref="From"/>),
    /// the stages it needs (its base, --from, mount from=), the build arguments it expands where no ENV of the
    /// Dockerfile (in it or the stages it starts from) has set that name, so that an ENV of the base image at the root of
    /// its lineage would hide them; and the keys its LABEL instructions (and those of the stages it starts from) set,
    /// which a label given at build time would replace; and the project it publishes (<see cref="Dockerfile.PublishedProject"/>).
    /// </summary>
    internal sealed record StageUse(string? Name, Value? BaseImage, int? From, IReadOnlyList<int> Needs, IReadOnlyList<ExposedArgument> Exposed, IReadOnlyList<string> Labels,
        string? PublishedProject = null);

    /// <summary>A build argument an ENV of the base image could hide, and the first instruction that expands it.</summary>
    internal sealed record ExposedArgument(BuildArg Argument, Instruction FirstUse);

    /// <summary>
    /// What a definition reads from the build context, known at compile time: COPY and ADD sources without --from and
    /// bind mounts without from= (their source, "." by default). The build step uses it to check that every literal
    /// source exists before anything is sent, and to send only what these paths can match. Also the secrets and SSH
    /// agents RUN steps mount (whose sources the build must supply) and the images copied from (whose registries may
    /// need a login). ONBUILD triggers run in the downstream build, with its context and session, so they are left out.
    /// </summary>
    internal static class ContextUse
    {
        public static DefinitionUse Of(Dockerfile final)
        {
            var stages = StageGraph.Order(final);
            var index = new Dictionary<Dockerfile, int>();
            for (var i = 0; i < stages.Count; i++) index[stages[i]] = i;

            var uses = new List<StageUse>();
            var labels = new Dictionary<Dockerfile, List<string>>();
            var reads = new List<ContextRead>();
            var secrets = new List<MountUse>();
            var ssh = new List<MountUse>();
            var images = new List<ImageUse>();
            for (var i = 0; i < stages.Count; i++)
            {
                var stage = stages[i];
                var keys = stage.BaseStage is { } parent ? new List<string>(labels[parent]) : new List<string>();
                foreach (var key in stage.Instructions.OfType<LabelInstruction>().SelectMany(l => l.Labels).Select(l => l.Key))
                {
                    if (!keys.Contains(key)) keys.Add(key);
                }

                labels[stage] = keys;
                uses.Add(new StageUse(stage.Name, stage.BaseImage, stage.BaseStage is { } baseStage ? index[baseStage] : null,
                    StageGraph.References(stage).Select(r => index[r.Stage]).Distinct().OrderBy(n => n).ToList(),
                    new List<ExposedArgument>(), keys, stage.PublishedProject));
                foreach (var instruction in stage.Instructions)
                {
                    var mounts = instruction switch
                    {
                        RunInstruction run => run.Mounts,
                        RunHeredocInstruction run => run.Mounts,
                        _ => EquatableList<Mount>.Empty,
                    };
                    switch (instruction)
                    {
                        case CopyInstruction { From: null } copy:
                            reads.AddRange(copy.Sources.Select(s => new ContextRead(i, s.Kind, s.Text)));
                            break;
                        case CopyInstruction { From.Image: { } image }:
                            images.Add(new ImageUse(i, image, instruction));
                            break;
                        case AddInstruction add:
                            reads.AddRange(add.Sources.Where(s => s.Kind != SourceKind.Url).Select(s => new ContextRead(i, s.Kind, s.Text)));
                            break;
                    }

                    reads.AddRange(BindReads(i, mounts));
                    foreach (var mount in mounts)
                    {
                        switch (mount)
                        {
                            case SecretMount secret:
                                secrets.Add(new MountUse(i, secret.Id, secret.Required));
                                break;
                            case SshMount agent:
                                ssh.Add(new MountUse(i, agent.Id ?? "default", agent.Required));
                                break;
                            case BindMount { From.Image: { } image }:
                                images.Add(new ImageUse(i, image, instruction));
                                break;
                            case CacheMount { From.Image: { } image }:
                                images.Add(new ImageUse(i, image, instruction));
                                break;
                        }
                    }
                }
            }

            AddExposed(stages, StageGraph.GlobalArguments(stages), uses);
            return new DefinitionUse(uses, reads, secrets, ssh, images);
        }

        /// <summary>
        /// Fills <see cref="StageUse.Exposed"/>: BuildKit and the classic builder expand ${NAME} from the stage's
        /// environment first, which starts as the base image's Env. The definition's own ENV is checked at compile time
        /// (IDSL0026); the base image's is known only to the build step, which checks these names against it.
        /// </summary>
        private static void AddExposed(IReadOnlyList<Dockerfile> stages, IReadOnlyList<BuildArg> globals, List<StageUse> uses)
        {
            var setAtEnd = new Dictionary<Dockerfile, HashSet<string>>();
            for (var i = 0; i < stages.Count; i++)
            {
                var stage = stages[i];
                var set = stage.BaseStage is { } from ? new HashSet<string>(setAtEnd[from]) : new HashSet<string>();
                var exposed = (List<ExposedArgument>)uses[i].Exposed;
                foreach (var instruction in stage.Instructions)
                {
                    foreach (var used in DockerfileValidator.UsedArguments(instruction, globals))
                    {
                        if (!set.Contains(used.Name) && !exposed.Exists(a => a.Argument.Name == used.Name)) exposed.Add(new ExposedArgument(used, instruction));
                    }

                    if (instruction is EnvInstruction env)
                    {
                        foreach (var variable in env.Variables) set.Add(variable.Key);
                    }
                }

                setAtEnd[stage] = set;
            }
        }

        private static IEnumerable<ContextRead> BindReads(int stage, IEnumerable<Mount> mounts) =>
            mounts.OfType<BindMount>().Where(b => b.From is null).Select(b => new ContextRead(stage, SourceKind.Path, Value.Literal(b.Source ?? ".")));
    }
}
