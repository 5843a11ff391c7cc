using System.Diagnostics;
using Fathom.Learner;
using Fathom.Learner.Crl;
using Fathom.Learner.Nets;
using Fathom.Learner.Td;
using TorchSharp;
using static TorchSharp.torch;

namespace Fathom.Bench;

/// <summary>
/// Update throughput of every algorithm (CRL, SAC, TD3) at width 256, batch 256, depths 4/16/64 on 2 torch threads, and how close it gets to this
/// machine's GEMM peak measured in the same run on the same 256 x 256 x 256 shapes. At these shapes one GEMM on 2
/// threads reaches only about 110 GFLOP/s here while two single-threaded GEMMs side by side reach about 150, so the
/// peak is the better of the two: the update itself runs its passes side by side, and is judged against that.
///
/// FLOPs of one update count matrix multiplies only (2 m n k each; LayerNorm, Swish, Adam and the loss are
/// overhead that efficiency is meant to expose): per Dense layer 2 B in out forward, the same again for the weight
/// gradient and for the input gradient wherever autograd needs one. The critic encoders and the actor run
/// forward + both gradients (no input gradient at their first layer, whose input is data); the actor loss runs
/// phi(s, pi(s, g)) forward + input gradients only (frozen critic) and reuses psi(g) from the critic pass; the
/// B x B x repr logit GEMM counts three times (forward and two gradients). SAC and TD3 (<see cref="TdUpdateFlops"/>)
/// count their twin critics' regression (forward + both gradients), the target networks' forward passes, and the
/// actor's pass through the critics (forward + input gradients); TD3's actor pass counts 1/d per update.
/// </summary>
public sealed class LearnerBench : IBenchmark
{
    private const int Width = 256;
    private const int Batch = 256;
    private const int DefaultThreads = 2;
    // Ant-like sizes: 29-dimensional state, 8 actions, (x, y) goal.
    private const int StateDim = 29, ActionDim = 8, GoalDim = 2;

    public string Name => "learner";

    public string Description => "CRL, SAC and TD3 updates/s, GFLOP/s and GEMM efficiency at width 256, batch 256, depths 4/16/64 (--quick: 4 and 16, short; --threads N, default 2)";

    public Task<int> RunAsync(string[] args)
    {
        bool quick = args.Contains("--quick");
        int threadsAt = Array.IndexOf(args, "--threads");
        int threads = threadsAt >= 0 && threadsAt + 1 < args.Length ? int.Parse(args[threadsAt + 1]) : DefaultThreads;
        if (threads < 1) throw new ArgumentOutOfRangeException("--threads", threads, "--threads must be at least 1.");
        int[] depths = quick ? [4, 16] : [4, 16, 64];
        double seconds = quick ? 0.5 : 10;
        int minRounds = quick ? 1 : 5;
        TorchSetup.Configure(threads);
        Console.WriteLine($"learner bench: width {Width}, batch {Batch}, {get_num_threads()} torch threads, {(quick ? "quick" : "full")}");

        var rows = new List<LearnerFigures>();
        foreach (int depth in depths)
        {
            var config = new CrlConfig
            {
                StateDim = StateDim, ActionDim = ActionDim, GoalDim = GoalDim,
                ActorDepth = depth, ActorWidth = Width, CriticDepth = depth, CriticWidth = Width,
            };
            var td = TdConfig.FromCrl(config, goalStart: 0, successRadius: 0.5);
            foreach (var (algorithm, make, flops) in new (string, Func<IGoalAgent>, double)[]
            {
                ("crl", () => new CrlAgent(config), UpdateFlops(config, Batch)),
                ("sac", () => new SacAgent(td), TdUpdateFlops(td, Batch, actorEvery: 1, sacTarget: true)),
                ("td3", () => new Td3Agent(td), TdUpdateFlops(td, Batch, actorEvery: td.PolicyDelay, sacTarget: false)),
            })
            {
                var timing = Measure(make, flops, seconds, minRounds);
                double gflops = flops * timing.UpdatesPerSecond / 1e9;
                rows.Add(new LearnerFigures(depth, Math.Round(timing.UpdatesPerSecond, 3), Math.Round(flops / 1e9, 3), Math.Round(gflops, 2),
                    Math.Round(timing.GemmPeakGflops, 2), Math.Round(timing.OneStreamGflops, 2), Math.Round(timing.TwoStreamsGflops, 2),
                    Math.Round(gflops / timing.GemmPeakGflops, 3), Math.Round(timing.CpuTimeEfficiency, 3)) { Algorithm = algorithm });
            }
        }

        Console.WriteLine($"{"algo",5} {"depth",6} {"updates/s",10} {"GFLOP/upd",10} {"GFLOP/s",9} {"GEMM peak",10} {"(1 stream",10} {"2 streams)",11} {"efficiency",11} {"eff (CPU time)",15}");
        foreach (var r in rows)
        {
            Console.WriteLine($"{r.Algorithm,5} {r.Depth,6} {r.UpdatesPerS,10:F2} {r.GflopPerUpdate,10:F2} {r.Gflops,9:F1} {r.GemmPeakGflops,10:F1} {r.GemmOneStreamGflops,10:F1} {r.GemmTwoStreamsGflops,11:F1} {r.Efficiency,11:F3} {r.EfficiencyCpuTime,15:F3}");
        }
        // Figures are only comparable on an otherwise idle machine; say how idle it was.
        if (File.Exists("/proc/loadavg")) Console.WriteLine($"load average (1, 5, 15 min) at the end: {string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3))} on {Environment.ProcessorCount} cores");
        BenchResults.Write(Name, rows);
        return Task.FromResult(0);
    }

    /// <summary>
    /// Updates per second and the GEMM peak, measured in alternating rounds (one update, then GEMMs of the same FLOP
    /// count done both ways the machine can use its threads) so that all see the same load when the machine is
    /// shared. One fixed random minibatch. Process CPU time is recorded beside wall time: on a loaded machine the
    /// CPU-time ratio is the steadier efficiency figure.
    /// </summary>
    private static Timing Measure(Func<IGoalAgent> make, double updateFlops, double seconds, int minRounds)
    {
        using var agent = make();
        using var streams = new ConcurrentPasses(get_num_threads(), "gemm peak");
        // One fixed random minibatch as the sampler delivers it (row-major arrays, next states for the TD agents).
        var random = new Random(1);
        float[] Rows(int width, float scale) => [.. Enumerable.Range(0, Batch * width).Select(_ => (random.NextSingle() * 2 - 1) * scale)];
        float[] states = Rows(StateDim, 2), actions = Rows(ActionDim, 1), nextStates = Rows(StateDim, 2), goals = Rows(GoalDim, 2);
        void Update() => agent.Update(states, actions, nextStates, goals);
        using var x = randn(Batch, Width);
        using var w = randn(Width, Width);
        using var g = randn(Batch, Width);
        // Even, so that the two streams share a round's GEMMs equally.
        int gemmRounds = 2 * Math.Max(1, (int)Math.Round(updateFlops / GemmRoundFlops / 2));
        void OneStream() => GemmRounds(x, w, g, gemmRounds);
        void TwoStreams() => streams.Run(() => GemmRounds(x, w, g, gemmRounds / 2), () => GemmRounds(x, w, g, gemmRounds / 2));
        Update();
        OneStream();
        TwoStreams();

        var process = Process.GetCurrentProcess();
        var total = Stopwatch.StartNew();
        Clock update = default, one = default, two = default;
        int rounds = 0;
        while (rounds < minRounds || total.Elapsed.TotalSeconds < seconds)
        {
            Clock Time(Action work)
            {
                process.Refresh();
                var cpuStart = process.TotalProcessorTime;
                long start = Stopwatch.GetTimestamp();
                work();
                var wall = Stopwatch.GetElapsedTime(start);
                process.Refresh();
                return new Clock(wall, process.TotalProcessorTime - cpuStart);
            }
            update += Time(Update);
            one += Time(OneStream);
            two += Time(TwoStreams);
            rounds++;
        }
        double gemmFlops = rounds * gemmRounds * GemmRoundFlops;
        double oneStream = gemmFlops / one.Wall.TotalSeconds / 1e9, twoStreams = gemmFlops / two.Wall.TotalSeconds / 1e9;
        double gemmPerCpuSecond = gemmFlops / Math.Min(one.Cpu.TotalSeconds, two.Cpu.TotalSeconds);
        double cpuEfficiency = rounds * updateFlops / update.Cpu.TotalSeconds / gemmPerCpuSecond;
        return new Timing(rounds / update.Wall.TotalSeconds, oneStream, twoStreams, cpuEfficiency);
    }

    private readonly record struct Clock(TimeSpan Wall, TimeSpan Cpu)
    {
        public static Clock operator +(Clock a, Clock b) => new(a.Wall + b.Wall, a.Cpu + b.Cpu);
    }

    /// <summary>The peak is the better of one GEMM stream on all threads and two concurrent streams sharing them.</summary>
    private readonly record struct Timing(double UpdatesPerSecond, double OneStreamGflops, double TwoStreamsGflops, double CpuTimeEfficiency)
    {
        public double GemmPeakGflops => Math.Max(OneStreamGflops, TwoStreamsGflops);
    }

    /// <summary>The three GEMMs of a width-256 Dense layer at batch 256: forward, input gradient, weight gradient.</summary>
    private const double GemmRoundFlops = 3 * 2.0 * Batch * Width * Width;

    private static int GemmRounds(Tensor x, Tensor w, Tensor g, int rounds)
    {
        for (int i = 0; i < rounds; i++)
        {
            using var forward = x.matmul(w.t());
            using var inputGradient = g.matmul(w);
            using var weightGradient = g.t().matmul(x);
        }
        return rounds;
    }

    /// <summary>Matrix-multiply FLOPs of one CRL update as the class comment describes.</summary>
    public static double UpdateFlops(CrlConfig config, int batch)
    {
        double Forward(MlpShape s) => ForwardFlops(s, batch);
        double Trained(MlpShape s) => TrainedFlops(s, batch);
        double logits = 3 * 2.0 * batch * batch * config.ReprDim;
        return Trained(config.ActorShape) + Trained(config.StateActionEncoderShape) + Trained(config.GoalEncoderShape)
            + 2 * Forward(config.StateActionEncoderShape) + logits;
    }

    /// <summary>One forward pass of a network over the batch.</summary>
    private static double ForwardFlops(MlpShape s, int batch) =>
        2.0 * batch * ((double)s.InputDim * s.Width + (double)s.Depth * s.Width * s.Width + (double)s.Width * s.OutputDim);

    /// <summary>Forward plus weight gradients plus input gradients at every layer but the first (whose input is data).</summary>
    private static double TrainedFlops(MlpShape s, int batch) => 3 * ForwardFlops(s, batch) - 2.0 * batch * s.InputDim * s.Width;

    /// <summary>
    /// Matrix-multiply FLOPs of one SAC or TD3 update: the twin critics trained (forward + weight and input gradients
    /// but at the first layer), the target critics forward on s', the actor (SAC) or target actor (TD3) forward on s',
    /// and every <paramref name="actorEvery"/> updates the actor trained through the critics' forward and input
    /// gradients (both critics for SAC, Q_1 for TD3).
    /// </summary>
    public static double TdUpdateFlops(TdConfig config, int batch, int actorEvery, bool sacTarget)
    {
        double Forward(MlpShape s) => ForwardFlops(s, batch);
        double Trained(MlpShape s) => TrainedFlops(s, batch);
        var (actor, critic) = (config.ActorShape, config.CriticShape);
        double criticPass = 2 * Trained(critic) + 2 * Forward(critic) + Forward(actor);
        double actorPass = Trained(actor) + (sacTarget ? 2 : 1) * 2 * Forward(critic);
        return criticPass + actorPass / actorEvery;
    }

    /// <summary>
    /// One row of bench-results/learner.json; efficiency is wall-clock GFLOP/s over the GEMM peak, the better of one
    /// GEMM stream on all threads and two concurrent streams sharing them.
    /// </summary>
    public sealed record LearnerFigures(int Depth, double UpdatesPerS, double GflopPerUpdate, double Gflops, double GemmPeakGflops,
        double GemmOneStreamGflops, double GemmTwoStreamsGflops, double Efficiency, double EfficiencyCpuTime)
    {
        /// <summary>crl, sac or td3 (the spec's spelling).</summary>
        public string Algorithm { get; init; } = "crl";
    }
}
