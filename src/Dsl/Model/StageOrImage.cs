using System.Linq;
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

        /// <summary>
        /// An image reference (or named build context). A bare number is refused: both builders read <c>--from=0</c> as
        /// the first stage of the file, not as an image.
        /// </summary>
        public static StageOrImage FromImage(string image)
        {
            Syntax.RequireImageReference(image, nameof(image));
            if (image.All(char.IsDigit))
            {
                throw new DockerfileException(DiagnosticIds.InvalidImageReference,
                    $"'{image}' in --from or from= is read as stage number {image}, not as an image: pass the stage itself (a Dockerfile value), or write the image's full name, e.g. docker.io/library/{image}.", nameof(image));
            }

            return new StageOrImage(null, image);
        }

        public static implicit operator StageOrImage(Dockerfile stage) => FromStage(stage);

        public static implicit operator StageOrImage(string image) => FromImage(image);
    }
}
