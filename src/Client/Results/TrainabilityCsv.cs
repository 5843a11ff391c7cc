using Fathom.Learner.Evaluation;

namespace Fathom.Client.Results;

/// <summary>
/// trainability.csv of <c>fathom trainability</c>: one row per update and residual setting (<see cref="TrainabilityRow"/>).
/// Columns: residual (1 on, 0 off); update; critic_loss; accuracy; critic_grad_first (gradient norm of the state-action
/// encoder's first layer); actor_grad_first; phi_norm (mean |phi(s, a)|, empty where not measured); skipped (1 when
/// the update was not applied because a value was not finite); seconds since that setting started.
/// </summary>
public static class TrainabilityCsv
{
    public const string FileName = "trainability.csv";

    public static readonly string[] Columns =
        ["residual", "update", "critic_loss", "accuracy", "critic_grad_first", "actor_grad_first", "phi_norm", "skipped", "seconds"];

    /// <summary>Appends rows, writing the header when the file is new, so an interrupted probe keeps what it measured.</summary>
    public static void Append(string path, IEnumerable<TrainabilityRow> rows) =>
        CsvTable.Append(path, Columns, rows.Select(r => new object[]
            { r.Residual, r.Update, r.CriticLoss, r.Accuracy, r.CriticFirstLayerGradient, r.ActorFirstLayerGradient, r.PhiNorm, r.Skipped, r.Seconds }));

    public static List<TrainabilityRow> Read(string path)
    {
        var t = CsvTable.Read(path).Expect(Columns, path);
        return t.Rows.Select(r => new TrainabilityRow(t.Get(r, "residual") == "1", (int)t.GetLong(r, "update"), t.GetDouble(r, "critic_loss"),
            t.GetDouble(r, "accuracy"), t.GetDouble(r, "critic_grad_first"), t.GetDouble(r, "actor_grad_first"), t.GetDouble(r, "phi_norm"),
            t.Get(r, "skipped") == "1", t.GetDouble(r, "seconds"))).ToList();
    }
}
