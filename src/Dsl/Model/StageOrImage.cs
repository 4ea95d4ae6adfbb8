using ImageDsl.Rendering;

namespace ImageDsl
{
    /// <summary>
    /// What <c>COPY --from</c> and <c>RUN --mount from=</c> read from: a stage of this build (a <see cref="Dockerfile"/>
    /// value — it cannot name a stage that does not exist) or an image reference or named build context (a string).
    /// </summary>
    public sealed record StageOrImage
    {
        private StageOrImage(Dockerfile? stage, string? image)
        {
            Stage = stage;
            Image = image;
        }

        public Dockerfile? Stage { get; }

        public string? Image { get; }

        public static StageOrImage FromStage(Dockerfile stage) =>
            new StageOrImage(stage ?? throw new DockerfileException(DiagnosticIds.InvalidArgument, "A stage cannot be null.", nameof(stage)), null);

        public static StageOrImage FromImage(string image)
        {
            Syntax.RequireImageReference(image, nameof(image));
            return new StageOrImage(null, image);
        }

        public static implicit operator StageOrImage(Dockerfile stage) => FromStage(stage);

        public static implicit operator StageOrImage(string image) => FromImage(image);
    }
}
