using System.Collections.Generic;
using System.Linq;

namespace ImageDsl.Rendering
{
    /// <summary>One path a build reads from its context, and the stage (by index in <see cref="StageGraph.Order"/>) that reads it.</summary>
    internal sealed record ContextRead(int Stage, SourceKind Kind, Value Text);

    /// <summary>One stage of the rendered file: its name, its base image (null when it starts from a stage) and the stages it needs (its base, --from, mount from=).</summary>
    internal sealed record StageUse(string? Name, Value? BaseImage, IReadOnlyList<int> Needs);

    /// <summary>
    /// What a definition reads from the build context, known at compile time: COPY and ADD sources without --from and
    /// bind mounts without from= (their source, "." by default). The build step uses it to check that every literal
    /// source exists before anything is sent, and to send only what these paths can match. ONBUILD triggers read the
    /// downstream build's context, not this one.
    /// </summary>
    internal static class ContextUse
    {
        public static (IReadOnlyList<StageUse> Stages, IReadOnlyList<ContextRead> Reads) Of(Dockerfile final)
        {
            var stages = StageGraph.Order(final);
            var index = new Dictionary<Dockerfile, int>();
            for (var i = 0; i < stages.Count; i++) index[stages[i]] = i;

            var uses = new List<StageUse>();
            var reads = new List<ContextRead>();
            for (var i = 0; i < stages.Count; i++)
            {
                var stage = stages[i];
                uses.Add(new StageUse(stage.Name, stage.BaseImage, StageGraph.References(stage).Select(r => index[r.Stage]).Distinct().OrderBy(n => n).ToList()));
                foreach (var instruction in stage.Instructions)
                {
                    switch (instruction)
                    {
                        case CopyInstruction { From: null } copy:
                            reads.AddRange(copy.Sources.Select(s => new ContextRead(i, s.Kind, s.Text)));
                            break;
                        case AddInstruction add:
                            reads.AddRange(add.Sources.Where(s => s.Kind != SourceKind.Url).Select(s => new ContextRead(i, s.Kind, s.Text)));
                            break;
                        case RunInstruction run:
                            reads.AddRange(BindReads(i, run.Mounts));
                            break;
                        case RunHeredocInstruction run:
                            reads.AddRange(BindReads(i, run.Mounts));
                            break;
                    }
                }
            }

            return (uses, reads);
        }

        private static IEnumerable<ContextRead> BindReads(int stage, IEnumerable<Mount> mounts) =>
            mounts.OfType<BindMount>().Where(b => b.From is null).Select(b => new ContextRead(stage, SourceKind.Path, Value.Literal(b.Source ?? ".")));
    }
}
