// One orchestrator turn, decided: which waiting messages it takes, the replay of the orchestrator
// over them, and what that comes to — a TurnResult, which the engine then commits. Nothing here
// writes or changes the instance.
import { randomUUID } from 'node:crypto';
import { ActionType, EventType, flattenActions, historyEvent, type HistoryEvent } from './history';
import { startEvent, type Instance } from './instance';
import { encodedInput, nonDeterminism, signature, type ReplayOutcome } from './replay';
import { cloneState, orderTurnEvents, TurnScheduler, type EngineState, type TurnPlan } from './scheduling';

export type FinalStatus = 'Completed' | 'Failed' | 'Terminated';

/** The execution goes on: the turn's history, its new engine state and the work it scheduled. */
export interface RunningTurn {
  kind: 'running';
  /** Ids of the messages the turn took (see Message.id). */
  consumed: Set<number>;
  now: number;
  state: EngineState;
  plan: TurnPlan;
  customStatusJson: string | null;
}

/** The execution ended; whatever else waits for it is moot. */
export interface EndedTurn {
  kind: 'ended';
  now: number;
  status: FinalStatus;
  /** The turn's history, closed by OrchestratorCompleted and (unless terminated) ExecutionCompleted. */
  history: HistoryEvent[];
  outputJson: string;
  customStatusJson: string | null;
  /** What the parent orchestration is told, for a sub-orchestration. */
  parentEvent: HistoryEvent | undefined;
  /** Why it failed, for the log. */
  failure?: string;
}

/** The execution ends and the next begins with a fresh history, same instance id. */
export interface ContinuedAsNewTurn {
  kind: 'continuedAsNew';
  consumed: Set<number>;
  now: number;
  executionId: string;
  inputJson: string | null;
  start: HistoryEvent;
  customStatusJson: string | null;
}

/** Only replies to an execution that has ended: they go, nothing runs. */
export interface StaleTurn {
  kind: 'stale';
  consumed: Set<number>;
}

export type TurnResult = RunningTurn | EndedTurn | ContinuedAsNewTurn | StaleTurn;

/**
 * Plays the instance's next turn at `now`; undefined when no message is due. `replay` runs the
 * orchestrator over the turn's new events (undefined: no such orchestrator is registered).
 */
export async function playTurn(turn: {
  instance: Instance;
  now: number;
  replay: ((newEvents: HistoryEvent[]) => Promise<ReplayOutcome>) | undefined;
}): Promise<TurnResult | undefined> {
  const { instance, now } = turn;
  const ready = instance.pending.filter((m) => m.visibleAt <= now);
  if (!ready.length) return undefined;
  const consumed = new Set(ready.map((m) => m.id));
  const current = ready.filter((m) => m.executionId === null || m.executionId === instance.executionId);
  const terminate = current.find((m) => m.event.EventType === EventType.ExecutionTerminated);
  if (terminate) return terminated(instance, terminate.event.Input ?? '', now);
  if (!current.length) return { kind: 'stale', consumed };

  const state = cloneState(instance.state);
  const { resuming, allocating } = orderTurnEvents(
    state,
    current.map((m) => m.event),
  );
  const history = [historyEvent(EventType.OrchestratorStarted, now), ...resuming, ...allocating];
  const { result, failure: replayFailure } = turn.replay
    ? await turn.replay(history)
    : {
        result: undefined,
        failure: `The function '${instance.name}' doesn't exist, is disabled, or is not an orchestrator function.`,
      };

  const actions = result ? flattenActions(result.actions) : [];
  let failure = replayFailure ?? nonDeterminism(state.actions, actions);
  const fresh = actions.slice(state.actions.length);
  state.actions.push(...fresh.map(signature));
  const customStatusJson =
    result?.customStatus !== undefined
      ? (JSON.stringify(result.customStatus) ?? null)
      : instance.customStatusJson;
  const common = { now, customStatusJson };

  if (!failure && result?.isDone) {
    const next = fresh.find((a) => a.actionType === ActionType.ContinueAsNew);
    if (next) {
      const inputJson = encodedInput(next.input);
      const start = startEvent(instance, inputJson, now);
      return { kind: 'continuedAsNew', consumed, executionId: randomUUID(), inputJson, start, ...common };
    }
    return ended(instance, {
      status: 'Completed',
      history,
      outputJson: JSON.stringify(result.output ?? null),
      ...common,
    });
  }
  const execution = { instanceId: instance.id, executionId: instance.executionId };
  const scheduler = new TurnScheduler({ execution, state, now, history });
  failure ??=
    firstFailure(fresh, (a) => scheduler.schedule(a)) ?? firstFailure(allocating, (e) => scheduler.retry(e));
  if (failure) {
    const reason = `Orchestrator function '${instance.name}' failed: ${failure}`;
    return ended(instance, {
      status: 'Failed',
      history,
      outputJson: JSON.stringify(reason),
      failure: reason,
      ...common,
    });
  }
  return { kind: 'running', consumed, state, plan: scheduler.plan, ...common };
}

function firstFailure<T>(items: T[], run: (item: T) => string | undefined): string | undefined {
  for (const item of items) {
    const failure = run(item);
    if (failure) return failure;
  }
  return undefined;
}

/** A finished orchestration schedules nothing more, whatever else the turn produced. */
const UNSCHEDULED = new Set<number>([
  EventType.TaskScheduled,
  EventType.TimerCreated,
  EventType.SubOrchestrationInstanceCreated,
]);

function ended(
  instance: Instance,
  turn: Omit<EndedTurn, 'kind' | 'parentEvent'> & { status: 'Completed' | 'Failed' },
): EndedTurn {
  const { now, status, outputJson, failure } = turn;
  const history = [
    ...turn.history.filter((e) => !UNSCHEDULED.has(e.EventType)),
    historyEvent(EventType.OrchestratorCompleted, now),
    historyEvent(EventType.ExecutionCompleted, now, { OrchestrationStatus: status, Result: outputJson }),
  ];
  const parent = instance.parent;
  const parentEvent = !parent
    ? undefined
    : status === 'Completed'
      ? historyEvent(EventType.SubOrchestrationInstanceCompleted, now, {
          TaskScheduledId: parent.taskId,
          Result: outputJson,
        })
      : historyEvent(EventType.SubOrchestrationInstanceFailed, now, {
          TaskScheduledId: parent.taskId,
          Reason: failure ?? 'The sub-orchestration failed.',
          Details: failure ?? '',
        });
  return { ...turn, kind: 'ended', history, parentEvent };
}

function terminated(instance: Instance, reason: string, now: number): EndedTurn {
  return {
    kind: 'ended',
    now,
    status: 'Terminated',
    history: [
      historyEvent(EventType.OrchestratorStarted, now),
      historyEvent(EventType.ExecutionTerminated, now, { Input: reason }),
      historyEvent(EventType.OrchestratorCompleted, now),
    ],
    outputJson: JSON.stringify(reason),
    customStatusJson: instance.customStatusJson,
    parentEvent: instance.parent
      ? historyEvent(EventType.SubOrchestrationInstanceFailed, now, {
          TaskScheduledId: instance.parent.taskId,
          Reason: `The sub-orchestration '${instance.id}' was terminated: ${reason}`,
          Details: '',
        })
      : undefined,
  };
}
