using System;

namespace ImageDsl
{
    /// <summary>The transport protocol of an exposed port.</summary>
    public enum PortProtocol
    {
        Tcp,
        Udp,
        Sctp,
    }

    /// <summary>A port or port range for <c>EXPOSE</c>: <c>8080</c>, <c>Port.Udp(53)</c>, <c>Port.Range(8000, 8010)</c>.</summary>
    public readonly record struct Port
    {
        public Port(int number, PortProtocol protocol = PortProtocol.Tcp) : this(number, number, protocol) { }

        private Port(int first, int last, PortProtocol protocol)
        {
            Check(first, nameof(first));
            Check(last, nameof(last));
            if (last < first)
            {
                throw new DockerfileException(DiagnosticIds.PortOutOfRange, $"The port range {first}-{last} ends before it starts.", nameof(last));
            }

            First = first;
            Last = last;
            Protocol = protocol;
        }

        public int First { get; }

        public int Last { get; }

        public PortProtocol Protocol { get; }

        public static Port Tcp(int number) => new Port(number, PortProtocol.Tcp);

        public static Port Udp(int number) => new Port(number, PortProtocol.Udp);

        public static Port Sctp(int number) => new Port(number, PortProtocol.Sctp);

        public static Port Range(int first, int last, PortProtocol protocol = PortProtocol.Tcp) => new Port(first, last, protocol);

        public static implicit operator Port(int number) => new Port(number);

        /// <summary>The EXPOSE form: <c>80/tcp</c>, <c>8000-8010/udp</c>.</summary>
        public override string ToString() =>
            (First == Last ? First.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{First}-{Last}") + "/" + Protocol.ToString().ToLowerInvariant();

        private static void Check(int number, string parameter)
        {
            if (number < 1 || number > 65535)
            {
                throw new DockerfileException(DiagnosticIds.PortOutOfRange, $"Port {number} is out of range: a port is 1 to 65535.", parameter);
            }
        }
    }
}
