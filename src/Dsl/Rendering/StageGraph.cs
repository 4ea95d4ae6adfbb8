using System.Collections.Generic;
using System.Linq;
using ImageDsl.Internal;

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

        /// <summary>
        /// The build arguments declared before the first FROM: those the stages' FROM lines use and, before each, the
        /// arguments its default refers to (docker expands a global default with the global arguments above it).
        /// </summary>
        public static IReadOnlyList<BuildArg> GlobalArguments(IReadOnlyList<Dockerfile> stages)
        {
            var globals = new List<BuildArg>();
            foreach (var used in stages.SelectMany(s => s.BaseImage?.Arguments ?? Enumerable.Empty<BuildArg>()))
            {
                foreach (var argument in used.Dependencies.Append(used))
                {
                    if (globals.All(g => g.Name != argument.Name)) globals.Add(argument);
                }
            }

            return globals;
        }

        /// <summary>The stages one stage refers to, each with the instruction that refers to it (null for FROM).</summary>
        public static IReadOnlyList<(Dockerfile Stage, Instruction? By)> References(Dockerfile stage)
        {
            // A list, not nested iterators: this runs for every stage in validation, practices and rendering.
            var references = new List<(Dockerfile Stage, Instruction? By)>();
            if (stage.BaseStage is not null) references.Add((stage.BaseStage, null));
            foreach (var instruction in stage.Instructions) AddReferences(instruction, instruction, references);
            return references;
        }

        private static void AddReferences(Instruction instruction, Instruction by, List<(Dockerfile Stage, Instruction? By)> references)
        {
            switch (instruction)
            {
                case CopyInstruction { From.Stage: { } stage }:
                    references.Add((stage, by));
                    break;
                case RunInstruction run:
                    AddMountStages(run.Mounts, by, references);
                    break;
                case RunHeredocInstruction run:
                    AddMountStages(run.Mounts, by, references);
                    break;
                case OnBuildInstruction onBuild:
                    AddReferences(onBuild.Trigger, by, references);
                    break;
            }
        }

        private static void AddMountStages(EquatableList<Mount> mounts, Instruction by, List<(Dockerfile Stage, Instruction? By)> references)
        {
            foreach (var mount in mounts)
            {
                var stage = mount switch
                {
                    BindMount b => b.From?.Stage,
                    CacheMount c => c.From?.Stage,
                    _ => null,
                };
                if (stage is not null) references.Add((stage, by));
            }
        }

        private static void Visit(Dockerfile stage, List<Dockerfile> ordered, HashSet<Dockerfile> seen)
        {
            if (!seen.Add(stage)) return;
            foreach (var (referenced, _) in References(stage)) Visit(referenced, ordered, seen);
            ordered.Add(stage);
        }
    }
}
