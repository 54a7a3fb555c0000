// The orchestration engine: the part of the Durable Task Framework the Functions host runs. It keeps
// each instance's history, hands it to the REAL `durable-functions` replay (the orchestrator function
// invoked through the worker) and executes the actions that come back: activities (with host-side
// retries, as the extension does), durable timers on the host clock, sub-orchestrations, external
// events, continue-as-new. Running instances live in memory (write-through); work is dispatched
// in-process as soon as it is written, never polled. This file holds the client operations and the
// life of instances; the parts of a turn each have a module of their own:
//   turn.ts          which messages a turn takes, and what its replay comes to (a TurnResult)
//   replay.ts        the protocol with the library: trigger, returned state, non-determinism
//   scheduling.ts    new actions and retries become history, work items, timers, children
//   turn-commit.ts   the turn's writes, in one transaction
//   activities.ts    the activity dispatcher
import type { Clock } from '../host/clock';
import type { Logger } from '../host/logger';
import type { Database, Worker } from '../host/types';
import { faultPlan } from '../faults/plan';
import { ActivityDispatcher, type WorkItem } from './activities';
import { EventType, historyEvent, type HistoryEvent } from './history';
import { instanceFromRow, newInstance, type Instance, type Message } from './instance';
import { replay } from './replay';
import { freshState } from './scheduling';
import { toStatus, type InstanceStatus, type StatusOptions } from './status';
import { DurableStore, TERMINAL, type InstanceFilter } from './store';
import { playTurn, type ContinuedAsNewTurn, type EndedTurn, type RunningTurn } from './turn';
import { TurnCommit } from './turn-commit';
import { WorkPool } from './work-pool';

export interface EngineOptions {
  db: Database;
  clock: Clock;
  worker: Worker;
  log: Logger;
  hub: string;
  maxConcurrentActivities: number;
  maxConcurrentOrchestrations: number;
}

export class InstanceExistsError extends Error {}

type ClientOutcome = 'accepted' | 'notFound' | 'gone';

export class DurableEngine {
  readonly store: DurableStore;
  private readonly commit: TurnCommit;
  private readonly instances = new Map<string, Instance>();
  private readonly orchestrators = new Map<string, string>();
  private readonly turns: WorkPool<Instance>;
  private readonly activities: ActivityDispatcher;
  private readonly waiters = new Map<string, Set<() => void>>();
  private stopped = false;
  private closed = false;

  constructor(private readonly options: EngineOptions) {
    this.store = new DurableStore(options.db, options.hub);
    this.commit = new TurnCommit(this.store);
    // Never two turns at once for one instance: a queued or busy instance is not queued again.
    this.turns = new WorkPool({
      limit: options.maxConcurrentOrchestrations,
      run: (instance) => this.runTurn(instance),
      onError: (instance, err) =>
        options.log.error(`Durable instance ${instance.id}: the orchestrator turn failed`, err),
    });
    this.activities = new ActivityDispatcher({
      worker: options.worker,
      clock: options.clock,
      log: options.log,
      maxConcurrent: options.maxConcurrentActivities,
      faults: faultPlan(options.db),
      onOutcome: (item, outcome) => this.activityDone(item, outcome),
    });
  }

  now(): number {
    return this.options.clock.now();
  }

  registerOrchestrator(name: string): void {
    this.orchestrators.set(name.toLowerCase(), name);
  }

  registerActivity(name: string): void {
    this.activities.register(name);
  }

  /** The registered orchestrator's name (function names are case-insensitive), if there is one. */
  orchestratorName(name: string): string | undefined {
    return this.orchestrators.get(name.toLowerCase());
  }

  /** Resumes every unfinished instance from the data file. */
  start(): void {
    const now = this.now();
    for (const row of this.store.liveInstances()) {
      const instance = instanceFromRow(row, this.store.history(row.instance_id));
      instance.pending = this.store.messages(row.instance_id).map((m) => ({
        id: m.id,
        executionId: m.execution_id,
        visibleAt: m.visible_at,
        event: JSON.parse(m.event) as HistoryEvent,
      }));
      this.instances.set(instance.id, instance);
    }
    this.store.deleteOrphans();
    const work: WorkItem[] = [];
    for (const item of this.store.activities()) {
      const instance = this.instances.get(item.instance_id);
      if (instance && instance.executionId === item.execution_id) {
        const { id, instance_id: instanceId, execution_id: executionId, task_id: taskId, name, input } = item;
        work.push({ id, instanceId, executionId, taskId, name, input });
      } else this.store.deleteActivity(item.id);
    }
    for (const instance of this.instances.values()) {
      for (const m of instance.pending) if (m.visibleAt > now) this.armTimer(instance, m.visibleAt);
      this.scheduleIfReady(instance);
    }
    if (this.instances.size)
      this.options.log.info(
        `Durable task hub ${this.options.hub}: resumed ${this.instances.size} instance(s).`,
      );
    this.activities.dispatch(work);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const instance of this.instances.values()) this.cancelTimers(instance);
    this.activities.stop();
    await this.turns.stop();
    // The data file closes next: nothing more is written, and the work that is left (at least
    // once) runs again after a restart.
    this.closed = true;
    for (const set of this.waiters.values()) for (const wake of set) wake();
  }

  // ---- client operations (the durable HTTP API) ----

  /** Starts an instance; a finished instance of the same id is replaced (as the extension allows). */
  async startNew(name: string, instanceId: string, inputJson: string | null): Promise<void> {
    await this.open();
    const existing = this.instances.get(instanceId) ?? this.store.getInstance(instanceId);
    if (existing && !TERMINAL.has(existing.status)) {
      throw new InstanceExistsError(`An orchestration with the instance ID '${instanceId}' already exists.`);
    }
    const instance = newInstance({ id: instanceId, name, inputJson, parent: null, now: this.now() });
    const start = this.commit.start(instance);
    this.instances.set(instanceId, instance);
    this.accept(instance, start);
  }

  async raiseEvent(
    instanceId: string,
    eventName: string,
    inputJson: string | undefined,
  ): Promise<ClientOutcome> {
    return this.sendToLive(instanceId, EventType.EventRaised, { Name: eventName, Input: inputJson });
  }

  async terminate(instanceId: string, reason: string | undefined): Promise<ClientOutcome> {
    return this.sendToLive(instanceId, EventType.ExecutionTerminated, { Input: reason ?? '' });
  }

  purge(instanceId: string): 'purged' | 'notFound' | 'notTerminal' {
    if (this.instances.has(instanceId)) return 'notTerminal';
    const row = this.store.getInstance(instanceId);
    if (!row) return 'notFound';
    if (!TERMINAL.has(row.status)) return 'notTerminal';
    this.store.transaction(() => this.store.purge(instanceId));
    return 'purged';
  }

  /** Purges the finished instances that match; returns how many. */
  purgeWhere(filter: InstanceFilter): number {
    const rows = this.store.query(filter).filter((row) => TERMINAL.has(row.status));
    this.store.transaction(() => rows.forEach((row) => this.store.purge(row.instance_id)));
    return rows.length;
  }

  status(instanceId: string, options: StatusOptions = {}): InstanceStatus | undefined {
    const row = this.store.getInstance(instanceId);
    if (!row) return undefined;
    return toStatus(row, options, options.showHistory ? this.store.history(instanceId) : undefined);
  }

  list(filter: InstanceFilter, showInput: boolean): InstanceStatus[] {
    return this.store.query(filter).map((row) => toStatus(row, { showInput }));
  }

  /** Resolves when the instance is finished (or gone), or after `ms`, whichever comes first. */
  waitForFinish(instanceId: string, ms: number): Promise<void> {
    if (!this.instances.has(instanceId) || this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const set = this.waiters.get(instanceId) ?? new Set();
      this.waiters.set(instanceId, set);
      const done = (): void => {
        clearTimeout(timer);
        set.delete(done);
        if (!set.size) this.waiters.delete(instanceId);
        resolve();
      };
      const timer = setTimeout(done, ms);
      set.add(done);
    });
  }

  /** After stop, client operations never settle: the data file is closing, nothing more is written. */
  private open(): Promise<void> {
    return this.closed ? new Promise(() => undefined) : Promise.resolve();
  }

  private async sendToLive(
    instanceId: string,
    type: number,
    fields: Partial<HistoryEvent>,
  ): Promise<ClientOutcome> {
    await this.open();
    const instance = this.instances.get(instanceId);
    if (!instance) return this.store.getInstance(instanceId) ? 'gone' : 'notFound';
    const now = this.now();
    const event = historyEvent(type, now, fields);
    this.accept(instance, this.commit.send(instance.id, { executionId: null, visibleAt: now, event }));
    return 'accepted';
  }

  // ---- waking instances ----

  /** Hands a written message to its instance: a turn now, or when the message is due. */
  private accept(instance: Instance, message: Message): void {
    instance.pending.push(message);
    if (message.visibleAt > this.now()) this.armTimer(instance, message.visibleAt);
    else this.schedule(instance);
  }

  private armTimer(instance: Instance, at: number): void {
    if (this.stopped) return;
    const cancel = this.options.clock.at(at, () => {
      instance.timers.delete(cancel);
      this.schedule(instance);
    });
    instance.timers.add(cancel);
  }

  private cancelTimers(instance: Instance): void {
    for (const cancel of instance.timers) cancel();
    instance.timers.clear();
  }

  private schedule(instance: Instance): void {
    if (this.stopped || instance.queued || instance.busy || this.instances.get(instance.id) !== instance)
      return;
    instance.queued = true;
    this.turns.add(instance);
  }

  private scheduleIfReady(instance: Instance): void {
    const now = this.now();
    if (instance.pending.some((m) => m.visibleAt <= now)) this.schedule(instance);
  }

  // ---- orchestrator turns: played (turn.ts), committed (turn-commit.ts), then applied here ----

  private async runTurn(instance: Instance): Promise<void> {
    instance.queued = false;
    instance.busy = true;
    try {
      const replayed = { ...instance, parentInstanceId: instance.parent?.instanceId };
      const turn = await playTurn({
        instance,
        now: this.now(),
        replay: this.orchestratorName(instance.name)
          ? (newEvents) => replay(this.options.worker, replayed, newEvents)
          : undefined,
      });
      // Abandoned at stop: the messages stay and the turn runs again after a restart.
      if (!turn || this.stopped) return;
      switch (turn.kind) {
        case 'stale':
          this.commit.stale(turn.consumed);
          return this.forget(instance, turn.consumed);
        case 'running':
          return this.continued(instance, turn);
        case 'ended':
          return this.ended(instance, turn);
        case 'continuedAsNew':
          return this.continuedAsNew(instance, turn);
      }
    } finally {
      instance.busy = false;
      this.scheduleIfReady(instance);
    }
  }

  private forget(instance: Instance, consumed: Set<number>): void {
    instance.pending = instance.pending.filter((m) => !consumed.has(m.id));
  }

  private continued(instance: Instance, turn: RunningTurn): void {
    const children = this.claimChildren(turn);
    const written = this.commit.running(instance, turn, children);
    this.forget(instance, turn.consumed);
    const history = written.historyJson.join(',');
    instance.history = instance.history ? `${instance.history},${history}` : history;
    instance.state = turn.state;
    instance.status = 'Running';
    instance.customStatusJson = turn.customStatusJson;
    children.forEach((child, i) => this.accept(child, written.starts[i]));
    for (const message of written.messages) this.accept(instance, message);
    this.activities.dispatch(written.work);
  }

  /**
   * Claims the turn's child instance ids in memory before the turn is written, so a second start
   * of one is refused; a child whose id is taken fails at once (a message to the parent).
   */
  private claimChildren(turn: RunningTurn): Instance[] {
    const children: Instance[] = [];
    const now = turn.now;
    for (const child of turn.plan.children) {
      const existing = this.instances.get(child.instanceId) ?? this.store.getInstance(child.instanceId);
      if (existing && !TERMINAL.has(existing.status)) {
        turn.plan.messages.push({
          visibleAt: now,
          event: historyEvent(EventType.SubOrchestrationInstanceFailed, now, {
            TaskScheduledId: child.parent.taskId,
            Reason: `An orchestration with the instance ID '${child.instanceId}' already exists.`,
            Details: '',
          }),
        });
        continue;
      }
      const started = newInstance({
        id: child.instanceId,
        name: child.name,
        inputJson: child.input,
        parent: child.parent,
        now,
      });
      this.instances.set(started.id, started);
      children.push(started);
    }
    return children;
  }

  private ended(instance: Instance, turn: EndedTurn): void {
    // The first line names the failure; the whole text is the instance's output.
    if (turn.failure)
      this.options.log.error(`Durable instance ${instance.id}: ${turn.failure.split('\n')[0]}`);
    const ref = instance.parent;
    const parent = ref && this.instances.get(ref.instanceId);
    const liveParent = parent && parent.executionId === ref.executionId ? parent : undefined;
    const toParent = this.commit.ended(instance, turn, liveParent);
    this.cancelTimers(instance);
    this.instances.delete(instance.id);
    instance.pending = [];
    if (liveParent && toParent) this.accept(liveParent, toParent);
    const wake = this.waiters.get(instance.id);
    if (wake) for (const done of [...wake]) done();
  }

  private continuedAsNew(instance: Instance, turn: ContinuedAsNewTurn): void {
    // External events that arrived after this turn began carry over (events already in the old
    // history do not: preserveUnprocessedEvents is false for out-of-process orchestrators).
    const left = instance.pending.filter((m) => !turn.consumed.has(m.id));
    const carried = left.filter((m) => m.executionId === null);
    const stale = left.filter((m) => m.executionId !== null);
    const start = this.commit.continuedAsNew(instance, turn, stale);
    this.cancelTimers(instance);
    Object.assign(instance, {
      executionId: turn.executionId,
      inputJson: turn.inputJson,
      history: '',
      state: freshState(),
      customStatusJson: turn.customStatusJson,
      pending: [start, ...carried],
    });
  }

  // ---- activities ----

  private activityDone(item: WorkItem, outcome: HistoryEvent): void {
    if (this.stopped) return; // not recorded: the work item runs again after a restart (at least once)
    const instance = this.instances.get(item.instanceId);
    if (instance && instance.executionId === item.executionId) {
      this.accept(instance, {
        id: -item.id,
        executionId: item.executionId,
        visibleAt: this.now(),
        event: outcome,
      });
    } else {
      // The execution it worked for has ended: only the work item goes.
      this.commit.workItemDone(item.id);
    }
  }
}
