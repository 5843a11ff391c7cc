namespace Fathom.Bench;

/// <summary>One benchmark command: `dotnet run -c Release --project bench/Fathom.Bench -- NAME [args]`.</summary>
public interface IBenchmark
{
    /// <summary>The command word, e.g. "learner".</summary>
    string Name { get; }

    /// <summary>One line for the help listing.</summary>
    string Description { get; }

    /// <summary>Runs, prints a table, writes bench-results/NAME.json; returns the exit code.</summary>
    Task<int> RunAsync(string[] args);
}
