// These tests drive a Linux Docker engine on the machine that runs them.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
