using ImageDsl.Build.Context;
using Xunit;

namespace ImageDsl.IntegrationTests.Engine;

/// <summary>File names kept in strings without losing a byte (our own logic: surrogate escapes).</summary>
public class FileNameTests
{
    [Fact]
    public void Any_bytes_round_trip_through_a_string_and_UTF8_decodes_as_usual()
    {
        var random = new Random(7);
        for (var i = 0; i < 5_000; i++)
        {
            var bytes = new byte[random.Next(1, 24)];
            random.NextBytes(bytes);
            Assert.Equal(bytes, FileName.ToBytes(FileName.FromBytes(bytes)));
        }

        Assert.Equal("grüße 😀", FileName.FromBytes("grüße 😀"u8));
        Assert.True(FileName.IsText("grüße 😀"));
        var latin1 = FileName.FromBytes(new byte[] { (byte)'n', 0xE9 });
        Assert.Equal("n\uDCE9", latin1);
        Assert.False(FileName.IsText(latin1));
    }

    [Fact]
    public void Names_order_by_their_bytes_as_in_Go()
    {
        var names = new[] { "z", "\uFFFD", "😀", FileName.FromBytes(new byte[] { 0xFF }), "a" };
        Array.Sort(names, FileName.CompareBytes);
        Assert.Equal(new[] { "a", "z", "\uFFFD", "😀", FileName.FromBytes(new byte[] { 0xFF }) }, names);
    }
}
