using System.Reflection;
using Fathom.Bench;

// Every IBenchmark in this assembly is a command; adding a benchmark is adding one file.
var benchmarks = Assembly.GetExecutingAssembly().GetTypes()
    .Where(t => typeof(IBenchmark).IsAssignableFrom(t) && t is { IsInterface: false, IsAbstract: false })
    .Select(t => (IBenchmark)Activator.CreateInstance(t)!)
    .OrderBy(b => b.Name)
    .ToList();

var chosen = args.Length > 0 ? benchmarks.FirstOrDefault(b => b.Name == args[0]) : null;
if (chosen is null)
{
    Console.Error.WriteLine(args.Length == 0 ? "usage: Fathom.Bench <benchmark> [args]" : $"unknown benchmark '{args[0]}'");
    foreach (var b in benchmarks) Console.Error.WriteLine($"  {b.Name,-10} {b.Description}");
    return 2;
}
return await chosen.RunAsync(args[1..]);
