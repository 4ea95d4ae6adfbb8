Console.WriteLine(PrivateFeed.Greetings.Greeter.Message());
