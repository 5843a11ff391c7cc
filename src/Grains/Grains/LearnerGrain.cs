using Fathom.Grains.Contracts;
using Fathom.Grains.Placement;
using Fathom.Grains.Stores;
using Fathom.Grains.Workers;
using Fathom.Learner;
using Fathom.Replay;
using Microsoft.Extensions.Logging;

namespace Fathom.Grains.Grains;

/// <summary>
/// Control plane of one learner: starts its <see cref="LearnerWorker"/> thread, reports its progress, stops it.
/// Holds no state of its own: a reactivation (e.g. after its silo died) starts a worker that resumes from the
/// latest checkpoint in the store. Its device is resolved here, at start, on the silo it landed on: a device this
/// silo lacks fails the start with a <see cref="RunRefusedException"/>.
/// </summary>
[SpreadPlacement, RequiresRole(SiloRole.Learner)]
public sealed class LearnerGrain(ReplayStores replay, WeightStore weights, CheckpointStore checkpoints, RateLimiterLedger ledger, ILocalSiloDetails silo, WorkerSettings settings, SiloWorkers workers,
    TorchDevices devices, ILogger<LearnerGrain> logger)
    : Grain, ILearnerGrain
{
    private LearnerWorker? _worker;
    private IGrainTimer? _watch;

    public async Task Start(LearnerAssignment assignment)
    {
        if (_worker is { Error: null }) return; // idempotent; a failed worker is replaced and resumes from its checkpoint
        var learner = assignment.Learner;
        var device = WorkerDevice.Resolve(learner.Device, $"learners[{Array.IndexOf(assignment.Spec.Learners, learner)}].device", settings, devices, silo.SiloAddress.ToString());
        var store = await replay.Get(assignment.Run, assignment.Spec);
        _worker = new LearnerWorker(assignment, store, weights, checkpoints, ledger, silo.SiloAddress.ToString(), device);
        logger.LogInformation("Learner {Learner} of run {Run} starts on device {Device} (asked for {Requested})",
            learner.Name, assignment.Run, device, learner.Device ?? $"the silo default {settings.Device}");
        workers.Start(_worker);
        WatchRun(assignment.ExperimentKey);
    }

    /// <summary>Stops the worker by itself once its run has ended or was deleted (see <see cref="RunWatch"/>).</summary>
    private void WatchRun(string experiment) =>
        _watch ??= this.RegisterGrainTimer(async _ =>
        {
            if (_worker is { IsRunning: true } worker && await RunWatch.RunIsGone(GrainFactory, experiment, logger)) worker.RequestStop();
        }, new GrainTimerCreationOptions(settings.RunCheckPeriod, settings.RunCheckPeriod) { KeepAlive = true });

    public Task<LearnerProgress> GetStatus()
    {
        var name = this.GetPrimaryKeyString();
        return Task.FromResult(_worker?.Progress()
            ?? new LearnerProgress(name, Specs.LearnerRole.Passive, ExperimentState.NotStarted, 0, 0, 0, 0, [], silo.SiloAddress.ToString(), null));
    }

    public Task Stop(bool drain)
    {
        if (drain) _worker?.RequestDrain();
        else _worker?.RequestStop();
        return Task.CompletedTask;
    }

    public Task<TopologyGrid?> GetTopology() => Task.FromResult(_worker?.Topology);

    /// <summary>Graceful shutdown: the worker finishes its update, evaluates and checkpoints before the activation goes.</summary>
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_worker is not { } worker) return;
        // A silo going down without time to spare (killed, or out of shutdown time) gets no flush, as a dead process.
        await using var abort = cancellationToken.Register(worker.Abort);
        worker.RequestStop();
        await Task.WhenAny(worker.Completion, Task.Delay(settings.StopTimeout, CancellationToken.None));
    }
}
