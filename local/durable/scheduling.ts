// Action scheduling and retries: what one orchestrator turn's new actions become — history events
// with the sequence numbers the library expects, activity work items, durable timers, child
// instances — and the host-side retries of CallActivityWithRetry / CallSubOrchestratorWithRetry,
// as the Durable extension runs them. Pure: the turn's commit writes the plan.
import {
  ActionType,
  EventType,
  historyEvent,
  type Action,
  type HistoryEvent,
  type RetryOptionsDto,
} from './history';
import { actionName, encodedInput } from './replay';

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
export interface EngineState {
  nextEventId: number;
  /** What each executed action (of the flattened cumulative list) was, in order: replay must repeat it. */
  actions: string[];
  turns: number;
  /** Retryable tasks by the id of the task or retry timer they wait on. */
  retries: Record<string, RetryState>;
}

export const freshState = (): EngineState => ({ nextEventId: 0, actions: [], turns: 0, retries: {} });

export const cloneState = (state: EngineState): EngineState => ({
  ...state,
  actions: [...state.actions],
  retries: Object.fromEntries(Object.entries(state.retries).map(([id, retry]) => [id, { ...retry }])),
});

/** The execution a turn schedules work for. */
export interface ExecutionRef {
  instanceId: string;
  executionId: string;
}

export interface NewWorkItem extends ExecutionRef {
  taskId: number;
  name: string;
  /** JSON text. */
  input: string | null;
}

/** A message the instance sends itself (a durable timer, a refused child), due at `visibleAt`. */
export interface NewMessage {
  visibleAt: number;
  event: HistoryEvent;
}

export interface ChildStart {
  instanceId: string;
  name: string;
  input: string | null;
  parent: ExecutionRef & { taskId: number };
}

/** Everything one turn writes besides the instance's own row. */
export interface TurnPlan {
  history: HistoryEvent[];
  activities: NewWorkItem[];
  messages: NewMessage[];
  children: ChildStart[];
}

/**
 * Orders a turn's new events: those that make the library take a sequence number without returning
 * an action (the retry timer after a failed attempt, the next attempt after that timer) go last,
 * after every event that can resume user code. Then the library numbers the new actions first, and
 * the retry work gets the numbers that follow. Drops the retries that a result or a last timer ended.
 */
export function orderTurnEvents(
  state: EngineState,
  events: HistoryEvent[],
): { resuming: HistoryEvent[]; allocating: HistoryEvent[] } {
  const resuming: HistoryEvent[] = [];
  const allocating: HistoryEvent[] = [];
  for (const e of events) (takesSequenceNumber(state, e) ? allocating : resuming).push(e);
  return { resuming, allocating };
}

function takesSequenceNumber(state: EngineState, e: HistoryEvent): boolean {
  switch (e.EventType) {
    case EventType.TaskFailed:
    case EventType.SubOrchestrationInstanceFailed:
      return state.retries[String(e.TaskScheduledId)] !== undefined;
    case EventType.TaskCompleted:
    case EventType.SubOrchestrationInstanceCompleted:
      delete state.retries[String(e.TaskScheduledId)];
      return false;
    case EventType.TimerFired: {
      const retry = state.retries[String(e.TimerId)];
      if (!retry) return false;
      // After the last attempt the library still waits for one retry timer, then fails the task.
      if (retry.attempt < retry.options.maxNumberOfAttempts) return true;
      delete state.retries[String(e.TimerId)];
      return false;
    }
    default:
      return false;
  }
}

/** Turns one turn's new actions and retry events into a plan, numbering them as replay will. */
export class TurnScheduler {
  readonly plan: TurnPlan;

  constructor(
    private readonly turn: {
      execution: ExecutionRef;
      state: EngineState;
      now: number;
      history: HistoryEvent[];
    },
  ) {
    this.plan = { history: turn.history, activities: [], messages: [], children: [] };
  }

  /** Schedules one new action; returns a failure message when the action cannot run here. */
  schedule(action: Action): string | undefined {
    const name = action.functionName ?? '';
    switch (action.actionType) {
      case ActionType.CallActivity:
      case ActionType.CallActivityWithRetry: {
        const input = encodedInput(action.input);
        const taskId = this.activity(name, input);
        if (action.actionType === ActionType.CallActivityWithRetry && action.retryOptions) {
          this.retries[String(taskId)] = this.firstAttempt(
            { kind: 'activity', name, input },
            action.retryOptions,
          );
        }
        return undefined;
      }
      case ActionType.CallSubOrchestrator:
      case ActionType.CallSubOrchestratorWithRetry: {
        const input = action.input === undefined ? null : (JSON.stringify(action.input) ?? null);
        const child = { kind: 'orchestration' as const, name, input, instanceId: action.instanceId };
        const taskId = this.subOrchestration(child);
        if (action.actionType === ActionType.CallSubOrchestratorWithRetry && action.retryOptions) {
          this.retries[String(taskId)] = this.firstAttempt(child, action.retryOptions);
        }
        return undefined;
      }
      case ActionType.CreateTimer: {
        const fireAt = Date.parse(action.fireAt ?? '');
        if (Number.isNaN(fireAt)) return `A durable timer has no valid fireAt (${String(action.fireAt)}).`;
        this.timer(fireAt);
        return undefined;
      }
      case ActionType.WaitForExternalEvent:
      case ActionType.ContinueAsNew:
        return undefined;
      default:
        return (
          `${actionName(action.actionType)} is not supported by the local host's durable engine ` +
          `(durable entities and callHttp are not implemented).`
        );
    }
  }

  /**
   * Retries as DurableTask.Core's RetryInterceptor does: after each failed attempt a durable timer of
   * firstRetryInterval × backoffCoefficient^(attempt-1) (capped at maxRetryInterval), then the next
   * attempt; after the last one, the timer too, then the task fails. `event` is an allocating event
   * (see orderTurnEvents); returns a failure message when the retry timeout has passed.
   */
  retry(event: HistoryEvent): string | undefined {
    const now = this.turn.now;
    if (event.EventType === EventType.TimerFired) {
      const retry = this.take(event.TimerId);
      retry.attempt++;
      const taskId =
        retry.kind === 'activity' ? this.activity(retry.name, retry.input) : this.subOrchestration(retry);
      this.retries[String(taskId)] = retry;
      return undefined;
    }
    const retry = this.take(event.TaskScheduledId);
    const options = retry.options;
    const timeout = options.retryTimeoutInMilliseconds;
    if (timeout && timeout > 0 && now >= retry.firstAttemptAt + timeout) {
      // The extension then throws in its own replay of the actions, which fails the orchestration
      // without the orchestrator code seeing the error (azure-functions-durable-js issue #629).
      return `${event.Reason ?? 'The task failed'} (retry timeout of ${timeout} ms exceeded)`;
    }
    let delay =
      options.firstRetryIntervalInMilliseconds * (options.backoffCoefficient ?? 1) ** (retry.attempt - 1);
    if (options.maxRetryIntervalInMilliseconds && options.maxRetryIntervalInMilliseconds > 0) {
      delay = Math.min(delay, options.maxRetryIntervalInMilliseconds);
    }
    this.retries[String(this.timer(now + delay))] = retry;
    return undefined;
  }

  private get retries(): EngineState['retries'] {
    return this.turn.state.retries;
  }

  private take(id: number | undefined): RetryState {
    const retry = this.retries[String(id)];
    delete this.retries[String(id)];
    return retry;
  }

  private firstAttempt(
    task: Pick<RetryState, 'kind' | 'name' | 'input' | 'instanceId'>,
    options: RetryOptionsDto,
  ): RetryState {
    return { ...task, options, attempt: 1, firstAttemptAt: this.turn.now };
  }

  private nextEventId(): number {
    return this.turn.state.nextEventId++;
  }

  private activity(name: string, input: string | null): number {
    const taskId = this.nextEventId();
    this.plan.history.push(
      historyEvent(EventType.TaskScheduled, this.turn.now, {
        EventId: taskId,
        Name: name,
        Input: input ?? undefined,
      }),
    );
    this.plan.activities.push({ ...this.turn.execution, taskId, name, input });
    return taskId;
  }

  private subOrchestration(child: { name: string; input: string | null; instanceId?: string }): number {
    const { execution, now } = this.turn;
    const taskId = this.nextEventId();
    const instanceId = child.instanceId || `${execution.instanceId}:${taskId}`;
    this.plan.history.push(
      historyEvent(EventType.SubOrchestrationInstanceCreated, now, {
        EventId: taskId,
        Name: child.name,
        InstanceId: instanceId,
        Input: child.input ?? undefined,
      }),
    );
    this.plan.children.push({
      instanceId,
      name: child.name,
      input: child.input,
      parent: { ...execution, taskId },
    });
    return taskId;
  }

  private timer(fireAt: number): number {
    const timerId = this.nextEventId();
    const at = new Date(fireAt).toISOString();
    this.plan.history.push(
      historyEvent(EventType.TimerCreated, this.turn.now, { EventId: timerId, FireAt: at }),
    );
    this.plan.messages.push({
      visibleAt: fireAt,
      event: historyEvent(EventType.TimerFired, fireAt, { TimerId: timerId, FireAt: at }),
    });
    return timerId;
  }
}
