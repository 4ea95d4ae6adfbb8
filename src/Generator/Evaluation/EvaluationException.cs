using System;
using ImageDsl.Generator.Model;

namespace ImageDsl.Generator.Evaluation
{
    /// <summary>A definition could not be evaluated; <see cref="Location"/> is the exact expression at fault.</summary>
    internal sealed class EvaluationException : Exception
    {
        public EvaluationException(string id, LocationInfo? location, string message) : base(message)
        {
            Id = id;
            Location = location;
        }

        public string Id { get; }

        public LocationInfo? Location { get; }
    }
}
