// Drives an app's orchestrator with the real `durable-functions` replay over a scripted history, as
// durable-js tests itself: no host, no store, a few milliseconds per run. The orchestrator is
// registered through the same seam the local host uses (`@azure/functions-core`), and invoked with
// the trigger object the Durable extension sends, as local/durable/replay.ts builds it; the event
// and action shapes are local/durable/history.ts's.
import type { InvocationContext } from '@azure/functions';
import { installCoreApi } from '../../local/host/core-api';
import {
  ActionType,
  EventType,
  flattenActions,
  historyEvent,
  type Action,
  type HistoryEvent,
} from '../../local/durable/history';

/** What the orchestrator answered for a history: done or not, its output, every action it took, what it logged. */
export interface Turn {
  isDone: boolean;
  output: unknown;
  actions: Action[];
  /** The messages it wrote with context.log (and its other levels) in this run. */
  logs: string[];
}

/** How one activity call ends in the script. */
export type Ending = { result: unknown } | { fails: string };

// Replay schema V3: the actions come as one cumulative list.
const UPPER_SCHEMA_VERSION = 2;

/**
 * A history written turn by turn. Sequence numbers are given out as the library does: one per
 * activity call, retry timer, re-attempt and durable timer, in order.
 */
export class ScriptedHistory {
  readonly events: HistoryEvent[] = [];
  private nextId = 0;
  private at: number;

  constructor(
    readonly input: unknown,
    start = Date.UTC(2030, 0, 1, 9, 0, 0),
  ) {
    this.at = start;
    this.turn();
    this.push(EventType.ExecutionStarted, { Input: JSON.stringify(input) });
  }

  /** The time the next turn starts at (the orchestrator's currentUtcDateTime after the last event). */
  get now(): Date {
    return new Date(this.at);
  }

  /** An activity called and ended; a failure is its last attempt failing after `attempts` tries. */
  activity(name: string, ending: Ending, attempts = 1): this {
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const id = this.nextId++;
      this.push(EventType.TaskScheduled, { EventId: id, Name: name });
      this.turn();
      if ('result' in ending && attempt === attempts) {
        this.push(EventType.TaskCompleted, { TaskScheduledId: id, Result: JSON.stringify(ending.result) });
        return this;
      }
      const reason = 'fails' in ending ? ending.fails : 'transient fault';
      this.push(EventType.TaskFailed, { TaskScheduledId: id, Reason: reason, Details: reason });
      // The retry policy's timer: the library waits for it after every failed attempt, the last too.
      this.timer(new Date(this.at + 1_000));
    }
    return this;
  }

  /** A durable timer created and fired. */
  timer(fireAt: Date): this {
    const id = this.nextId++;
    this.push(EventType.TimerCreated, { EventId: id, FireAt: fireAt.toISOString() });
    this.at = Math.max(this.at, fireAt.getTime());
    this.turn();
    this.push(EventType.TimerFired, { TimerId: id, FireAt: fireAt.toISOString() });
    return this;
  }

  private turn(): void {
    this.at += 1_000;
    this.push(EventType.OrchestratorStarted);
  }

  private push(type: number, fields: Partial<HistoryEvent> = {}): void {
    this.events.push(historyEvent(type, this.at, fields));
  }
}

type Handler = (trigger: unknown, context: InvocationContext) => Promise<unknown>;

/**
 * Loads the function file that registers `name` and returns a runner: each run replays the whole
 * history through the library and answers what the orchestrator did.
 */
export async function loadOrchestrator(
  file: string,
  name: string,
): Promise<(history: ScriptedHistory) => Promise<Turn>> {
  const core = installCoreApi();
  await import(file);
  const df = await import('durable-functions');
  const registration = core.registrations.get(name.toLowerCase());
  if (!registration) throw new Error(`${file} registered no orchestrator named ${name}`);
  const handler = registration.callback as Handler;
  return async (history) => {
    const trigger = {
      history: history.events,
      input: history.input,
      instanceId: 'scripted',
      isReplaying: false,
      parentInstanceId: null,
      upperSchemaVersion: UPPER_SCHEMA_VERSION,
      maximumShortTimerDuration: '36500.00:00:00',
      longRunningTimerIntervalDuration: '3.00:00:00',
      defaultHttpAsyncRequestSleepTimeMillseconds: 30000,
    };
    const logs: string[] = [];
    const context = new df.DummyOrchestrationContext(name, undefined, (_level, ...args) =>
      logs.push(args.map(String).join(' ')),
    );
    const state = (await handler(trigger, context)) as {
      isDone: boolean;
      output: unknown;
      actions: unknown[];
    };
    return { isDone: state.isDone, output: state.output, actions: flattenActions(state.actions), logs };
  };
}

/** An action in words: `call rental-saga-debit-points` or `timer 2030-01-01T09:00:10.000Z`. */
export function describeAction(action: Action): string {
  if (action.actionType === ActionType.CreateTimer) return `timer ${new Date(action.fireAt!).toISOString()}`;
  return `call ${action.functionName}`;
}
