using Fathom.Grains.Contracts;
using Fathom.Grains.Placement;
using Fathom.Grains.Stores;
using Fathom.Grains.Workers;
using Fathom.Learner;
using Fathom.Replay;
using Microsoft.Extensions.Logging;

namespace Fathom.Grains.Grains;

/// <summary>
/// Control plane of one collector: starts its <see cref="CollectorWorker"/> thread, reports its progress, stops
/// it. Collectors go to collector-capable silos: a fixed-count group's spread evenly, a per-silo group's pinned to the
/// silo their key names (<see cref="PinnedPlacement"/>). Its device is resolved at start on its silo, as a learner's is.
/// </summary>
[PinnedPlacement, RequiresRole(SiloRole.Collector)]
public sealed class CollectorGrain(ReplayStores replay, WeightStore weights, RateLimiterLedger ledger, ILocalSiloDetails silo, WorkerSettings settings, SiloWorkers workers,
    TorchDevices devices, ILogger<CollectorGrain> logger)
    : Grain, ICollectorGrain
{
    private CollectorWorker? _worker;
    private IGrainTimer? _watch;

    public async Task Start(CollectorAssignment assignment)
    {
        if (_worker is { Error: null }) return; // idempotent; a failed worker is replaced
        var group = assignment.Group;
        var device = WorkerDevice.Resolve(group.Device, $"collectors[{assignment.GroupIndex}].device", settings, devices, silo.SiloAddress.ToString());
        var store = await replay.Get(assignment.Run, assignment.Spec);
        _worker = new CollectorWorker(assignment, store, weights, ledger, silo.SiloAddress.ToString(), device);
        logger.LogInformation("Collector {Collector} of run {Run} starts on device {Device} (asked for {Requested})",
            assignment.Index, assignment.Run, device, group.Device ?? $"the silo default {settings.Device}");
        workers.Start(_worker);
        WatchRun(assignment.ExperimentKey);
    }

    /// <summary>Stops the worker by itself once its run has ended or was deleted (see <see cref="RunWatch"/>).</summary>
    private void WatchRun(string experiment) =>
        _watch ??= this.RegisterGrainTimer(async _ =>
        {
            if (_worker is { IsRunning: true } worker && await RunWatch.RunIsGone(GrainFactory, experiment, logger)) worker.RequestStop();
        }, new GrainTimerCreationOptions(settings.RunCheckPeriod, settings.RunCheckPeriod) { KeepAlive = true });

    public Task<CollectorProgress> GetStatus() =>
        Task.FromResult(_worker?.Progress()
            ?? new CollectorProgress(-1, ExperimentState.NotStarted, 0, 0, 0, 0, 0, 0, [], silo.SiloAddress.ToString(), null, ""));

    public Task Stop()
    {
        _worker?.RequestStop();
        return Task.CompletedTask;
    }

    /// <summary>Graceful shutdown: the worker writes the episodes it finished before the activation goes.</summary>
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_worker is not { } worker) return;
        // A silo going down without time to spare (killed, or out of shutdown time) gets no flush, as a dead process.
        await using var abort = cancellationToken.Register(worker.Abort);
        worker.RequestStop();
        await Task.WhenAny(worker.Completion, Task.Delay(settings.StopTimeout, CancellationToken.None));
    }
}
