// What the status API returns for an instance: the extension's StatusResponsePayload, with the
// `historyEvents` view of its history when asked for.
import { EventType, EventTypeName, type HistoryEvent } from './history';
import type { InstanceRow, RuntimeStatus } from './store';

export interface StatusOptions {
  showHistory?: boolean;
  showHistoryOutput?: boolean;
  showInput?: boolean;
}

export interface InstanceStatus {
  name: string;
  instanceId: string;
  runtimeStatus: RuntimeStatus;
  input: unknown;
  customStatus: unknown;
  output: unknown;
  createdTime: string;
  lastUpdatedTime: string;
  historyEvents?: Record<string, unknown>[];
}

export function toStatus(row: InstanceRow, options: StatusOptions, historyJsons?: string[]): InstanceStatus {
  const status: InstanceStatus = {
    name: row.name,
    instanceId: row.instance_id,
    runtimeStatus: row.status,
    input: options.showInput === false ? null : parse(row.input),
    customStatus: parse(row.custom_status),
    output: parse(row.output),
    createdTime: statusTime(row.created_at),
    lastUpdatedTime: statusTime(row.updated_at),
  };
  if (historyJsons) status.historyEvents = friendlyHistory(historyJsons, options.showHistoryOutput === true);
  return status;
}

const parse = (json: string | null | undefined): unknown =>
  json === null || json === undefined ? null : (JSON.parse(json) as unknown);

/** The status API's time format (.NET "s" + Z: seconds, no fraction). */
const statusTime = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The status API's `historyEvents`: named event types, scheduling events folded into their outcome. */
function friendlyHistory(eventJsons: string[], showOutput: boolean): Record<string, unknown>[] {
  const events = eventJsons.map((j) => JSON.parse(j) as HistoryEvent);
  const scheduled = new Map<number, HistoryEvent>();
  const out: Record<string, unknown>[] = [];
  for (const e of events) {
    const base = { EventType: EventTypeName[e.EventType] ?? String(e.EventType), Timestamp: e.Timestamp };
    switch (e.EventType) {
      case EventType.TaskScheduled:
      case EventType.SubOrchestrationInstanceCreated:
        scheduled.set(e.EventId, e);
        break;
      case EventType.ExecutionStarted:
        out.push({ ...base, FunctionName: e.Name, ...(showOutput ? { Input: parse(e.Input) } : {}) });
        break;
      case EventType.TaskCompleted:
      case EventType.SubOrchestrationInstanceCompleted: {
        const s = scheduled.get(e.TaskScheduledId ?? -1);
        out.push({
          ...base,
          FunctionName: s?.Name,
          ScheduledTime: s?.Timestamp,
          ...(showOutput ? { Result: parse(e.Result) } : {}),
        });
        break;
      }
      case EventType.TaskFailed:
      case EventType.SubOrchestrationInstanceFailed: {
        const s = scheduled.get(e.TaskScheduledId ?? -1);
        out.push({
          ...base,
          FunctionName: s?.Name,
          ScheduledTime: s?.Timestamp,
          Reason: e.Reason,
          Details: e.Details,
        });
        break;
      }
      case EventType.TimerCreated:
      case EventType.TimerFired:
        out.push({ ...base, FireAt: e.FireAt });
        break;
      case EventType.EventRaised:
        out.push({ ...base, Name: e.Name, ...(showOutput ? { Input: parse(e.Input) } : {}) });
        break;
      case EventType.ExecutionCompleted:
        out.push({
          ...base,
          OrchestrationStatus: e.OrchestrationStatus,
          ...(showOutput ? { Result: parse(e.Result) } : {}),
        });
        break;
      case EventType.ExecutionTerminated:
        out.push({ ...base, Input: e.Input });
        break;
      default:
        break;
    }
  }
  return out;
}
