// The durable engine on its own, with a scripted worker in place of the function app: the
// concurrency limits, one orchestrator turn at a time per instance, and what a turn commits.
import { afterEach, describe, expect, it } from 'vitest';
import { HostClock } from '../../local/host/clock';
import { openDatabase } from '../../local/host/db';
import { createLogger } from '../../local/host/logger';
import type { Database, InvokeOptions, InvokeResult, Worker } from '../../local/host/types';
import { DurableEngine } from '../../local/durable/engine';
import { ActionType, EventType, type HistoryEvent } from '../../local/durable/history';
import { holdLogLine, waitFor } from '../helpers/hosts';

interface Trigger {
  history: HistoryEvent[];
  input: unknown;
  instanceId: string;
}

/**
 * Orchestrator "fanOut": schedules `input` activities in its first turn and completes once all have.
 * Activity "work": takes 30 ms. Both count how many run at once.
 */
class ScriptedWorker implements Worker {
  readonly functions = new Map();
  activitiesNow = 0;
  activitiesMax = 0;
  turnsNow = new Map<string, number>();
  turnsMaxPerInstance = 0;
  turnsNowTotal = 0;
  turnsMaxTotal = 0;

  async invoke(name: string, options: InvokeOptions): Promise<InvokeResult> {
    if (name === 'work') {
      this.activitiesMax = Math.max(this.activitiesMax, ++this.activitiesNow);
      await new Promise((r) => setTimeout(r, 30));
      this.activitiesNow--;
      return { invocationId: '', returnValue: 'done', returnData: { string: 'done' }, outputs: {} };
    }
    const t = JSON.parse((options.trigger as { json: string }).json) as Trigger;
    const now = (this.turnsNow.get(t.instanceId) ?? 0) + 1;
    this.turnsNow.set(t.instanceId, now);
    this.turnsMaxPerInstance = Math.max(this.turnsMaxPerInstance, now);
    this.turnsMaxTotal = Math.max(this.turnsMaxTotal, ++this.turnsNowTotal);
    await new Promise((r) => setTimeout(r, 5));
    this.turnsNow.set(t.instanceId, now - 1);
    this.turnsNowTotal--;
    const n = t.input as number;
    const done = t.history.filter((e) => e.EventType === EventType.TaskCompleted).length;
    const actions = [
      Array.from({ length: n }, () => ({ actionType: ActionType.CallActivity, functionName: 'work' })),
    ];
    return {
      invocationId: '',
      returnValue: { isDone: done === n, actions, output: done, schemaVersion: 2 },
      returnData: undefined,
      outputs: {},
    };
  }
}

let db: Database | undefined;
let engine: DurableEngine | undefined;
afterEach(async () => {
  await engine?.stop();
  db?.close();
});

function setUp(limits: { activities: number; orchestrations: number }): {
  worker: ScriptedWorker;
  engine: DurableEngine;
} {
  db = openDatabase(':memory:');
  const worker = new ScriptedWorker();
  engine = new DurableEngine({
    db,
    clock: new HostClock(true),
    worker,
    log: createLogger('error', holdLogLine),
    hub: 'UnitHub',
    maxConcurrentActivities: limits.activities,
    maxConcurrentOrchestrations: limits.orchestrations,
  });
  engine.registerOrchestrator('fanOut');
  engine.registerActivity('work');
  engine.start();
  return { worker, engine };
}

const completed = (e: DurableEngine, id: string) => () => e.status(id)?.runtimeStatus === 'Completed';

describe('the durable engine', () => {
  it('runs no more activities at once than maxConcurrentActivityFunctions', async () => {
    const { worker, engine: e } = setUp({ activities: 3, orchestrations: 64 });
    await e.startNew('fanOut', 'a', '12');
    await waitFor(completed(e, 'a'), 10_000, 'the fan-out');
    expect(e.status('a')?.output).toBe(12);
    expect(worker.activitiesMax).toBe(3);
  });

  it('runs one turn at a time per instance, different instances side by side, within the limit', async () => {
    const { worker, engine: e } = setUp({ activities: 64, orchestrations: 2 });
    const ids = ['p', 'q', 'r', 's'];
    for (const id of ids) await e.startNew('fanOut', id, '8');
    for (const id of ids) await waitFor(completed(e, id), 10_000, `instance ${id}`);
    expect(worker.turnsMaxPerInstance).toBe(1);
    expect(worker.turnsMaxTotal).toBe(2);
  });

  it('commits each turn with the work it scheduled, so the data file holds history and outbox together', async () => {
    const { engine: e } = setUp({ activities: 1, orchestrations: 1 });
    await e.startNew('fanOut', 'x', '2');
    await waitFor(() => e.store.activities().length > 0, 10_000, 'the first turn');
    const history = e.store.history('x').map((j) => JSON.parse(j) as HistoryEvent);
    const scheduled = history.filter((h) => h.EventType === EventType.TaskScheduled).map((h) => h.EventId);
    // Both activities are in the outbox (or one already done), with the ids the history gave them.
    const outbox = e.store.activities().map((a) => a.task_id);
    expect(scheduled).toEqual([0, 1]);
    expect(outbox.every((id) => scheduled.includes(id))).toBe(true);
    await waitFor(completed(e, 'x'), 10_000, 'the instance');
    expect(e.store.activities()).toEqual([]);
  });
});
