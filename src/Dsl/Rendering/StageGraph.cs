using System.Collections.Generic;
using System.Linq;

namespace ImageDsl.Rendering
{
    /// <summary>
    /// The stages a final stage depends on (its base, COPY --from, mount from=, ONBUILD triggers), ordered so that
    /// each stage comes after every stage it uses — the order a Dockerfile needs. Equal stages appear once.
    /// </summary>
    public static class StageGraph
    {
        public static IReadOnlyList<Dockerfile> Order(Dockerfile final)
        {
            var ordered = new List<Dockerfile>();
            var seen = new HashSet<Dockerfile>();
            Visit(final, ordered, seen);
            return ordered;
        }

        /// <summary>The stages one stage refers to, each with the instruction that refers to it (null for FROM).</summary>
        public static IEnumerable<(Dockerfile Stage, Instruction? By)> References(Dockerfile stage)
        {
            if (stage.BaseStage is not null) yield return (stage.BaseStage, null);
            foreach (var instruction in stage.Instructions)
            {
                foreach (var referenced in References(instruction)) yield return (referenced, instruction);
            }
        }

        private static IEnumerable<Dockerfile> References(Instruction instruction)
        {
            switch (instruction)
            {
                case CopyInstruction { From.Stage: { } stage }:
                    yield return stage;
                    break;
                case RunInstruction run:
                    foreach (var stage in MountStages(run.Mounts)) yield return stage;
                    break;
                case RunHeredocInstruction run:
                    foreach (var stage in MountStages(run.Mounts)) yield return stage;
                    break;
                case OnBuildInstruction onBuild:
                    foreach (var stage in References(onBuild.Trigger)) yield return stage;
                    break;
            }
        }

        private static IEnumerable<Dockerfile> MountStages(IEnumerable<Mount> mounts) =>
            mounts.Select(m => m switch
            {
                BindMount b => b.From?.Stage,
                CacheMount c => c.From?.Stage,
                _ => null,
            }).Where(s => s is not null)!;

        private static void Visit(Dockerfile stage, List<Dockerfile> ordered, HashSet<Dockerfile> seen)
        {
            if (!seen.Add(stage)) return;
            foreach (var (referenced, _) in References(stage)) Visit(referenced, ordered, seen);
            ordered.Add(stage);
        }
    }
}
