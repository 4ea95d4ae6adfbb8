using ImageDsl.Build.Metadata;
using Xunit;

namespace ImageDsl.IntegrationTests.Engine;

/// <summary>
/// Build-time labels against the definition's own: docker applies build-time labels last, so without this a default
/// such as org.opencontainers.image.version from $(Version) would replace the label the definition sets.
/// </summary>
public class BuildLabelsTests
{
    private static readonly BuildLabel[] Defaults =
    {
        new("org.opencontainers.image.version", "1.0.0", true),
        new("org.opencontainers.image.created", "1970-01-01T00:00:00Z", true),
    };

    [Fact]
    public void A_label_the_definition_sets_wins_over_a_default()
    {
        var replaced = new List<string>();
        var labels = BuildLabels.Resolve(Defaults, new[] { "org.opencontainers.image.version", "team" }, replaced);

        Assert.Equal(new[] { "org.opencontainers.image.created" }, labels.Keys);
        Assert.Empty(replaced);
    }

    [Fact]
    public void A_projects_own_label_replaces_the_definitions_and_is_reported()
    {
        var replaced = new List<string>();
        var given = Defaults.Append(new BuildLabel("team", "platform", false)).Append(new BuildLabel("org.opencontainers.image.version", "2.0", false));
        var labels = BuildLabels.Resolve(given, new[] { "org.opencontainers.image.version", "team" }, replaced);

        Assert.Equal("platform", labels["team"]);
        Assert.Equal("2.0", labels["org.opencontainers.image.version"]);
        Assert.Equal(new[] { "org.opencontainers.image.version", "team" }, replaced.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Without_a_label_of_its_key_in_the_definition_every_given_label_is_applied_last_one_winning()
    {
        var replaced = new List<string>();
        var labels = BuildLabels.Resolve(Defaults.Append(new BuildLabel("org.opencontainers.image.version", "3.0", false)), Array.Empty<string>(), replaced);

        Assert.Equal("3.0", labels["org.opencontainers.image.version"]);
        Assert.Equal("1970-01-01T00:00:00Z", labels["org.opencontainers.image.created"]);
        Assert.Empty(replaced);
    }
}
