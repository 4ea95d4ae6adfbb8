using System;

namespace ImageDsl
{
    /// <summary>
    /// Thrown when a definition cannot become an exact Dockerfile. The generator reports the same problem as a
    /// compiler diagnostic with <see cref="Id"/> at the argument named by <see cref="ArgumentException.ParamName"/>.
    /// </summary>
    public sealed class DockerfileException : ArgumentException
    {
        public DockerfileException(string id, string message, string? parameterName = null)
            : base(message, parameterName)
        {
            Id = id;
            Detail = message;
        }

        /// <summary>The diagnostic id, one of <see cref="DiagnosticIds"/>.</summary>
        public string Id { get; }

        /// <summary>The message without the parameter suffix <see cref="ArgumentException"/> appends.</summary>
        public string Detail { get; }

        public override string Message => Id + ": " + Detail;
    }
}
