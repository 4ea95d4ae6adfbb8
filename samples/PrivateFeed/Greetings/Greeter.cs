namespace PrivateFeed.Greetings;

/// <summary>What the app prints: proof that the package came from the private feed.</summary>
public static class Greeter
{
    public static string Message() => "Hello from a private NuGet feed";
}
