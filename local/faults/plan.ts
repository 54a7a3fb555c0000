// The fault plan every stand-in consults on each call it serves (the document store, the event log,
// the queue store, the durable activity dispatch): fail this call or not, and how long to delay it.
// The plan lives in the data file (`host_state`), written when the host starts (LOCAL_FAULTS) and
// when an outage is set at run time (`/admin/faults`), so every connection to the file, in any
// thread, follows the same plan; each reads it again at most every 100 ms. The dice are seeded
// (LOCAL_FAULTS `seed`, mixed with which of the host's threads the connection serves: `diceOf`), so
// a run's rolls repeat, though which call gets which roll depends on how the calls interleave. Every
// fault injected is counted in the file.
import type { Database, Statement } from 'better-sqlite3';
import { documentFault, eventHubsFault, serviceBusFault, THROTTLE_RETRY_AFTER_MS } from './errors';
import {
  DOCUMENT_FAULTS,
  NO_FAULTS,
  type DocumentFault,
  type FaultOperation,
  type FaultService,
  type FaultSettings,
  type Outage,
} from './settings';

const STATE_KEY = 'faults';
const REREAD_MS = 100;

const SCHEMA = `CREATE TABLE IF NOT EXISTS fault_counts (
  service TEXT NOT NULL, operation TEXT NOT NULL, fault TEXT NOT NULL, count INTEGER NOT NULL,
  PRIMARY KEY (service, operation, fault)) WITHOUT ROWID`;

/** A call the plan fails: the error to throw, and whether the call takes effect before it fails. */
export interface Fault {
  error: Error;
  /**
   * The call is done, then reported failed: a store write or batch that timed out after it was
   * applied (Cosmos DB gives no guarantee either way on a 408), an activity whose completion was lost.
   */
  afterEffect: boolean;
}

export class FaultPlan {
  private settings: FaultSettings = NO_FAULTS;
  private text: string | undefined;
  private readAt = -Infinity;
  private random: () => number = mulberry32(NO_FAULTS.seed);
  private stream = 0;
  private readonly select: Statement;
  private readonly count: Statement;

  constructor(db: Database) {
    db.exec(SCHEMA);
    this.select = db.prepare(`SELECT value FROM host_state WHERE key = '${STATE_KEY}'`).pluck();
    this.count = db.prepare(
      `INSERT INTO fault_counts (service, operation, fault, count) VALUES (?, ?, ?, 1)
       ON CONFLICT (service, operation, fault) DO UPDATE SET count = count + 1`,
    );
  }

  /**
   * Which of the host's threads this connection serves (0, the default: the thread the host runs
   * on; consumer thread i: i + 1). Each rolls its own dice from the seed, the same ones in every
   * run whatever thread of the process the host itself was started on (a test's worker thread).
   */
  diceOf(stream: number): void {
    this.stream = stream;
    this.text = undefined;
    this.readAt = -Infinity;
  }

  /** A fault for this call of `service`, or undefined: the call goes ahead. */
  roll<S extends FaultService>(service: S, operation: FaultOperation<S>): Fault | undefined {
    const settings = this.current();
    const now = Date.now();
    if (settings.outages.some((o) => o.service === service && o.fromMs <= now && now < o.untilMs))
      return this.inject(service, operation, 'outage');
    const rate = (settings.rates[service] as Record<string, number | undefined>)[operation] ?? 0;
    if (rate === 0 || this.random() >= rate) return undefined;
    return this.inject(service, operation, this.pick(service));
  }

  /** How long to delay this call of `service` (0 when the plan sets no latency). */
  latencyMs(service: FaultService): number {
    const range = this.current().latencyMs[service];
    if (!range) return 0;
    const [min, max] = range;
    return min + this.random() * (max - min);
  }

  /** Whether `service` is out now (an outage window is open). */
  isOut(service: FaultService): boolean {
    const now = Date.now();
    return this.current().outages.some((o) => o.service === service && o.fromMs <= now && now < o.untilMs);
  }

  private current(): FaultSettings {
    const now = Date.now();
    if (now - this.readAt < REREAD_MS) return this.settings;
    this.readAt = now;
    const text = this.select.get() as string | undefined;
    if (text !== this.text) {
      this.text = text;
      this.settings = text === undefined ? NO_FAULTS : (JSON.parse(text) as FaultSettings);
      // Each of the host's threads rolls its own dice from the same seed.
      this.random = mulberry32((this.settings.seed ^ Math.imul(this.stream + 1, 0x9e3779b9)) >>> 0);
    }
    return this.settings;
  }

  private pick(service: FaultService): string {
    if (service !== 'documents') return this.random() < 0.5 ? 'busy' : 'timeout';
    const weights = this.settings.documentErrors;
    const total = DOCUMENT_FAULTS.reduce((sum, f) => sum + weights[f], 0);
    let roll = this.random() * total;
    for (const f of DOCUMENT_FAULTS) if ((roll -= weights[f]) < 0) return f;
    return '429';
  }

  private inject(service: FaultService, operation: string, kind: string): Fault {
    this.count.run(service, operation, kind);
    const what = `${service} ${operation}`;
    switch (service) {
      case 'documents': {
        const [min, max] = THROTTLE_RETRY_AFTER_MS;
        const retryAfterMs = Math.round(min + this.random() * (max - min));
        const writes = operation === 'write' || operation === 'batch';
        return {
          error: documentFault(kind as DocumentFault | 'outage', retryAfterMs),
          afterEffect: kind === '408' && writes && this.random() < 0.5,
        };
      }
      case 'eventHubs':
        return {
          error: eventHubsFault(
            kind === 'busy' ? 'ServerBusyError' : 'ServiceUnavailableError',
            `${kind === 'outage' ? 'The Event Hubs namespace is unreachable' : 'The service was unable to process the request'} (injected: ${what}).`,
          ),
          afterEffect: false,
        };
      case 'serviceBus':
        return {
          error: serviceBusFault(
            kind === 'busy' ? 'ServiceBusy' : 'ServiceTimeout',
            `${kind === 'outage' ? 'The Service Bus namespace is unreachable' : 'The service was unable to process the request'} (injected: ${what}).`,
          ),
          afterEffect: false,
        };
      case 'durable':
        return {
          error: new Error(`The task hub lost the work item (injected: ${what}).`),
          afterEffect: kind !== 'outage' && this.random() < 0.5,
        };
    }
  }
}

const plans = new WeakMap<Database, FaultPlan>();

/** The fault plan of this connection to the data file (one per connection, each thread its own). */
export function faultPlan(db: Database): FaultPlan {
  let plan = plans.get(db);
  if (!plan) plans.set(db, (plan = new FaultPlan(db)));
  return plan;
}

/** Puts `settings` in force for every stand-in on this data file (none: no faults). */
export function writeFaultSettings(db: Database, settings: FaultSettings | undefined): void {
  if (settings === undefined || settings === NO_FAULTS)
    db.prepare(`DELETE FROM host_state WHERE key = ?`).run(STATE_KEY);
  else
    db.prepare(
      `INSERT INTO host_state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`,
    ).run(STATE_KEY, JSON.stringify(settings));
}

/** The settings in force on this data file. */
export function readFaultSettings(db: Database): FaultSettings {
  const text = db.prepare(`SELECT value FROM host_state WHERE key = ?`).pluck().get(STATE_KEY) as
    string | undefined;
  return text === undefined ? NO_FAULTS : (JSON.parse(text) as FaultSettings);
}

/** Adds an outage window; ones already over are dropped. */
export function addOutage(db: Database, outage: Outage): FaultSettings {
  const settings = readFaultSettings(db);
  const now = Date.now();
  const next = { ...settings, outages: [...settings.outages.filter((o) => o.untilMs > now), outage] };
  writeFaultSettings(db, next);
  return next;
}

/** Ends every outage (of `service`, or of all) now, and drops the ones to come. */
export function endOutages(db: Database, service?: FaultService): FaultSettings {
  const settings = readFaultSettings(db);
  const next = {
    ...settings,
    outages: settings.outages.filter((o) => service !== undefined && o.service !== service),
  };
  writeFaultSettings(db, next);
  return next;
}

export interface FaultCount {
  service: string;
  operation: string;
  fault: string;
  count: number;
}

/** The faults injected so far on this data file, by service, operation and kind. */
export function faultCounts(db: Database): FaultCount[] {
  db.exec(SCHEMA);
  return db
    .prepare('SELECT service, operation, fault, count FROM fault_counts ORDER BY 1, 2, 3')
    .all() as FaultCount[];
}

/** A small, fast seeded generator (uniform in [0, 1)): the same seed gives the same rolls. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
