// The task hub in the host's SQLite file: instances, their history (one row per orchestrator turn),
// the messages waiting for each instance (events, durable timers with a due time) and the
// activity work items (the outbox). Everything one turn produces commits in one transaction.
import type { Database, Statement } from 'better-sqlite3';
import { prepareStatements } from '../host/db';

export type RuntimeStatus = 'Pending' | 'Running' | 'Completed' | 'Failed' | 'Terminated';

export const TERMINAL: ReadonlySet<string> = new Set(['Completed', 'Failed', 'Terminated']);

export interface InstanceRow {
  instance_id: string;
  name: string;
  execution_id: string;
  status: RuntimeStatus;
  input: string | null;
  output: string | null;
  custom_status: string | null;
  created_at: number;
  updated_at: number;
  parent: string | null;
  engine: string;
}

export interface MessageRow {
  id: number;
  instance_id: string;
  execution_id: string | null;
  visible_at: number;
  event: string;
}

export interface ActivityRow {
  id: number;
  instance_id: string;
  execution_id: string;
  task_id: number;
  name: string;
  input: string | null;
}

export interface InstanceFilter {
  createdFrom?: number;
  createdTo?: number;
  statuses?: string[];
  prefix?: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS durable_instances (
  hub TEXT NOT NULL, instance_id TEXT NOT NULL, name TEXT NOT NULL, execution_id TEXT NOT NULL,
  status TEXT NOT NULL, input TEXT, output TEXT, custom_status TEXT,
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, parent TEXT, engine TEXT NOT NULL,
  PRIMARY KEY (hub, instance_id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS durable_instances_by_status ON durable_instances (hub, status);
CREATE TABLE IF NOT EXISTS durable_history (
  hub TEXT NOT NULL, instance_id TEXT NOT NULL, turn INTEGER NOT NULL, events TEXT NOT NULL,
  PRIMARY KEY (hub, instance_id, turn)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS durable_messages (
  id INTEGER PRIMARY KEY, hub TEXT NOT NULL, instance_id TEXT NOT NULL, execution_id TEXT,
  visible_at INTEGER NOT NULL, event TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS durable_messages_by_instance ON durable_messages (hub, instance_id);
CREATE TABLE IF NOT EXISTS durable_activities (
  id INTEGER PRIMARY KEY, hub TEXT NOT NULL, instance_id TEXT NOT NULL, execution_id TEXT NOT NULL,
  task_id INTEGER NOT NULL, name TEXT NOT NULL, input TEXT);
CREATE INDEX IF NOT EXISTS durable_activities_by_instance ON durable_activities (hub, instance_id);
`;

const STATEMENTS = {
  getInstance: 'SELECT * FROM durable_instances WHERE hub = ? AND instance_id = ?',
  insertInstance: `INSERT OR REPLACE INTO durable_instances
    (hub, instance_id, name, execution_id, status, input, output, custom_status, created_at, updated_at, parent, engine)
    VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?, ?, ?)`,
  updateTurn: `UPDATE durable_instances SET status = ?, custom_status = ?, output = ?, updated_at = ?,
    engine = ?, execution_id = ?, input = ? WHERE hub = ? AND instance_id = ?`,
  deleteInstance: 'DELETE FROM durable_instances WHERE hub = ? AND instance_id = ?',
  history: 'SELECT events FROM durable_history WHERE hub = ? AND instance_id = ? ORDER BY turn',
  appendHistory: 'INSERT INTO durable_history (hub, instance_id, turn, events) VALUES (?, ?, ?, ?)',
  deleteHistory: 'DELETE FROM durable_history WHERE hub = ? AND instance_id = ?',
  insertMessage: `INSERT INTO durable_messages (hub, instance_id, execution_id, visible_at, event)
    VALUES (?, ?, ?, ?, ?)`,
  deleteMessage: 'DELETE FROM durable_messages WHERE id = ?',
  deleteMessages: 'DELETE FROM durable_messages WHERE hub = ? AND instance_id = ?',
  messages: 'SELECT * FROM durable_messages WHERE hub = ? AND instance_id = ? ORDER BY id',
  insertActivity: `INSERT INTO durable_activities (hub, instance_id, execution_id, task_id, name, input)
    VALUES (?, ?, ?, ?, ?, ?)`,
  deleteActivity: 'DELETE FROM durable_activities WHERE id = ?',
  deleteActivities: 'DELETE FROM durable_activities WHERE hub = ? AND instance_id = ?',
  activities: 'SELECT * FROM durable_activities WHERE hub = ? ORDER BY id',
  live: `SELECT * FROM durable_instances WHERE hub = ? AND status IN ('Pending', 'Running')`,
};

export class DurableStore {
  private readonly runInTransaction: (fn: () => unknown) => unknown;
  private readonly statements: Record<keyof typeof STATEMENTS, Statement>;

  constructor(
    readonly db: Database,
    readonly hub: string,
  ) {
    db.exec(SCHEMA);
    // One transaction function for every call (better-sqlite3 nests it as a savepoint when needed).
    this.runInTransaction = db.transaction((fn: () => unknown) => fn());
    this.statements = prepareStatements(db, STATEMENTS);
  }

  /** Runs `fn` as one transaction: a savepoint of the connection's group commit when that is on. */
  transaction<T>(fn: () => T): T {
    return this.runInTransaction(fn) as T;
  }

  getInstance(instanceId: string): InstanceRow | undefined {
    return this.statements.getInstance.get(this.hub, instanceId) as InstanceRow | undefined;
  }

  liveInstances(): InstanceRow[] {
    return this.statements.live.all(this.hub) as InstanceRow[];
  }

  /** Creates the instance, or replaces a finished one of the same id (its history and messages go). */
  createInstance(row: Omit<InstanceRow, 'output' | 'custom_status' | 'updated_at'>): void {
    this.clearInstance(row.instance_id);
    this.statements.insertInstance.run(
      this.hub,
      row.instance_id,
      row.name,
      row.execution_id,
      row.status,
      row.input,
      row.created_at,
      row.created_at,
      row.parent,
      row.engine,
    );
  }

  updateAfterTurn(
    instanceId: string,
    update: {
      status: RuntimeStatus;
      customStatus: string | null;
      output: string | null;
      now: number;
      engine: string;
      executionId: string;
      input: string | null;
    },
  ): void {
    this.statements.updateTurn.run(
      update.status,
      update.customStatus,
      update.output,
      update.now,
      update.engine,
      update.executionId,
      update.input,
      this.hub,
      instanceId,
    );
  }

  /** History events of the current execution, as stored JSON texts, oldest first. */
  history(instanceId: string): string[] {
    const out: string[] = [];
    for (const { events } of this.statements.history.all(this.hub, instanceId) as { events: string }[]) {
      for (const e of JSON.parse(events) as unknown[]) out.push(JSON.stringify(e));
    }
    return out;
  }

  appendHistory(instanceId: string, turn: number, eventJsons: string[]): void {
    this.statements.appendHistory.run(this.hub, instanceId, turn, `[${eventJsons.join(',')}]`);
  }

  clearHistory(instanceId: string): void {
    this.statements.deleteHistory.run(this.hub, instanceId);
  }

  insertMessage(
    instanceId: string,
    executionId: string | null,
    visibleAt: number,
    eventJson: string,
  ): number {
    return Number(
      this.statements.insertMessage.run(this.hub, instanceId, executionId, visibleAt, eventJson)
        .lastInsertRowid,
    );
  }

  deleteMessage(id: number): void {
    this.statements.deleteMessage.run(id);
  }

  deleteMessages(instanceId: string): void {
    this.statements.deleteMessages.run(this.hub, instanceId);
  }

  messages(instanceId: string): MessageRow[] {
    return this.statements.messages.all(this.hub, instanceId) as MessageRow[];
  }

  insertActivity(activity: Omit<ActivityRow, 'id'>): number {
    return Number(
      this.statements.insertActivity.run(
        this.hub,
        activity.instance_id,
        activity.execution_id,
        activity.task_id,
        activity.name,
        activity.input,
      ).lastInsertRowid,
    );
  }

  deleteActivity(id: number): void {
    this.statements.deleteActivity.run(id);
  }

  deleteActivities(instanceId: string): void {
    this.statements.deleteActivities.run(this.hub, instanceId);
  }

  activities(): ActivityRow[] {
    return this.statements.activities.all(this.hub) as ActivityRow[];
  }

  /** Removes an instance and everything it owns. */
  purge(instanceId: string): void {
    this.clearInstance(instanceId);
    this.statements.deleteInstance.run(this.hub, instanceId);
  }

  query(filter: InstanceFilter): InstanceRow[] {
    const where = ['hub = ?'];
    const args: unknown[] = [this.hub];
    if (filter.createdFrom !== undefined) {
      where.push('created_at >= ?');
      args.push(filter.createdFrom);
    }
    if (filter.createdTo !== undefined) {
      where.push('created_at <= ?');
      args.push(filter.createdTo);
    }
    if (filter.prefix !== undefined) {
      where.push('substr(instance_id, 1, ?) = ?');
      args.push(filter.prefix.length, filter.prefix);
    }
    if (filter.statuses?.length) {
      where.push(`status IN (${filter.statuses.map(() => '?').join(', ')})`);
      args.push(...filter.statuses);
    }
    return this.db
      .prepare(
        `SELECT * FROM durable_instances WHERE ${where.join(' AND ')} ORDER BY created_at, instance_id`,
      )
      .all(...args) as InstanceRow[];
  }

  /** Drops messages and work items left for instances that are no longer running. */
  deleteOrphans(): void {
    const live = `SELECT instance_id FROM durable_instances WHERE hub = ? AND status IN ('Pending', 'Running')`;
    this.db
      .prepare(`DELETE FROM durable_messages WHERE hub = ? AND instance_id NOT IN (${live})`)
      .run(this.hub, this.hub);
    this.db
      .prepare(`DELETE FROM durable_activities WHERE hub = ? AND instance_id NOT IN (${live})`)
      .run(this.hub, this.hub);
  }

  private clearInstance(instanceId: string): void {
    this.statements.deleteHistory.run(this.hub, instanceId);
    this.statements.deleteMessages.run(this.hub, instanceId);
    this.statements.deleteActivities.run(this.hub, instanceId);
  }
}
