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

        /// <summary>
        /// For a <c>params</c> or array parameter, the element at fault (counted from 0), so that the diagnostic points at
        /// that element rather than the first; null when the whole argument is.
        /// </summary>
        public int? Element { get; set; }

        public override string Message => Id + ": " + Detail;
    }
}
