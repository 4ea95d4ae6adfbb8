// The helper talks to the daemon over unix sockets or TCP and serves on a unix socket; a Windows daemon (named
// pipes) is not something ImageDsl's BuildKit path supports.
[assembly: System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
