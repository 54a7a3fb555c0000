// The turn's commit: what one orchestrator turn produced goes to the data file in one transaction —
// its history, the instance row with the engine state, the activity work it scheduled (an outbox),
// its timers and child instances — together with deleting the messages it took. A killed process
// therefore resumes exactly where the last committed turn left off. Each write here is one
// transaction of the store; the writes of one event-loop turn share a single SQLite commit (group
// commit, local/host/db.ts), which is the only batching there is.
import type { WorkItem } from './activities';
import type { HistoryEvent } from './history';
import { startEvent, type Instance, type Message } from './instance';
import { freshState } from './scheduling';
import type { DurableStore, RuntimeStatus } from './store';
import type { ContinuedAsNewTurn, EndedTurn, RunningTurn } from './turn';

const stored = (e: HistoryEvent): string => JSON.stringify({ ...e, IsPlayed: true });

/** What a running turn wrote, for the engine to act on once it is in the file. */
export interface WrittenTurn {
  /** The turn's history events as stored. */
  historyJson: string[];
  /** Messages to the instance itself (timers, refused children). */
  messages: Message[];
  /** Each child instance's start message, in the order of `children`. */
  starts: Message[];
  work: WorkItem[];
}

export class TurnCommit {
  constructor(private readonly store: DurableStore) {}

  /** Writes (or replaces) a new instance's row and its start message; returns the message. */
  start(instance: Instance): Message {
    return this.store.transaction(() => this.writeStart(instance));
  }

  /** Persists a message to a live instance. */
  send(instanceId: string, message: Omit<Message, 'id'>): Message {
    const id = this.store.transaction(() => this.insertMessage(instanceId, message));
    return { id, ...message };
  }

  /** The turn took only replies to an execution that has ended: they go. */
  stale(consumed: Set<number>): void {
    this.store.transaction(() => this.deleteConsumed(consumed));
  }

  /** An activity's result that no live execution waits for: only its work item goes. */
  workItemDone(workItemId: number): void {
    this.store.transaction(() => this.store.deleteActivity(workItemId));
  }

  running(instance: Instance, turn: RunningTurn, children: Instance[]): WrittenTurn {
    const historyJson = turn.plan.history.map(stored);
    const turnNumber = turn.state.turns++;
    return this.store.transaction(() => {
      this.deleteConsumed(turn.consumed);
      this.store.appendHistory(instance.id, turnNumber, historyJson);
      this.updateRow(instance, {
        status: 'Running',
        customStatus: turn.customStatusJson,
        output: null,
        now: turn.now,
        engine: JSON.stringify(turn.state),
      });
      const work = turn.plan.activities.map((item) => ({
        ...item,
        id: this.store.insertActivity({
          instance_id: item.instanceId,
          execution_id: item.executionId,
          task_id: item.taskId,
          name: item.name,
          input: item.input,
        }),
      }));
      const starts = children.map((child) => this.writeStart(child));
      const messages = turn.plan.messages.map((m) => {
        const message = { executionId: instance.executionId, ...m };
        return { id: this.insertMessage(instance.id, message), ...message };
      });
      return { historyJson, messages, starts, work };
    });
  }

  /** Ends the execution; returns the message written to `parent` (the live parent execution), if any. */
  ended(instance: Instance, turn: EndedTurn, parent: Instance | undefined): Message | undefined {
    return this.store.transaction(() => {
      // Whatever else was queued for this instance (later events, its pending timers) is moot now.
      this.store.deleteMessages(instance.id);
      this.store.deleteActivities(instance.id);
      this.store.appendHistory(instance.id, instance.state.turns, turn.history.map(stored));
      this.updateRow(instance, {
        status: turn.status,
        customStatus: turn.customStatusJson,
        output: turn.outputJson,
        now: turn.now,
        engine: JSON.stringify({ ...instance.state, turns: instance.state.turns + 1 }),
      });
      if (!parent || !turn.parentEvent) return undefined;
      const message = { executionId: parent.executionId, visibleAt: turn.now, event: turn.parentEvent };
      return { id: this.insertMessage(parent.id, message), ...message };
    });
  }

  /**
   * Ends this execution and starts the next. Replies to the old execution's work and its timers
   * (`stale`) are dropped; returns the new execution's start message.
   */
  continuedAsNew(instance: Instance, turn: ContinuedAsNewTurn, stale: Message[]): Message {
    const message = { executionId: turn.executionId, visibleAt: turn.now, event: turn.start };
    const id = this.store.transaction(() => {
      this.deleteConsumed(turn.consumed);
      stale.forEach((m) => this.deleteConsumedMessage(m.id));
      this.store.clearHistory(instance.id);
      this.store.updateAfterTurn(instance.id, {
        status: 'Running',
        customStatus: turn.customStatusJson,
        output: null,
        now: turn.now,
        engine: JSON.stringify(freshState()),
        executionId: turn.executionId,
        input: turn.inputJson,
      });
      return this.insertMessage(instance.id, message);
    });
    return { id, ...message };
  }

  private writeStart(instance: Instance): Message {
    this.store.createInstance({
      instance_id: instance.id,
      name: instance.name,
      execution_id: instance.executionId,
      status: 'Pending',
      input: instance.inputJson,
      created_at: instance.createdAt,
      parent: instance.parent && JSON.stringify(instance.parent),
      engine: JSON.stringify(instance.state),
    });
    const message = {
      executionId: instance.executionId,
      visibleAt: instance.createdAt,
      event: startEvent(instance, instance.inputJson, instance.createdAt),
    };
    return { id: this.insertMessage(instance.id, message), ...message };
  }

  private updateRow(
    instance: Instance,
    row: {
      status: RuntimeStatus;
      customStatus: string | null;
      output: string | null;
      now: number;
      engine: string;
    },
  ): void {
    this.store.updateAfterTurn(instance.id, {
      ...row,
      executionId: instance.executionId,
      input: instance.inputJson,
    });
  }

  private insertMessage(instanceId: string, message: Omit<Message, 'id'>): number {
    return this.store.insertMessage(
      instanceId,
      message.executionId,
      message.visibleAt,
      JSON.stringify(message.event),
    );
  }

  private deleteConsumed(consumed: Set<number>): void {
    consumed.forEach((id) => this.deleteConsumedMessage(id));
  }

  /** A message row, or (a negative id) the work item whose result it was. */
  private deleteConsumedMessage(id: number): void {
    if (id < 0) this.store.deleteActivity(-id);
    else this.store.deleteMessage(id);
  }
}
