// Cosmos DB trigger, input and output bindings over the embedded document store, with the semantics
// of the Functions Cosmos DB extension (v4, LatestVersion change feed):
// - one change-feed processor per function: batches (up to `maxItemsPerInvocation`, default 100) in
//   `_lsn` order, one in flight at a time; each item once, at its latest version; no deletes;
// - the lease (checkpoint) advances after the handler returns OR throws: a failed batch is not
//   delivered again (the extension has no poison handling; a function `retry` policy re-runs it
//   first). A crash before the lease is written delivers the batch again: at least once;
// - a lease is keyed as Azure keys it, by lease container, `leaseContainerPrefix` and monitored
//   container; two functions sharing one compete for it as they do in Azure, so only the first gets
//   the changes (the host says so at start): give each its own `leaseContainerPrefix`;
// - without a lease the feed starts now, or at the beginning (`startFromBeginning`), or at
//   `startFromTime`; once a lease exists those options have no effect;
// - a monitored container that does not exist yet is waited for (Azure retries the listener start);
// - a write wakes the processor at once; `feedPollDelay` (default 5 s) only paces a safety re-check.
// Leases live in a `cosmos_leases` table of the host's file, not in a `leases` container.
import { z } from 'zod';
import { publishService, withdrawService } from '../host/services';
import { RetryingInvoker } from '../host/retry-policy';
import type { BindingInfo, Database, ExtensionFactory, HostContext, RegisteredFunction } from '../host/types';
import { expressionValue, hasExpressions, resolveExpressions, type BindingData } from '../host/binding-data';
import { parseSqlQuery } from './sql-query';
import { createDocumentStore } from './store';
import type { DocumentContainer, DocumentStore, NewDocument, StoredDocument } from './types';

const DEFAULT_MAX_ITEMS = 100;
const DEFAULT_POLL_DELAY_MS = 5000;
const DEFAULT_LEASE_CONTAINER = 'leases';
// Expired items are already invisible; purging only reclaims space, so it need not be prompt.
const PURGE_INTERVAL_MS = 10_000;

const triggerSchema = z
  .object({
    databaseName: z.string().min(1),
    containerName: z.string().min(1),
    leaseDatabaseName: z.string().min(1).optional(),
    leaseContainerName: z.string().min(1).optional(),
    leaseContainerPrefix: z.string().optional(),
    startFromBeginning: z.boolean().optional(),
    startFromTime: z.string().optional(),
    maxItemsPerInvocation: z.number().int().positive().optional(),
    feedPollDelay: z.number().int().positive().optional(),
    changeFeedMode: z.string().optional(),
  })
  .passthrough();

interface FeedConfig {
  databaseName: string;
  containerName: string;
  leaseId: string;
  startFromBeginning: boolean;
  startFromTimeMs?: number;
  maxItems: number;
  pollDelayMs: number;
}

/** Resolves `%Setting%` references in binding properties from the app settings, as the host does. */
function resolveSettings(value: string, settings: HostContext['settings'], what: string): string {
  return value.replace(/%([^%]+)%/g, (_, name: string) => {
    const v = settings[name];
    if (v === undefined) throw new Error(`${what}: app setting "${name}" is not set.`);
    return v;
  });
}

function readTriggerConfig(fn: RegisteredFunction, settings: HostContext['settings']): FeedConfig {
  const parsed = triggerSchema.safeParse(fn.trigger.binding);
  const what = `Function "${fn.name}" (Cosmos DB trigger)`;
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${what}: ${issue.path.join('.')} ${issue.message}`);
  }
  const b = parsed.data;
  if (b.changeFeedMode !== undefined && b.changeFeedMode !== 'LatestVersion') {
    throw new Error(`${what}: changeFeedMode "${b.changeFeedMode}" is not supported by the local host.`);
  }
  const resolve = (v: string): string => resolveSettings(v, settings, what);
  const databaseName = resolve(b.databaseName);
  const containerName = resolve(b.containerName);
  const startFromTimeMs = b.startFromTime === undefined ? undefined : Date.parse(b.startFromTime);
  if (Number.isNaN(startFromTimeMs)) throw new Error(`${what}: startFromTime must be an ISO 8601 time.`);
  return {
    databaseName,
    containerName,
    // The change feed processor names its leases `<prefix><account>_<database>_<container>...` in
    // the lease container: the same names mean the same leases.
    leaseId: JSON.stringify([
      resolve(b.leaseDatabaseName ?? b.databaseName),
      resolve(b.leaseContainerName ?? DEFAULT_LEASE_CONTAINER),
      resolve(b.leaseContainerPrefix ?? ''),
      databaseName,
      containerName,
    ]),
    startFromBeginning: b.startFromBeginning === true,
    startFromTimeMs,
    maxItems: b.maxItemsPerInvocation ?? DEFAULT_MAX_ITEMS,
    pollDelayMs: b.feedPollDelay ?? DEFAULT_POLL_DELAY_MS,
  };
}

/** Change-feed positions per lease, in the host's file (the lease container's role). */
class Leases {
  private readonly select;
  private readonly insert;
  private readonly update;

  constructor(
    db: Database,
    private readonly now: () => number,
  ) {
    db.exec(`CREATE TABLE IF NOT EXISTS cosmos_leases (
      lease_id TEXT PRIMARY KEY, owner TEXT NOT NULL, continuation INTEGER NOT NULL, updated_at INTEGER NOT NULL)`);
    this.select = db.prepare('SELECT continuation FROM cosmos_leases WHERE lease_id = ?').pluck();
    this.insert = db.prepare(
      'INSERT OR IGNORE INTO cosmos_leases (lease_id, owner, continuation, updated_at) VALUES (?, ?, ?, ?)',
    );
    this.update = db.prepare(
      'UPDATE cosmos_leases SET owner = ?, continuation = ?, updated_at = ? WHERE lease_id = ?',
    );
  }

  position(leaseId: string): number | undefined {
    return this.select.get(leaseId) as number | undefined;
  }

  /** Creates the lease at `start()` unless it exists; returns the position to read after. */
  acquire(leaseId: string, owner: string, start: () => number): number {
    const existing = this.position(leaseId);
    if (existing !== undefined) return existing;
    const lsn = start();
    this.insert.run(leaseId, owner, lsn, this.now());
    return lsn;
  }

  checkpoint(leaseId: string, owner: string, lsn: number): void {
    this.update.run(owner, lsn, this.now(), leaseId);
  }
}

class FeedProcessor {
  private container?: DocumentContainer;
  private readonly cleanups: (() => void)[] = [];
  private running?: Promise<void>;
  private scheduled = false;
  private again = false;
  private stopped = false;

  private readonly invoker: RetryingInvoker;
  private readonly host: HostContext;
  private readonly store: DocumentStore;
  private readonly leases: Leases;
  readonly fn: RegisteredFunction;
  readonly config: FeedConfig;

  constructor(parts: {
    host: HostContext;
    store: DocumentStore;
    leases: Leases;
    fn: RegisteredFunction;
    config: FeedConfig;
  }) {
    ({ host: this.host, store: this.store, leases: this.leases, fn: this.fn, config: this.config } = parts);
    this.invoker = new RetryingInvoker(parts.host);
  }

  start(): void {
    const { databaseName, containerName } = this.config;
    const existing = this.store.container(databaseName, containerName);
    if (existing) return this.attach(existing);
    // Nothing is wrong: on a fresh data file the app creates its containers on first use, and the
    // trigger starts then (as Azure's listener retries its start). So not a warning.
    this.host.log.debug(
      `Cosmos DB trigger "${this.fn.name}": container ${databaseName}/${containerName} does not exist yet; ` +
        'the trigger starts when it is created.',
    );
    const off = this.store.onContainerCreated((c) => {
      if (c.databaseId === databaseName && c.definition.id === containerName) {
        off();
        this.attach(c, true);
      }
    });
    this.cleanups.push(off);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    this.invoker.stop();
    await this.running;
  }

  /**
   * `createdSinceStart`: the container appeared after this processor began to wait for it, so
   * "now" for a new lease is before its first item (the item may be committed with the container,
   * and heard of on another thread of the host only after both).
   */
  private attach(container: DocumentContainer, createdSinceStart = false): void {
    if (this.stopped) return;
    this.container = container;
    const { startFromBeginning, startFromTimeMs } = this.config;
    this.leases.acquire(this.config.leaseId, this.fn.name, () =>
      startFromBeginning || createdSinceStart
        ? 0
        : startFromTimeMs !== undefined
          ? container.lsnAt(startFromTimeMs)
          : container.latestLsn(),
    );
    this.cleanups.push(container.onChange(() => this.wake()));
    const timer = setInterval(() => this.wake(), this.config.pollDelayMs);
    timer.unref();
    this.cleanups.push(() => clearInterval(timer));
    this.wake();
  }

  /** Coalesces wake-ups; runs the processor outside the writer's call stack. */
  private wake(): void {
    if (this.stopped || !this.container) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.stopped || this.running) return;
      this.running = this.drain().finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
    });
  }

  private async drain(): Promise<void> {
    const container = this.container as DocumentContainer;
    const { leaseId, maxItems } = this.config;
    try {
      while (!this.stopped) {
        const from = this.leases.position(leaseId) ?? 0;
        const page = container.readChangeFeedText(from, maxItems);
        if (page.bodies.length === 0) return;
        // A stopping host leaves the batch in hand un-checkpointed: it comes again on the next start.
        if (!(await this.deliver(page.bodies))) return;
        this.leases.checkpoint(leaseId, this.fn.name, page.lastLsn);
      }
    } catch (err) {
      this.host.log.error(`Cosmos DB trigger "${this.fn.name}" failed`, err);
    }
  }

  /** Invokes the function (with its retry policy); false when stopped before it settled. */
  private async deliver(items: string[]): Promise<boolean> {
    // The documents as stored (JSON text) make the trigger's JSON array as they are, unparsed.
    const outcome = await this.invoker.invoke(
      this.fn.name,
      { trigger: { json: `[${items.join(',')}]` }, triggerIsTypedData: true },
      this.fn.metadata.retryOptions,
      (more) =>
        `Cosmos DB function "${this.fn.name}" failed on ${items.length} change(s)` +
        (more ? '; retrying' : '; the lease moves on past them (as in Azure)'),
    );
    return outcome === 'settled';
  }
}

/**
 * A string binding property with `%Setting%` resolved and, given the invocation's binding data,
 * its `{...}` binding expressions too (output bindings get none here: they must be fixed).
 */
function bindingString(
  binding: BindingInfo,
  key: string,
  settings: HostContext['settings'],
  data?: BindingData,
): string | undefined {
  const v = binding[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw new Error(`Cosmos DB binding: "${key}" must be a string.`);
  const resolved = resolveSettings(v, settings, 'Cosmos DB binding');
  if (!hasExpressions(resolved)) return resolved;
  if (!data)
    throw new Error(
      `Cosmos DB output binding: "${key}" uses a binding expression (${v}), which the local host resolves only for input bindings.`,
    );
  return resolveExpressions(resolved, data);
}

function requiredString(
  binding: BindingInfo,
  key: string,
  settings: HostContext['settings'],
  data?: BindingData,
): string {
  const v = bindingString(binding, key, settings, data);
  if (v === undefined) throw new Error(`Cosmos DB binding: "${key}" is required.`);
  return v;
}

export const createCosmosExtension: ExtensionFactory = (host) => {
  const store = createDocumentStore(host.db, host.clock, host.log);
  publishService('documents', store);
  const leases = new Leases(host.db, () => host.clock.now());
  const processors: FeedProcessor[] = [];
  let purgeTimer: NodeJS.Timeout | undefined;

  function existingContainer(binding: BindingInfo, create: boolean, data?: BindingData): DocumentContainer {
    const databaseName = requiredString(binding, 'databaseName', host.settings, data);
    const containerName = requiredString(binding, 'containerName', host.settings, data);
    const found = store.container(databaseName, containerName);
    if (found) return found;
    if (!create)
      throw new Error(`Cosmos DB binding: container ${databaseName}/${containerName} does not exist.`);
    // The output binding's createIfNotExists; `partitionKey` is then the new container's key path.
    const partitionKeyPath = bindingString(binding, 'partitionKey', host.settings) ?? '/id';
    return store.createContainerIfNotExists(databaseName, { id: containerName, partitionKeyPath });
  }

  return {
    name: 'cosmosDB',
    triggerTypes: ['cosmosDBTrigger'],
    inputTypes: ['cosmosDB'],
    outputTypes: ['cosmosDB'],
    addFunction(fn) {
      processors.push(
        new FeedProcessor({ host, store, leases, fn, config: readTriggerConfig(fn, host.settings) }),
      );
    },
    describe(fn) {
      const p = processors.find((x) => x.fn === fn);
      return p ? `${p.config.databaseName}/${p.config.containerName}` : '';
    },
    // One item by `id` (and `partitionKey`), the items of a `sqlQuery`, or the whole container (or
    // partition) when neither is given; binding expressions resolve from the invocation's data.
    input(_fn, _name, binding, data) {
      const container = existingContainer(binding, false, data);
      const id = bindingString(binding, 'id', host.settings, data);
      const partitionKey = bindingString(binding, 'partitionKey', host.settings, data);
      if (id !== undefined) {
        const pk = partitionKey ?? (container.definition.partitionKeyPath === '/id' ? id : undefined);
        if (pk === undefined)
          throw new Error('Cosmos DB input binding: an id lookup needs the partitionKey.');
        return container.read(pk, id) ?? null;
      }
      const sql =
        typeof binding.sqlQuery === 'string'
          ? resolveSettings(binding.sqlQuery, host.settings, 'Cosmos DB binding')
          : undefined;
      const { where, orderBy } = sql ? parseSqlQuery(sql, (name) => String(expressionValue(data, name))) : {};
      const items: StoredDocument[] = [];
      let continuation: string | undefined;
      do {
        const page = container.query({ partitionKey, where, orderBy, limit: 1000, continuation });
        items.push(...page.items);
        continuation = page.continuation;
      } while (continuation);
      return items;
    },
    // A query the store cannot answer puts the function in error at start, not at its first call.
    checkBinding(fn, binding) {
      if (binding.direction !== 'in' || typeof binding.sqlQuery !== 'string') return;
      try {
        parseSqlQuery(binding.sqlQuery, () => '');
      } catch (err) {
        throw new Error(`Cosmos DB input binding of "${fn.name}": ${(err as Error).message}`);
      }
    },
    // Upserts the returned document, or each document of a returned array (as the extension does).
    output(_fn, _name, binding, value) {
      if (value === undefined || value === null) return;
      const container = existingContainer(binding, binding.createIfNotExists === true);
      for (const doc of Array.isArray(value) ? value : [value]) container.upsert(doc as NewDocument);
    },
    start() {
      const owners = new Map<string, FeedProcessor>();
      for (const p of processors) {
        const owner = owners.get(p.config.leaseId);
        if (owner) {
          // Said once, by the main thread (a consumer thread loads the same app).
          if (host.mainThread)
            host.log.error(
              `Cosmos DB triggers "${owner.fn.name}" and "${p.fn.name}" share the leases of ` +
                `${p.config.databaseName}/${p.config.containerName}: in Azure they compete for them and each change ` +
                `reaches only one. Here "${owner.fn.name}" gets every change and "${p.fn.name}" none; ` +
                'give each function its own leaseContainerPrefix.',
            );
          continue;
        }
        owners.set(p.config.leaseId, p);
        if (host.runsHere(p.fn)) p.start();
      }
      // Expired items are purged by the main thread only.
      if (!host.mainThread) return;
      purgeTimer = setInterval(() => {
        try {
          store.purgeExpired();
        } catch (err) {
          host.log.error('Purging expired documents failed', err);
        }
      }, PURGE_INTERVAL_MS);
      purgeTimer.unref();
    },
    async stop() {
      clearInterval(purgeTimer);
      await Promise.all(processors.map((p) => p.stop()));
      withdrawService('documents', store);
    },
  };
};
