// An orchestration instance as the engine keeps it in memory while it runs (write-through: each
// change is in the data file first), and the messages waiting for it.
import { randomUUID } from 'node:crypto';
import { EventType, historyEvent, type HistoryEvent } from './history';
import { freshState, type ChildStart, type EngineState } from './scheduling';
import type { InstanceRow } from './store';

export interface Message {
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

export type ParentRef = ChildStart['parent'];

export interface Instance {
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
  /** A turn of it runs now. */
  busy: boolean;
  /** It waits for a turn. */
  queued: boolean;
  timers: Set<() => void>;
}

export function newInstance(start: {
  id: string;
  name: string;
  inputJson: string | null;
  parent: ParentRef | null;
  now: number;
}): Instance {
  return {
    id: start.id,
    name: start.name,
    executionId: randomUUID(),
    inputJson: start.inputJson,
    parent: start.parent,
    createdAt: start.now,
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

/** A running instance read back from the data file, with its stored history (JSON texts). */
export function instanceFromRow(row: InstanceRow, history: string[]): Instance {
  return {
    id: row.instance_id,
    name: row.name,
    executionId: row.execution_id,
    inputJson: row.input,
    parent: row.parent ? (JSON.parse(row.parent) as ParentRef) : null,
    createdAt: row.created_at,
    status: row.status === 'Pending' ? 'Pending' : 'Running',
    customStatusJson: row.custom_status,
    history: history.join(','),
    state: JSON.parse(row.engine) as EngineState,
    pending: [],
    busy: false,
    queued: false,
    timers: new Set(),
  };
}

/** The ExecutionStarted event that begins an execution of `instance`. */
export function startEvent(instance: { name: string }, inputJson: string | null, at: number): HistoryEvent {
  return historyEvent(EventType.ExecutionStarted, at, {
    Name: instance.name,
    Input: inputJson ?? undefined,
    Version: '',
  });
}
