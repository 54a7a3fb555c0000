// The activity dispatcher: runs the work items that turns scheduled (the outbox), at most
// maxConcurrentActivityFunctions at once, through the worker as the extension invokes an
// activityTrigger function, and reports each outcome as the history event the orchestrator sees.
// Injected faults (LOCAL_FAULTS `durable.activity`) play what a task hub does when it loses a work
// item: the item is dispatched again a moment later, either before it ran or after it ran with its
// completion lost, so the activity runs twice (Durable runs activities at least once).
import type { FaultPlan } from '../faults/plan';
import type { Clock } from '../host/clock';
import type { Logger } from '../host/logger';
import { fromTypedData } from '../host/typed-data';
import type { TypedData, Worker } from '../host/types';
import { EventType, historyEvent, type HistoryEvent } from './history';
import { errorMessage } from './replay';
import type { NewWorkItem } from './scheduling';
import { WorkPool } from './work-pool';

export interface WorkItem extends NewWorkItem {
  id: number;
}

export class ActivityDispatcher {
  private readonly names = new Map<string, string>();
  private readonly pool: WorkPool<WorkItem>;
  private readonly redispatches = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly options: {
      worker: Worker;
      clock: Clock;
      log: Logger;
      maxConcurrent: number;
      faults: FaultPlan;
      /** Called with each finished work item's TaskCompleted or TaskFailed event. */
      onOutcome: (item: WorkItem, outcome: HistoryEvent) => void;
    },
  ) {
    this.pool = new WorkPool({
      limit: options.maxConcurrent,
      run: (item) => this.run(item),
      onError: (item, err) =>
        options.log.error(
          `Durable activity ${item.name} (instance ${item.instanceId}) could not complete`,
          err,
        ),
    });
  }

  register(name: string): void {
    this.names.set(name.toLowerCase(), name);
  }

  dispatch(items: WorkItem[]): void {
    this.pool.add(...items);
  }

  /** Starts no more work; what runs now reports nothing (its work item runs again after a restart). */
  stop(): void {
    this.stopped = true;
    for (const timer of this.redispatches) clearTimeout(timer);
    this.redispatches.clear();
    void this.pool.stop();
  }

  private async run(item: WorkItem): Promise<void> {
    const { faults } = this.options;
    const fault = faults.roll('durable', 'activity');
    if (fault && !fault.afterEffect) return this.redispatch(item);
    const latency = faults.latencyMs('durable');
    if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
    const outcome = await this.invoke(item);
    if (fault) return this.redispatch(item);
    this.options.onOutcome(item, outcome);
  }

  /** A lost work item comes back after a moment, as a task hub hands it out again. */
  private redispatch(item: WorkItem): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.redispatches.delete(timer);
      if (!this.stopped) this.pool.add(item);
    }, REDISPATCH_MS);
    timer.unref();
    this.redispatches.add(timer);
  }

  private async invoke(item: WorkItem): Promise<HistoryEvent> {
    const { worker, clock, log } = this.options;
    const name = this.names.get(item.name.toLowerCase());
    let outcome: HistoryEvent;
    if (!name) {
      const message = `The function '${item.name}' doesn't exist, is disabled, or is not an activity function.`;
      outcome = historyEvent(EventType.TaskFailed, clock.now(), {
        TaskScheduledId: item.taskId,
        Reason: `Activity function '${item.name}' failed: ${message}`,
        Details: JSON.stringify({ Message: message }),
      });
    } else {
      try {
        // The input is JSON text; as a string trigger the worker parses it back, like the extension's.
        const invoked = await worker.invoke(name, {
          trigger: item.input === null ? undefined : { string: item.input },
          triggerIsTypedData: item.input !== null,
        });
        outcome = historyEvent(EventType.TaskCompleted, clock.now(), {
          TaskScheduledId: item.taskId,
          Result: resultJson(invoked.returnData),
        });
      } catch (err) {
        outcome = activityFailure(item, err, clock.now());
        log.warn(`Durable activity ${item.name} (instance ${item.instanceId}) failed: ${errorMessage(err)}`);
      }
    }
    return outcome;
  }
}

/** How long a lost work item takes to come back (a real task hub takes its lock's time, longer). */
const REDISPATCH_MS = 500;

/**
 * TaskFailed as the extension records a failed out-of-process activity: Reason "Activity function
 * 'X' failed: <the worker's RpcException message>", Details the serialised exception. The library
 * hands the orchestrator `new Error(`${Reason} \n ${Details}`)`.
 */
function activityFailure(item: WorkItem, err: unknown, now: number): HistoryEvent {
  const message = errorMessage(err);
  const stack = err instanceof Error ? (err.stack ?? '') : '';
  const rpcMessage = `Result: Failure\nException: ${message}\nStack: ${stack}`;
  return historyEvent(EventType.TaskFailed, now, {
    TaskScheduledId: item.taskId,
    Reason: `Activity function '${item.name}' failed: ${rpcMessage}`,
    Details: JSON.stringify({
      $type: 'Microsoft.Azure.WebJobs.Script.Workers.Rpc.RpcException, Microsoft.Azure.WebJobs.Script',
      ClassName: 'Microsoft.Azure.WebJobs.Script.Workers.Rpc.RpcException',
      Message: rpcMessage,
      RemoteStackTraceString: stack,
    }),
  });
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
