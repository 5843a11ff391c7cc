using System.Text.RegularExpressions;

namespace Fathom.Client.Tests;

/// <summary>What a user must never see from `fathom`: stack frames or .NET exception type names, only a line saying what happened.</summary>
static partial class NoStackTrace
{
    public static void Assert(string output)
    {
        Xunit.Assert.DoesNotMatch(Frame(), output);
        Xunit.Assert.DoesNotMatch(ExceptionType(), output);
        Xunit.Assert.DoesNotContain("Unhandled exception", output);
    }

    [GeneratedRegex(@"(?m)^\s+at \S+")]
    private static partial Regex Frame();

    [GeneratedRegex(@"\b\w*Exception\b(:| \(|\])")]
    private static partial Regex ExceptionType();
}
