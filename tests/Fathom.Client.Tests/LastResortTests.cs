using Fathom.Client.Commands;
using Orleans.Runtime;

namespace Fathom.Client.Tests;

/// <summary>An error no command handled still reaches the user as one line, with its trace kept in a file.</summary>
public sealed class LastResortTests
{
    [Theory]
    [InlineData(true, 3)]
    [InlineData(false, 1)]
    public void An_unhandled_error_is_one_line_naming_a_file_with_its_trace(bool clusterSilent, int exitCode)
    {
        var error = Thrown(clusterSilent ? new OrleansException("silo gone\nsecond line") : new InvalidOperationException("the index went missing"));
        var stderr = new StringWriter();
        var previous = Console.Error;
        Console.SetError(stderr);
        int code;
        try { code = LastResort.Report(error); }
        finally { Console.SetError(previous); }

        Assert.Equal(exitCode, code);
        var line = Assert.Single(stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        NoStackTrace.Assert(line);
        Assert.Contains(clusterSilent ? "the cluster stopped answering (silo gone)" : "failed: the index went missing", line);
        var file = line[(line.IndexOf(" in /", StringComparison.Ordinal) + 4)..].TrimEnd(')', '\r');
        try { Assert.Contains(nameof(Thrown), File.ReadAllText(file)); }
        finally { File.Delete(file); }
    }

    [Fact]
    public void A_ctrl_c_no_command_caught_is_an_interruption()
    {
        var stderr = new StringWriter();
        var previous = Console.Error;
        Console.SetError(stderr);
        try { Assert.Equal(130, LastResort.Report(Thrown(new OperationCanceledException()))); }
        finally { Console.SetError(previous); }
        Assert.Equal("fathom: interrupted", stderr.ToString().Trim());
    }

    /// <summary>The exception as thrown, so that it carries a stack trace.</summary>
    static Exception Thrown(Exception error)
    {
        try { throw error; }
        catch (Exception e) { return e; }
    }
}
