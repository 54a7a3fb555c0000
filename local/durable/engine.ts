// The orchestration engine: the part of the Durable Task Framework the Functions host runs. It keeps
// each instance's history, hands it to the REAL `durable-functions` replay (the orchestrator function
// invoked through the worker) and executes the actions that come back: activities (with host-side
// retries, as the extension does), durable timers on the host clock, sub-orchestrations, external
// events, continue-as-new. An orchestrator turn's new history commits in one transaction with the
// work it scheduled (an outbox), so a killed process resumes every unfinished instance on start; the
// writes of one event-loop turn share that transaction (group commit). Running instances live in
// memory (write-through); work is dispatched in-process as soon as it commits, never polled.
import { randomUUID } from 'node:crypto';
import type { Clock } from '../host/clock';
import type { Logger } from '../host/logger';
import { fromTypedData } from '../host/typed-data';
import type { Database, TypedData, Worker } from '../host/types';
import {
  ActionType,
  EventType,
  flattenActions,
  type Action,
  type HistoryEvent,
  type OrchestratorResult,
  type RetryOptionsDto,
} from './history';
import { toStatus, type InstanceStatus, type StatusOptions } from './status';
import { DurableStore, TERMINAL, type InstanceFilter, type InstanceRow } from './store';

export interface EngineOptions {
  db: Database;
  clock: Clock;
  worker: Worker;
  log: Logger;
  hub: string;
  maxConcurrentActivities: number;
  maxConcurrentOrchestrations: number;
}

interface Message {
  /**
   * The message row, or for an activity's result the negated id of its work item: a result is not
   * written on its own; the turn that takes it deletes the work item in its transaction, and after a
   * crash before that the activity runs again (at least once).
   */
  id: number;
  /** Set for replies to work of one execution (dropped once it ended); null for events and starts. */
  executionId: string | null;
  visibleAt: number;
  event: HistoryEvent;
}

interface RetryState {
  kind: 'activity' | 'orchestration';
  name: string;
  /** JSON text. */
  input: string | null;
  instanceId?: string;
  options: RetryOptionsDto;
  /** Attempts made so far. */
  attempt: number;
  firstAttemptAt: number;
}

/** What the engine derives from history and keeps beside it (in the instance row). */
interface EngineState {
  nextEventId: number;
  /** What each executed action (of the flattened cumulative list) was, in order: replay must repeat it. */
  actions: string[];
  turns: number;
  /** Retryable tasks by the id of the task or retry timer they wait on. */
  retries: Record<string, RetryState>;
}

interface ParentRef {
  instanceId: string;
  executionId: string;
  taskId: number;
}

interface Instance {
  id: string;
  name: string;
  executionId: string;
  inputJson: string | null;
  parent: ParentRef | null;
  createdAt: number;
  status: 'Pending' | 'Running';
  customStatusJson: string | null;
  /** Stored history events of the current execution as JSON (IsPlayed true), comma-separated. */
  history: string;
  state: EngineState;
  pending: Message[];
  busy: boolean;
  queued: boolean;
  timers: Set<() => void>;
}

interface WorkItem {
  id: number;
  instanceId: string;
  executionId: string;
  taskId: number;
  name: string;
  input: string | null;
}

/** Everything one turn writes besides the instance's own row and history. */
interface Plan {
  history: HistoryEvent[];
  activities: Omit<WorkItem, 'id'>[];
  messages: { target: string; executionId: string | null; visibleAt: number; event: HistoryEvent }[];
  children: { instanceId: string; name: string; input: string | null; parent: ParentRef }[];
}

export class InstanceExistsError extends Error {}

// The durable-functions library splits timers longer than maximumShortTimerDuration into a chain
// of shorter ones (an Azure Storage queue limit). This store has no such limit, like the MSSQL and
// Netherite backends: one durable timer whatever its length.
const MAX_SHORT_TIMER = '36500.00:00:00';
const LONG_TIMER_INTERVAL = '3.00:00:00';
// Replay schema V3 (`upperSchemaVersion` 2): actions come as one cumulative list; V4 adds only
// entity locks, which this engine does not serve.
const UPPER_SCHEMA_VERSION = 2;
const OUT_OF_PROC_DATA = '\n\n$OutOfProcData$:';

const iso = (ms: number): string => new Date(ms).toISOString();

function event(type: number, at: number, fields: Partial<HistoryEvent> = {}): HistoryEvent {
  return { EventType: type, EventId: -1, IsPlayed: false, Timestamp: iso(at), ...fields };
}

const stored = (e: HistoryEvent): string => JSON.stringify({ ...e, IsPlayed: true });

/** Activity and continue-as-new inputs: the library already JSON-encoded strings (`Utils.processInput`). */
function encodedInput(input: unknown): string | null {
  if (input === undefined) return null;
  return typeof input === 'string' ? input : (JSON.stringify(input) ?? null);
}

const cloneState = (st: EngineState): EngineState => ({
  ...st,
  actions: [...st.actions],
  retries: Object.fromEntries(Object.entries(st.retries).map(([k, r]) => [k, { ...r }])),
});

const freshState = (): EngineState => ({ nextEventId: 0, actions: [], turns: 0, retries: {} });

export class DurableEngine {
  readonly store: DurableStore;
  private readonly instances = new Map<string, Instance>();
  private readonly orchestrators = new Map<string, string>();
  private readonly activityNames = new Map<string, string>();
  private readonly orchestratorQueue: Instance[] = [];
  private readonly activityQueue: WorkItem[] = [];
  private runningOrchestrations = 0;
  private runningActivities = 0;
  private readonly turnsInFlight = new Set<Promise<void>>();
  private readonly waiters = new Map<string, Set<() => void>>();
  private writes: { write: () => void; done: () => void; fail: (err: unknown) => void }[] = [];
  private flushQueued = false;
  private stopped = false;
  private closed = false;

  constructor(private readonly o: EngineOptions) {
    this.store = new DurableStore(o.db, o.hub);
  }

  now(): number {
    return this.o.clock.now();
  }

  registerOrchestrator(name: string): void {
    this.orchestrators.set(name.toLowerCase(), name);
  }

  registerActivity(name: string): void {
    this.activityNames.set(name.toLowerCase(), name);
  }

  /** The registered orchestrator's name (function names are case-insensitive), if there is one. */
  orchestratorName(name: string): string | undefined {
    return this.orchestrators.get(name.toLowerCase());
  }

  /** Resumes every unfinished instance from the data file. */
  start(): void {
    const now = this.o.clock.now();
    for (const row of this.store.liveInstances()) {
      const inst = this.instanceFromRow(row);
      inst.pending = this.store.messages(row.instance_id).map((m) => ({
        id: m.id,
        executionId: m.execution_id,
        visibleAt: m.visible_at,
        event: JSON.parse(m.event) as HistoryEvent,
      }));
      this.instances.set(inst.id, inst);
    }
    this.store.deleteOrphans();
    for (const a of this.store.activities()) {
      const inst = this.instances.get(a.instance_id);
      if (inst && inst.executionId === a.execution_id) {
        this.activityQueue.push({
          id: a.id,
          instanceId: a.instance_id,
          executionId: a.execution_id,
          taskId: a.task_id,
          name: a.name,
          input: a.input,
        });
      } else this.store.deleteActivity(a.id);
    }
    for (const inst of this.instances.values()) {
      for (const m of inst.pending) if (m.visibleAt > now) this.armTimer(inst, m.visibleAt);
      this.scheduleIfReady(inst);
    }
    if (this.instances.size)
      this.o.log.info(`Durable task hub ${this.o.hub}: resumed ${this.instances.size} instance(s).`);
    this.pumpActivities();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const inst of this.instances.values()) this.cancelTimers(inst);
    this.flush();
    await Promise.allSettled([...this.turnsInFlight]);
    this.flush();
    this.closed = true;
    for (const set of this.waiters.values()) for (const wake of set) wake();
  }

  // ---- group commit: the writes of one event-loop turn share one transaction ----

  /**
   * Queues `write` for the next transaction (at most one per event-loop turn, so concurrent turns and
   * activity completions share a commit) and resolves once it committed. Whatever a write leads to
   * (dispatching work, waking instances) happens only after that. A write may run twice (its batch
   * failed and is retried one write at a time), so writes assign their results, never accumulate.
   */
  private commit(write: () => void): Promise<void> {
    // After stop the data file closes: such writes never happen, and the work they belong to
    // (at least once) runs again after a restart.
    if (this.closed) return new Promise(() => undefined);
    return new Promise((done, fail) => {
      this.writes.push({ write, done, fail });
      if (!this.flushQueued) {
        this.flushQueued = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushQueued = false;
    const batch = this.writes;
    this.writes = [];
    if (!batch.length || this.closed) return;
    try {
      this.store.transaction(() => batch.forEach((b) => b.write()));
    } catch {
      for (const b of batch) {
        try {
          this.store.transaction(b.write);
        } catch (err) {
          b.fail(err);
          continue;
        }
        b.done();
      }
      return;
    }
    batch.forEach((b) => b.done());
  }

  // ---- client operations (the durable HTTP API) ----

  /** Starts an instance; a finished instance of the same id is replaced (as the extension allows). */
  async startNew(name: string, instanceId: string, inputJson: string | null): Promise<void> {
    const existing = this.instances.get(instanceId) ?? this.store.getInstance(instanceId);
    if (existing && !TERMINAL.has(existing.status)) {
      throw new InstanceExistsError(`An orchestration with the instance ID '${instanceId}' already exists.`);
    }
    const inst = this.newInstance(instanceId, name, inputJson, null, this.o.clock.now());
    // In memory at once, so a second start of this id is refused while this one commits.
    this.instances.set(instanceId, inst);
    let start: Message | undefined;
    try {
      await this.commit(() => (start = this.writeInstance(inst)));
    } catch (err) {
      this.instances.delete(instanceId);
      throw err;
    }
    this.accept(inst, start!);
  }

  async raiseEvent(
    instanceId: string,
    eventName: string,
    inputJson: string | undefined,
  ): Promise<'accepted' | 'notFound' | 'gone'> {
    const inst = this.instances.get(instanceId);
    if (!inst) return this.store.getInstance(instanceId) ? 'gone' : 'notFound';
    await this.send(
      inst,
      null,
      this.o.clock.now(),
      event(EventType.EventRaised, this.o.clock.now(), { Name: eventName, Input: inputJson }),
    );
    return 'accepted';
  }

  async terminate(instanceId: string, reason: string | undefined): Promise<'accepted' | 'notFound' | 'gone'> {
    const inst = this.instances.get(instanceId);
    if (!inst) return this.store.getInstance(instanceId) ? 'gone' : 'notFound';
    await this.send(
      inst,
      null,
      this.o.clock.now(),
      event(EventType.ExecutionTerminated, this.o.clock.now(), { Input: reason ?? '' }),
    );
    return 'accepted';
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
    const rows = this.store.query(filter).filter((r) => TERMINAL.has(r.status));
    this.store.transaction(() => rows.forEach((r) => this.store.purge(r.instance_id)));
    return rows.length;
  }

  status(instanceId: string, options: StatusOptions = {}): InstanceStatus | undefined {
    const row = this.store.getInstance(instanceId);
    if (!row) return undefined;
    return toStatus(row, options, options.showHistory ? this.store.history(instanceId) : undefined);
  }

  list(filter: InstanceFilter, showInput: boolean): InstanceStatus[] {
    return this.store.query(filter).map((r) => toStatus(r, { showInput }));
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

  // ---- instances and messages ----

  private instanceFromRow(row: InstanceRow): Instance {
    return {
      id: row.instance_id,
      name: row.name,
      executionId: row.execution_id,
      inputJson: row.input,
      parent: row.parent ? (JSON.parse(row.parent) as ParentRef) : null,
      createdAt: row.created_at,
      status: row.status === 'Pending' ? 'Pending' : 'Running',
      customStatusJson: row.custom_status,
      history: this.store.history(row.instance_id).join(','),
      state: JSON.parse(row.engine) as EngineState,
      pending: [],
      busy: false,
      queued: false,
      timers: new Set(),
    };
  }

  private newInstance(
    id: string,
    name: string,
    inputJson: string | null,
    parent: ParentRef | null,
    now: number,
  ): Instance {
    return {
      id,
      name,
      executionId: randomUUID(),
      inputJson,
      parent,
      createdAt: now,
      status: 'Pending',
      customStatusJson: null,
      history: '',
      state: freshState(),
      pending: [],
      busy: false,
      queued: false,
      timers: new Set(),
    };
  }

  /** Writes (or replaces) the instance's row and its start message; returns the message. */
  private writeInstance(inst: Instance): Message {
    const start = event(EventType.ExecutionStarted, inst.createdAt, {
      Name: inst.name,
      Input: inst.inputJson ?? undefined,
      Version: '',
    });
    this.store.createInstance({
      instance_id: inst.id,
      name: inst.name,
      execution_id: inst.executionId,
      status: 'Pending',
      input: inst.inputJson,
      created_at: inst.createdAt,
      parent: inst.parent && JSON.stringify(inst.parent),
      engine: JSON.stringify(inst.state),
    });
    const id = this.store.insertMessage(inst.id, inst.executionId, inst.createdAt, JSON.stringify(start));
    return { id, executionId: inst.executionId, visibleAt: inst.createdAt, event: start };
  }

  /** Persists a message to a live instance and wakes it (now, or when the message is due). */
  private async send(
    inst: Instance,
    executionId: string | null,
    visibleAt: number,
    ev: HistoryEvent,
  ): Promise<void> {
    let id = 0;
    await this.commit(
      () => (id = this.store.insertMessage(inst.id, executionId, visibleAt, JSON.stringify(ev))),
    );
    this.accept(inst, { id, executionId, visibleAt, event: ev });
  }

  private accept(inst: Instance, m: Message): void {
    inst.pending.push(m);
    if (m.visibleAt > this.o.clock.now()) this.armTimer(inst, m.visibleAt);
    else this.schedule(inst);
  }

  private armTimer(inst: Instance, at: number): void {
    if (this.stopped) return;
    const cancel = this.o.clock.at(at, () => {
      inst.timers.delete(cancel);
      this.schedule(inst);
    });
    inst.timers.add(cancel);
  }

  private cancelTimers(inst: Instance): void {
    for (const cancel of inst.timers) cancel();
    inst.timers.clear();
  }

  // ---- orchestrator turns: never two at once for one instance ----

  private schedule(inst: Instance): void {
    if (this.stopped || inst.queued || inst.busy || this.instances.get(inst.id) !== inst) return;
    inst.queued = true;
    this.orchestratorQueue.push(inst);
    this.pumpOrchestrations();
  }

  private scheduleIfReady(inst: Instance): void {
    const now = this.o.clock.now();
    if (this.instances.get(inst.id) === inst && inst.pending.some((m) => m.visibleAt <= now))
      this.schedule(inst);
  }

  private pumpOrchestrations(): void {
    while (
      !this.stopped &&
      this.runningOrchestrations < this.o.maxConcurrentOrchestrations &&
      this.orchestratorQueue.length
    ) {
      const inst = this.orchestratorQueue.shift()!;
      inst.queued = false;
      inst.busy = true;
      this.runningOrchestrations++;
      const turn = this.runTurn(inst)
        .catch((err: unknown) =>
          this.o.log.error(`Durable instance ${inst.id}: the orchestrator turn failed`, err),
        )
        .finally(() => {
          inst.busy = false;
          this.runningOrchestrations--;
          this.turnsInFlight.delete(turn);
          this.scheduleIfReady(inst);
          this.pumpOrchestrations();
        });
      this.turnsInFlight.add(turn);
    }
  }

  private async runTurn(inst: Instance): Promise<void> {
    const now = this.o.clock.now();
    const ready = inst.pending.filter((m) => m.visibleAt <= now);
    if (!ready.length) return;
    const consumed = new Set(ready.map((m) => m.id));
    const current = ready.filter((m) => m.executionId === null || m.executionId === inst.executionId);
    const terminate = current.find((m) => m.event.EventType === EventType.ExecutionTerminated);
    if (terminate) return this.finishTerminated(inst, terminate.event.Input ?? '', now);
    if (!current.length) return this.commitConsumedOnly(inst, consumed);

    // Events that make the library take a sequence number without returning an action (the retry
    // timer after a failed attempt, the next attempt after that timer) go last in the turn, after
    // every event that can resume user code: then the library numbers the new actions first, and
    // the engine can give the retry work the numbers that follow.
    const st = cloneState(inst.state);
    const normal: HistoryEvent[] = [];
    const allocating: HistoryEvent[] = [];
    for (const m of current) (this.classify(st, m.event) ? allocating : normal).push(m.event);
    const turnEvents = [event(EventType.OrchestratorStarted, now), ...normal, ...allocating];

    let result: OrchestratorResult | undefined;
    let failure: string | undefined;
    if (!this.orchestrators.has(inst.name.toLowerCase())) {
      failure = `The function '${inst.name}' doesn't exist, is disabled, or is not an orchestrator function.`;
    } else {
      try {
        const r = await this.o.worker.invoke(inst.name, {
          trigger: { json: this.triggerJson(inst, turnEvents) },
          triggerIsTypedData: true,
        });
        result = asResult(r.returnValue);
        if (!result) failure = 'The orchestrator function returned no orchestration state.';
      } catch (err) {
        ({ result, failure } = fromOrchestratorError(err));
      }
    }
    if (this.stopped) return; // abandoned: the messages stay and the turn runs again after a restart

    const plan: Plan = { history: turnEvents, activities: [], messages: [], children: [] };
    const flat = result ? flattenActions(result.actions) : [];
    failure ??= nonDeterminism(st.actions, flat);
    const fresh = flat.slice(st.actions.length);
    st.actions.push(...fresh.map(signature));
    const customStatusJson =
      result?.customStatus !== undefined
        ? (JSON.stringify(result.customStatus) ?? null)
        : inst.customStatusJson;

    if (!failure && result?.isDone) {
      const next = fresh.find((a) => a.actionType === ActionType.ContinueAsNew);
      if (next) return this.continueAsNew(inst, consumed, encodedInput(next.input), customStatusJson, now);
      return this.finish(
        inst,
        plan,
        'Completed',
        JSON.stringify(result.output ?? null),
        customStatusJson,
        now,
      );
    }
    if (!failure) {
      for (const action of fresh) {
        failure = this.scheduleAction(inst, st, action, now, plan);
        if (failure) break;
      }
    }
    if (!failure) {
      for (const e of allocating) {
        failure = this.scheduleRetry(inst, st, e, now, plan);
        if (failure) break;
      }
    }
    if (failure) {
      const reason = `Orchestrator function '${inst.name}' failed: ${failure}`;
      // The first line names the failure; the whole text is the instance's output.
      this.o.log.error(`Durable instance ${inst.id}: ${reason.split('\n')[0]}`);
      return this.finish(inst, plan, 'Failed', JSON.stringify(reason), customStatusJson, now, reason);
    }
    return this.commitTurn(inst, consumed, st, plan, customStatusJson, now);
  }

  /** True for an event the library answers by taking a sequence number (see runTurn); drops finished retries. */
  private classify(st: EngineState, e: HistoryEvent): boolean {
    switch (e.EventType) {
      case EventType.TaskFailed:
      case EventType.SubOrchestrationInstanceFailed:
        return st.retries[String(e.TaskScheduledId)] !== undefined;
      case EventType.TaskCompleted:
      case EventType.SubOrchestrationInstanceCompleted:
        delete st.retries[String(e.TaskScheduledId)];
        return false;
      case EventType.TimerFired: {
        const r = st.retries[String(e.TimerId)];
        if (!r) return false;
        // After the last attempt the library still waits for one retry timer, then fails the task.
        if (r.attempt < r.options.maxNumberOfAttempts) return true;
        delete st.retries[String(e.TimerId)];
        return false;
      }
      default:
        return false;
    }
  }

  private triggerJson(inst: Instance, turnEvents: HistoryEvent[]): string {
    const fresh = turnEvents.map((e) => JSON.stringify(e)).join(',');
    const history = inst.history ? `${inst.history},${fresh}` : fresh;
    return (
      `{"history":[${history}],"input":${inst.inputJson ?? 'null'},"instanceId":${JSON.stringify(inst.id)},` +
      `"isReplaying":${inst.history !== ''},"parentInstanceId":${inst.parent ? JSON.stringify(inst.parent.instanceId) : 'null'},` +
      `"upperSchemaVersion":${UPPER_SCHEMA_VERSION},"maximumShortTimerDuration":"${MAX_SHORT_TIMER}",` +
      `"longRunningTimerIntervalDuration":"${LONG_TIMER_INTERVAL}","defaultHttpAsyncRequestSleepTimeMillseconds":30000}`
    );
  }

  /** Executes one new action; returns a failure message when the action cannot run here. */
  private scheduleAction(
    inst: Instance,
    st: EngineState,
    a: Action,
    now: number,
    plan: Plan,
  ): string | undefined {
    switch (a.actionType) {
      case ActionType.CallActivity:
      case ActionType.CallActivityWithRetry: {
        const id = this.scheduleActivity(inst, st, a.functionName ?? '', encodedInput(a.input), now, plan);
        if (a.actionType === ActionType.CallActivityWithRetry && a.retryOptions) {
          st.retries[String(id)] = {
            kind: 'activity',
            name: a.functionName ?? '',
            input: encodedInput(a.input),
            options: a.retryOptions,
            attempt: 1,
            firstAttemptAt: now,
          };
        }
        return undefined;
      }
      case ActionType.CallSubOrchestrator:
      case ActionType.CallSubOrchestratorWithRetry: {
        const input = a.input === undefined ? null : (JSON.stringify(a.input) ?? null);
        const id = this.scheduleSubOrchestration(
          inst,
          st,
          a.functionName ?? '',
          a.instanceId,
          input,
          now,
          plan,
        );
        if (a.actionType === ActionType.CallSubOrchestratorWithRetry && a.retryOptions) {
          st.retries[String(id)] = {
            kind: 'orchestration',
            name: a.functionName ?? '',
            input,
            instanceId: a.instanceId,
            options: a.retryOptions,
            attempt: 1,
            firstAttemptAt: now,
          };
        }
        return undefined;
      }
      case ActionType.CreateTimer: {
        const fireAt = Date.parse(a.fireAt ?? '');
        if (Number.isNaN(fireAt)) return `A durable timer has no valid fireAt (${String(a.fireAt)}).`;
        this.scheduleTimer(inst, st, fireAt, now, plan);
        return undefined;
      }
      case ActionType.WaitForExternalEvent:
      case ActionType.ContinueAsNew:
        return undefined;
      default:
        return (
          `${actionName(a.actionType)} is not supported by the local host's durable engine ` +
          `(durable entities and callHttp are not implemented).`
        );
    }
  }

  private scheduleActivity(
    inst: Instance,
    st: EngineState,
    name: string,
    input: string | null,
    now: number,
    plan: Plan,
  ): number {
    const id = st.nextEventId++;
    plan.history.push(
      event(EventType.TaskScheduled, now, { EventId: id, Name: name, Input: input ?? undefined }),
    );
    plan.activities.push({ instanceId: inst.id, executionId: inst.executionId, taskId: id, name, input });
    return id;
  }

  private scheduleSubOrchestration(
    inst: Instance,
    st: EngineState,
    name: string,
    childId: string | undefined,
    input: string | null,
    now: number,
    plan: Plan,
  ): number {
    const id = st.nextEventId++;
    const instanceId = childId || `${inst.id}:${id}`;
    plan.history.push(
      event(EventType.SubOrchestrationInstanceCreated, now, {
        EventId: id,
        Name: name,
        InstanceId: instanceId,
        Input: input ?? undefined,
      }),
    );
    plan.children.push({
      instanceId,
      name,
      input,
      parent: { instanceId: inst.id, executionId: inst.executionId, taskId: id },
    });
    return id;
  }

  private scheduleTimer(inst: Instance, st: EngineState, fireAt: number, now: number, plan: Plan): number {
    const id = st.nextEventId++;
    plan.history.push(event(EventType.TimerCreated, now, { EventId: id, FireAt: iso(fireAt) }));
    plan.messages.push({
      target: inst.id,
      executionId: inst.executionId,
      visibleAt: fireAt,
      event: event(EventType.TimerFired, fireAt, { TimerId: id, FireAt: iso(fireAt) }),
    });
    return id;
  }

  /**
   * Retries as DurableTask.Core's RetryInterceptor does: after each failed attempt a durable timer of
   * firstRetryInterval × backoffCoefficient^(attempt-1) (capped at maxRetryInterval), then the next
   * attempt; after the last one, the timer too, then the task fails.
   */
  private scheduleRetry(
    inst: Instance,
    st: EngineState,
    e: HistoryEvent,
    now: number,
    plan: Plan,
  ): string | undefined {
    if (e.EventType === EventType.TimerFired) {
      const r = st.retries[String(e.TimerId)];
      delete st.retries[String(e.TimerId)];
      r.attempt++;
      const id =
        r.kind === 'activity'
          ? this.scheduleActivity(inst, st, r.name, r.input, now, plan)
          : this.scheduleSubOrchestration(inst, st, r.name, r.instanceId, r.input, now, plan);
      st.retries[String(id)] = r;
      return undefined;
    }
    const r = st.retries[String(e.TaskScheduledId)];
    delete st.retries[String(e.TaskScheduledId)];
    const o = r.options;
    if (
      o.retryTimeoutInMilliseconds &&
      o.retryTimeoutInMilliseconds > 0 &&
      now >= r.firstAttemptAt + o.retryTimeoutInMilliseconds
    ) {
      // The extension then throws in its own replay of the actions, which fails the orchestration
      // without the orchestrator code seeing the error (azure-functions-durable-js issue #629).
      return `${e.Reason ?? 'The task failed'} (retry timeout of ${o.retryTimeoutInMilliseconds} ms exceeded)`;
    }
    let delay = o.firstRetryIntervalInMilliseconds * (o.backoffCoefficient ?? 1) ** (r.attempt - 1);
    if (o.maxRetryIntervalInMilliseconds && o.maxRetryIntervalInMilliseconds > 0) {
      delay = Math.min(delay, o.maxRetryIntervalInMilliseconds);
    }
    const timerId = this.scheduleTimer(inst, st, now + delay, now, plan);
    st.retries[String(timerId)] = r;
    return undefined;
  }

  // ---- commits ----

  private deleteConsumed(id: number): void {
    if (id < 0) this.store.deleteActivity(-id);
    else this.store.deleteMessage(id);
  }

  private async commitConsumedOnly(inst: Instance, consumed: Set<number>): Promise<void> {
    await this.commit(() => consumed.forEach((id) => this.deleteConsumed(id)));
    inst.pending = inst.pending.filter((m) => !consumed.has(m.id));
  }

  private async commitTurn(
    inst: Instance,
    consumed: Set<number>,
    st: EngineState,
    plan: Plan,
    customStatusJson: string | null,
    now: number,
  ): Promise<void> {
    plan.history.push(event(EventType.OrchestratorCompleted, now));
    const historyJson = plan.history.map(stored);
    const turn = st.turns++;
    // Children are claimed in memory now (a second start of the id is refused), written with the turn.
    const children: Instance[] = [];
    for (const c of plan.children) {
      const existing = this.instances.get(c.instanceId) ?? this.store.getInstance(c.instanceId);
      if (existing && !TERMINAL.has(existing.status)) {
        plan.messages.push({
          target: inst.id,
          executionId: inst.executionId,
          visibleAt: now,
          event: event(EventType.SubOrchestrationInstanceFailed, now, {
            TaskScheduledId: c.parent.taskId,
            Reason: `An orchestration with the instance ID '${c.instanceId}' already exists.`,
            Details: '',
          }),
        });
        continue;
      }
      const child = this.newInstance(c.instanceId, c.name, c.input, c.parent, now);
      this.instances.set(child.id, child);
      children.push(child);
    }
    let starts: Message[] = [];
    let delivered: { inst: Instance; m: Message }[] = [];
    let work: WorkItem[] = [];
    await this.commit(() => {
      consumed.forEach((id) => this.deleteConsumed(id));
      this.store.appendHistory(inst.id, turn, historyJson);
      this.store.updateAfterTurn(inst.id, {
        status: 'Running',
        customStatus: customStatusJson,
        output: null,
        now,
        engine: JSON.stringify(st),
        executionId: inst.executionId,
        input: inst.inputJson,
      });
      work = plan.activities.map((a) => ({
        ...a,
        id: this.store.insertActivity({
          instance_id: a.instanceId,
          execution_id: a.executionId,
          task_id: a.taskId,
          name: a.name,
          input: a.input,
        }),
      }));
      starts = children.map((child) => this.writeInstance(child));
      delivered = plan.messages.flatMap((m) => {
        const target = m.target === inst.id ? inst : this.instances.get(m.target);
        if (!target) return [];
        const id = this.store.insertMessage(m.target, m.executionId, m.visibleAt, JSON.stringify(m.event));
        return [
          { inst: target, m: { id, executionId: m.executionId, visibleAt: m.visibleAt, event: m.event } },
        ];
      });
    });
    inst.pending = inst.pending.filter((m) => !consumed.has(m.id));
    inst.history = inst.history ? `${inst.history},${historyJson.join(',')}` : historyJson.join(',');
    inst.state = st;
    inst.status = 'Running';
    inst.customStatusJson = customStatusJson;
    children.forEach((child, i) => this.accept(child, starts[i]));
    for (const d of delivered) this.accept(d.inst, d.m);
    this.dispatch(work);
  }

  private finish(
    inst: Instance,
    plan: Plan,
    status: 'Completed' | 'Failed',
    outputJson: string,
    customStatusJson: string | null,
    now: number,
    failureReason?: string,
  ): Promise<void> {
    // A finished orchestration schedules nothing more, whatever else the turn produced.
    const unscheduled = new Set<number>([
      EventType.TaskScheduled,
      EventType.TimerCreated,
      EventType.SubOrchestrationInstanceCreated,
    ]);
    const history = [
      ...plan.history.filter((e) => !unscheduled.has(e.EventType)),
      event(EventType.OrchestratorCompleted, now),
      event(EventType.ExecutionCompleted, now, { OrchestrationStatus: status, Result: outputJson }),
    ];
    const parentEvent = inst.parent
      ? status === 'Completed'
        ? event(EventType.SubOrchestrationInstanceCompleted, now, {
            TaskScheduledId: inst.parent.taskId,
            Result: outputJson,
          })
        : event(EventType.SubOrchestrationInstanceFailed, now, {
            TaskScheduledId: inst.parent.taskId,
            Reason: failureReason ?? 'The sub-orchestration failed.',
            Details: failureReason ?? '',
          })
      : undefined;
    return this.commitFinal(inst, history, status, outputJson, customStatusJson, now, parentEvent);
  }

  private finishTerminated(inst: Instance, reason: string, now: number): Promise<void> {
    const history = [
      event(EventType.OrchestratorStarted, now),
      event(EventType.ExecutionTerminated, now, { Input: reason }),
      event(EventType.OrchestratorCompleted, now),
    ];
    const parentEvent = inst.parent
      ? event(EventType.SubOrchestrationInstanceFailed, now, {
          TaskScheduledId: inst.parent.taskId,
          Reason: `The sub-orchestration '${inst.id}' was terminated: ${reason}`,
          Details: '',
        })
      : undefined;
    return this.commitFinal(
      inst,
      history,
      'Terminated',
      JSON.stringify(reason),
      inst.customStatusJson,
      now,
      parentEvent,
    );
  }

  private async commitFinal(
    inst: Instance,
    history: HistoryEvent[],
    status: 'Completed' | 'Failed' | 'Terminated',
    outputJson: string,
    customStatusJson: string | null,
    now: number,
    parentEvent: HistoryEvent | undefined,
  ): Promise<void> {
    const parent = inst.parent && this.instances.get(inst.parent.instanceId);
    const notify = parent && parent.executionId === inst.parent!.executionId ? parent : undefined;
    const historyJson = history.map(stored);
    let parentMessage: Message | undefined;
    await this.commit(() => {
      // Whatever else was queued for this instance (later events, its pending timers) is moot now.
      this.store.deleteMessages(inst.id);
      this.store.deleteActivities(inst.id);
      this.store.appendHistory(inst.id, inst.state.turns, historyJson);
      this.store.updateAfterTurn(inst.id, {
        status,
        customStatus: customStatusJson,
        output: outputJson,
        now,
        engine: JSON.stringify({ ...inst.state, turns: inst.state.turns + 1 }),
        executionId: inst.executionId,
        input: inst.inputJson,
      });
      if (notify && parentEvent) {
        const id = this.store.insertMessage(notify.id, notify.executionId, now, JSON.stringify(parentEvent));
        parentMessage = { id, executionId: notify.executionId, visibleAt: now, event: parentEvent };
      }
    });
    this.cancelTimers(inst);
    this.instances.delete(inst.id);
    inst.pending = [];
    if (notify && parentMessage) this.accept(notify, parentMessage);
    const wake = this.waiters.get(inst.id);
    if (wake) for (const w of [...wake]) w();
  }

  /** Ends this execution and starts the next with a fresh history, same instance id. */
  private async continueAsNew(
    inst: Instance,
    consumed: Set<number>,
    inputJson: string | null,
    customStatusJson: string | null,
    now: number,
  ): Promise<void> {
    const executionId = randomUUID();
    const start = event(EventType.ExecutionStarted, now, {
      Name: inst.name,
      Input: inputJson ?? undefined,
      Version: '',
    });
    const state = freshState();
    // Replies to the old execution's work and its timers are dropped; external events that arrived
    // after this turn began carry over (events already in the old history do not:
    // preserveUnprocessedEvents is false for out-of-process orchestrators).
    const carried = inst.pending.filter((m) => !consumed.has(m.id) && m.executionId === null);
    const stale = inst.pending.filter((m) => !consumed.has(m.id) && m.executionId !== null);
    let startId = 0;
    await this.commit(() => {
      consumed.forEach((id) => this.deleteConsumed(id));
      stale.forEach((m) => this.deleteConsumed(m.id));
      this.store.clearHistory(inst.id);
      this.store.updateAfterTurn(inst.id, {
        status: 'Running',
        customStatus: customStatusJson,
        output: null,
        now,
        engine: JSON.stringify(state),
        executionId,
        input: inputJson,
      });
      startId = this.store.insertMessage(inst.id, executionId, now, JSON.stringify(start));
    });
    this.cancelTimers(inst);
    inst.executionId = executionId;
    inst.inputJson = inputJson;
    inst.history = '';
    inst.state = state;
    inst.customStatusJson = customStatusJson;
    // Events that arrived while the commit was pending are in `pending` too, and carry over.
    const late = inst.pending.filter(
      (m) => !consumed.has(m.id) && !stale.includes(m) && !carried.includes(m),
    );
    inst.pending = [{ id: startId, executionId, visibleAt: now, event: start }, ...carried, ...late];
  }

  // ---- activities ----

  private dispatch(work: WorkItem[]): void {
    this.activityQueue.push(...work);
    this.pumpActivities();
  }

  private pumpActivities(): void {
    while (
      !this.stopped &&
      this.runningActivities < this.o.maxConcurrentActivities &&
      this.activityQueue.length
    ) {
      const w = this.activityQueue.shift()!;
      this.runningActivities++;
      void this.runActivity(w)
        .catch((err: unknown) =>
          this.o.log.error(`Durable activity ${w.name} (instance ${w.instanceId}) could not complete`, err),
        )
        .finally(() => {
          this.runningActivities--;
          this.pumpActivities();
        });
    }
  }

  private async runActivity(w: WorkItem): Promise<void> {
    const now = (): number => this.o.clock.now();
    let outcome: HistoryEvent;
    const name = this.activityNames.get(w.name.toLowerCase());
    if (!name) {
      const message = `The function '${w.name}' doesn't exist, is disabled, or is not an activity function.`;
      outcome = event(EventType.TaskFailed, now(), {
        TaskScheduledId: w.taskId,
        Reason: `Activity function '${w.name}' failed: ${message}`,
        Details: JSON.stringify({ Message: message }),
      });
    } else {
      try {
        // The input is JSON text; as a string trigger the worker parses it back, like the extension's.
        const r = await this.o.worker.invoke(name, {
          trigger: w.input === null ? undefined : { string: w.input },
          triggerIsTypedData: w.input !== null,
        });
        outcome = event(EventType.TaskCompleted, now(), {
          TaskScheduledId: w.taskId,
          Result: resultJson(r.returnData),
        });
      } catch (err) {
        outcome = activityFailure(w, err, now());
        this.o.log.warn(`Durable activity ${w.name} (instance ${w.instanceId}) failed: ${errorMessage(err)}`);
      }
    }
    if (this.stopped) return; // not recorded: the work item runs again after a restart (at least once)
    const inst = this.instances.get(w.instanceId);
    if (inst && inst.executionId === w.executionId) {
      this.accept(inst, { id: -w.id, executionId: w.executionId, visibleAt: now(), event: outcome });
    } else {
      // The execution it worked for has ended: only the work item goes.
      await this.commit(() => this.store.deleteActivity(w.id));
    }
  }
}

function asResult(value: unknown): OrchestratorResult | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const r = value as OrchestratorResult;
  return Array.isArray(r.actions) ? r : undefined;
}

/**
 * The library throws OrchestrationFailureError when the orchestrator throws: the message is the
 * error's, then `$OutOfProcData$:` and the orchestration state (its actions and custom status).
 */
function fromOrchestratorError(err: unknown): { result: OrchestratorResult | undefined; failure: string } {
  const message = errorMessage(err);
  const at = message.indexOf(OUT_OF_PROC_DATA);
  if (at < 0) return { result: undefined, failure: message };
  try {
    const result = JSON.parse(message.slice(at + OUT_OF_PROC_DATA.length)) as OrchestratorResult;
    return { result, failure: result.error ?? message.slice(0, at) };
  } catch {
    return { result: undefined, failure: message.slice(0, at) };
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * TaskFailed as the extension records a failed out-of-process activity: Reason "Activity function
 * 'X' failed: <the worker's RpcException message>", Details the serialised exception. The library
 * hands the orchestrator `new Error(`${Reason} \n ${Details}`)`.
 */
function activityFailure(w: WorkItem, err: unknown, now: number): HistoryEvent {
  const message = errorMessage(err);
  const stack = err instanceof Error ? (err.stack ?? '') : '';
  const rpcMessage = `Result: Failure\nException: ${message}\nStack: ${stack}`;
  return event(EventType.TaskFailed, now, {
    TaskScheduledId: w.taskId,
    Reason: `Activity function '${w.name}' failed: ${rpcMessage}`,
    Details: JSON.stringify({
      $type: 'Microsoft.Azure.WebJobs.Script.Workers.Rpc.RpcException, Microsoft.Azure.WebJobs.Script',
      ClassName: 'Microsoft.Azure.WebJobs.Script.Workers.Rpc.RpcException',
      Message: rpcMessage,
      RemoteStackTraceString: stack,
    }),
  });
}

/** An action as replay must reproduce it: its kind and target (a timer's time may differ). */
function signature(a: Action): string {
  return `${actionName(a.actionType)} ${a.functionName ?? a.externalEventName ?? ''}`.trim();
}

/**
 * Replay must ask for the actions it asked for before, in the same order; DurableTask.Core fails
 * the orchestration when it does not ("Non-Deterministic workflow detected").
 */
function nonDeterminism(executed: string[], replayed: Action[]): string | undefined {
  const n = Math.min(executed.length, replayed.length);
  for (let i = 0; i < n; i++) {
    const now = signature(replayed[i]);
    if (now !== executed[i]) {
      return `Non-Deterministic workflow detected: action ${i} was ${executed[i]} and is now ${now}.`;
    }
  }
  return undefined;
}

function actionName(type: number): string {
  return Object.entries(ActionType).find(([, n]) => n === type)?.[0] ?? `Action type ${type}`;
}

/**
 * An activity's return value as the extension records it: JSON text of what the worker sent, where
 * a string result stays a string (`"42"`, not `42`).
 */
function resultJson(data: TypedData | undefined): string {
  if (!data) return 'null';
  if (data.string !== undefined) return JSON.stringify(data.string);
  if (data.json !== undefined) return data.json;
  if (data.int !== undefined) return JSON.stringify(data.int);
  if (data.double !== undefined) return JSON.stringify(data.double);
  return JSON.stringify(fromTypedData(data) ?? null);
}
