using ImageDsl.Build.Registry;
using Xunit;

namespace ImageDsl.IntegrationTests.Engine;

/// <summary>A real docker-credential-* program on PATH: the registry goes in on standard input, JSON comes out.</summary>
public sealed class CredentialHelperProcessTests : IDisposable
{
    private readonly DirectoryInfo _home = Directory.CreateTempSubdirectory("imagedsl-helper-");

    public void Dispose() => _home.Delete(true);

    [Fact]
    public void Credential_helper_program_is_run_with_the_registry_on_stdin()
    {
        var bin = Directory.CreateDirectory(Path.Combine(_home.FullName, "bin"));
        var log = Path.Combine(_home.FullName, "asked.txt");
        var helper = Path.Combine(bin.FullName, "docker-credential-imagedsltest");
        File.WriteAllText(helper, string.Join("\n",
            "#!/bin/sh",
            "[ \"$1\" = get ] || exit 3",
            "read server",
            $"printf '%s' \"$server\" > '{log}'",
            "printf '{\"ServerURL\":\"%s\",\"Username\":\"helper-user\",\"Secret\":\"helper-secret\"}' \"$server\"",
            ""));
        File.SetUnixFileMode(helper, (UnixFileMode)0b111_101_101);
        Directory.CreateDirectory(Path.Combine(_home.FullName, ".docker"));
        File.WriteAllText(Path.Combine(_home.FullName, ".docker", "config.json"), """{ "credHelpers": { "127.0.0.1:5001": "imagedsltest" } }""");
        var path = bin.FullName + ":" + Environment.GetEnvironmentVariable("PATH");
        var previous = Environment.GetEnvironmentVariable("PATH");
        Environment.SetEnvironmentVariable("PATH", path);
        try
        {
            var credential = new RegistryCredentials(_ => null, _home.FullName).Find(ImageReference.Parse("127.0.0.1:5001/app:1"));

            Assert.NotNull(credential);
            Assert.Equal(("helper-user", "helper-secret"), (credential!.Username, credential.Secret));
            Assert.Equal("127.0.0.1:5001", File.ReadAllText(log));
            Assert.DoesNotContain("helper-secret", credential.ToString());
        }
        finally
        {
            Environment.SetEnvironmentVariable("PATH", previous);
        }
    }

    [Fact]
    public void Missing_helper_program_is_a_coded_error_naming_it()
    {
        Directory.CreateDirectory(Path.Combine(_home.FullName, ".docker"));
        File.WriteAllText(Path.Combine(_home.FullName, ".docker", "config.json"), """{ "credHelpers": { "127.0.0.1:5001": "imagedsl-not-installed" } }""");

        var error = Assert.Throws<ImageDsl.Build.Diagnostics.ImageDslException>(() =>
            new RegistryCredentials(_ => null, _home.FullName).Find(ImageReference.Parse("127.0.0.1:5001/app")));

        Assert.Equal(ImageDsl.Build.Diagnostics.ErrorCodes.CredentialHelperFailed, error.Code);
        Assert.Contains("imagedsl-not-installed", error.Message);
    }
}
