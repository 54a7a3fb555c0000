// The replay protocol with the `durable-functions` library: the trigger an orchestrator turn gets
// (the instance's history with this turn's new events last), the orchestration state it returns or
// throws, the encoding of inputs, and the check that replay asks for the actions it asked for before.
import type { Worker } from '../host/types';
import { ActionType, type Action, type HistoryEvent, type OrchestratorResult } from './history';

// The durable-functions library splits timers longer than maximumShortTimerDuration into a chain
// of shorter ones (an Azure Storage queue limit). This store has no such limit, like the MSSQL and
// Netherite backends: one durable timer whatever its length.
const MAX_SHORT_TIMER = '36500.00:00:00';
const LONG_TIMER_INTERVAL = '3.00:00:00';
// Replay schema V3 (`upperSchemaVersion` 2): actions come as one cumulative list; V4 adds only
// entity locks, which this engine does not serve.
const UPPER_SCHEMA_VERSION = 2;
const OUT_OF_PROC_DATA = '\n\n$OutOfProcData$:';

/** The instance as replay sees it. */
export interface ReplayedInstance {
  id: string;
  name: string;
  inputJson: string | null;
  parentInstanceId: string | undefined;
  /** The stored history of the current execution, JSON texts joined by commas ('' for none). */
  history: string;
}

/** What a turn's replay returned: the orchestration state, a failure, or both (a throwing orchestrator). */
export interface ReplayOutcome {
  result?: OrchestratorResult;
  failure?: string;
}

/** Runs the orchestrator function over its history plus `newEvents` through the worker. */
export async function replay(
  worker: Worker,
  instance: ReplayedInstance,
  newEvents: HistoryEvent[],
): Promise<ReplayOutcome> {
  try {
    const invoked = await worker.invoke(instance.name, {
      trigger: { json: triggerJson(instance, newEvents) },
      triggerIsTypedData: true,
    });
    const result = asResult(invoked.returnValue);
    return result ? { result } : { failure: 'The orchestrator function returned no orchestration state.' };
  } catch (err) {
    return fromOrchestratorError(err);
  }
}

/** The trigger as the extension sends it, built as text: the stored history is already JSON. */
function triggerJson(instance: ReplayedInstance, newEvents: HistoryEvent[]): string {
  const fresh = newEvents.map((e) => JSON.stringify(e)).join(',');
  const history = instance.history ? `${instance.history},${fresh}` : fresh;
  const parent = instance.parentInstanceId === undefined ? 'null' : JSON.stringify(instance.parentInstanceId);
  return (
    `{"history":[${history}],"input":${instance.inputJson ?? 'null'},"instanceId":${JSON.stringify(instance.id)},` +
    `"isReplaying":${instance.history !== ''},"parentInstanceId":${parent},` +
    `"upperSchemaVersion":${UPPER_SCHEMA_VERSION},"maximumShortTimerDuration":"${MAX_SHORT_TIMER}",` +
    `"longRunningTimerIntervalDuration":"${LONG_TIMER_INTERVAL}","defaultHttpAsyncRequestSleepTimeMillseconds":30000}`
  );
}

function asResult(value: unknown): OrchestratorResult | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const result = value as OrchestratorResult;
  return Array.isArray(result.actions) ? result : undefined;
}

/**
 * The library throws OrchestrationFailureError when the orchestrator throws: the message is the
 * error's, then `$OutOfProcData$:` and the orchestration state (its actions and custom status).
 */
function fromOrchestratorError(err: unknown): ReplayOutcome {
  const message = errorMessage(err);
  const at = message.indexOf(OUT_OF_PROC_DATA);
  if (at < 0) return { failure: message };
  try {
    const result = JSON.parse(message.slice(at + OUT_OF_PROC_DATA.length)) as OrchestratorResult;
    return { result, failure: result.error ?? message.slice(0, at) };
  } catch {
    return { failure: message.slice(0, at) };
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Activity and continue-as-new inputs: the library already JSON-encoded strings (`Utils.processInput`). */
export function encodedInput(input: unknown): string | null {
  if (input === undefined) return null;
  return typeof input === 'string' ? input : (JSON.stringify(input) ?? null);
}

/** An action as replay must reproduce it: its kind and target (a timer's time may differ). */
export function signature(action: Action): string {
  return `${actionName(action.actionType)} ${action.functionName ?? action.externalEventName ?? ''}`.trim();
}

/**
 * Replay must ask for the actions it asked for before, in the same order; DurableTask.Core fails
 * the orchestration when it does not ("Non-Deterministic workflow detected").
 */
export function nonDeterminism(executed: string[], replayed: Action[]): string | undefined {
  const n = Math.min(executed.length, replayed.length);
  for (let i = 0; i < n; i++) {
    const now = signature(replayed[i]);
    if (now !== executed[i]) {
      return `Non-Deterministic workflow detected: action ${i} was ${executed[i]} and is now ${now}.`;
    }
  }
  return undefined;
}

export function actionName(type: number): string {
  return Object.entries(ActionType).find(([, n]) => n === type)?.[0] ?? `Action type ${type}`;
}
