using Fathom.Client.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Fathom.Client.Tests;

/// <summary>An error an Orleans host logs while a command runs reaches the user as one line; its trace goes to a file.</summary>
public class OneLineLogFormatterTests
{
    [Fact]
    public void An_error_with_a_stack_trace_is_one_line_on_stderr_and_whole_in_the_details_file()
    {
        Exception thrown;
        try { throw new InvalidOperationException("activation failed\nsecond line of the message"); }
        catch (InvalidOperationException e) { thrown = e; }
        var entry = new LogEntry<string>(LogLevel.Error, "Orleans.Runtime.Catalog", new EventId(7), "Error activating grain\n   at Orleans.Runtime.X()",
            thrown, (state, _) => state);
        var output = new StringWriter();

        new OneLineLogFormatter().Write(entry, null, output);

        var text = output.ToString();
        Assert.Single(text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("fathom: error from Orleans.Runtime.Catalog: Error activating grain (activation failed); details in ", text);
        Assert.DoesNotContain("   at ", text);
        var details = text.TrimEnd()[(text.IndexOf("details in ", StringComparison.Ordinal) + "details in ".Length)..];
        var saved = File.ReadAllText(details);
        Assert.Contains("second line of the message", saved);
        Assert.Contains(nameof(An_error_with_a_stack_trace_is_one_line_on_stderr_and_whole_in_the_details_file), saved); // the trace
    }
}
