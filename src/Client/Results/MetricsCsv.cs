namespace Fathom.Client.Results;

/// <summary>
/// One progress sample of one learner, taken by the client while the run goes: a row of metrics.csv.
/// Columns: run; elapsed_s (seconds since this process started or resumed the run); learner; role; depth;
/// env_steps (collected by the whole run); env_steps_per_s (whole run, over the last sample
/// interval); updates (this learner's SGD steps, continuing across resumes); updates_per_s
/// (this learner, last interval); replay_fill (stored transitions / replay capacity, 0..1);
/// policy_lag (behaviour weight versions the collectors are behind, max over collectors); data_wait_fraction (this
/// learner's share of stepping time, the rate limiter's pacing left out, spent waiting for a minibatch).
/// </summary>
public sealed record MetricsSample(
    string Run, double ElapsedSeconds, string Learner, string Role, int Depth, long EnvSteps,
    double EnvStepsPerSecond, long Updates, double UpdatesPerSecond, double ReplayFill, long PolicyLag, double DataWaitFraction);

public static class MetricsCsv
{
    public const string FileName = "metrics.csv";

    public static readonly string[] Columns =
        ["run", "elapsed_s", "learner", "role", "depth", "env_steps", "env_steps_per_s", "updates", "updates_per_s", "replay_fill", "policy_lag", "data_wait_fraction"];

    /// <summary>Appends samples as they come, so a crash still leaves the curve so far.</summary>
    public static void Append(string path, IEnumerable<MetricsSample> samples) =>
        CsvTable.Append(path, Columns, samples.Select(s => new object[]
        {
            s.Run, Math.Round(s.ElapsedSeconds, 3), s.Learner, s.Role, s.Depth, s.EnvSteps,
            Math.Round(s.EnvStepsPerSecond, 1), s.Updates, Math.Round(s.UpdatesPerSecond, 2), Math.Round(s.ReplayFill, 4), s.PolicyLag, Math.Round(s.DataWaitFraction, 5),
        }));

    public static List<MetricsSample> Read(string path)
    {
        var t = CsvTable.Read(path).Expect(Columns, path);
        return t.Rows.Select(r => new MetricsSample(
            t.Get(r, "run"), t.GetDouble(r, "elapsed_s"), t.Get(r, "learner"), t.Get(r, "role"), (int)t.GetLong(r, "depth"),
            t.GetLong(r, "env_steps"), t.GetDouble(r, "env_steps_per_s"), t.GetLong(r, "updates"),
            t.GetDouble(r, "updates_per_s"), t.GetDouble(r, "replay_fill"), t.GetLong(r, "policy_lag"), t.GetDouble(r, "data_wait_fraction"))).ToList();
    }
}
