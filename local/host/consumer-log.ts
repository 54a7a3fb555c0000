// The lines of the functions that consume batches (change feeds, Event Hubs, Service Bus). Here the
// change feed wakes its function at each write, so under load a consumer runs many times a second,
// each batch with its own info lines, and they bury the request lines and the business events. At
// info the host writes instead one summary per consumer every few seconds in which it ran; each
// batch's own info lines go to debug (`--log-level debug`). Warnings and errors are never held back.
import type { Logger } from './logger';
import type { RegisteredFunction } from './types';

const CONSUMER_TRIGGERS = new Set(['cosmosdbtrigger', 'eventhubtrigger', 'servicebustrigger']);

/** How often the summaries are written, at most. */
export const CONSUMER_SUMMARY_INTERVAL_MS = 5000;

export function isConsumer(fn: RegisteredFunction): boolean {
  return CONSUMER_TRIGGERS.has(fn.trigger.binding.type.toLowerCase());
}

export class ConsumerLog {
  private readonly counts = new Map<string, { batches: number; lines: number }>();
  private readonly timer: NodeJS.Timeout;
  private since = performance.now();

  constructor(private readonly log: Logger) {
    this.timer = setInterval(() => this.flush(), CONSUMER_SUMMARY_INTERVAL_MS).unref();
  }

  /** A consumer was handed a batch. */
  ran(fn: RegisteredFunction): void {
    this.count(fn.name).batches++;
  }

  /** One of a consumer's info lines: at debug, and counted in its summary. */
  hold(fn: RegisteredFunction, line: string): void {
    this.count(fn.name).lines++;
    this.log.debug(line);
  }

  /** Writes a summary for each consumer that ran since the last one. */
  flush(): void {
    const seconds = ((performance.now() - this.since) / 1000).toFixed(1);
    this.since = performance.now();
    for (const [name, { batches, lines }] of this.counts) {
      const held = lines > 0 ? `; their ${lines} info line${plural(lines)}: --log-level debug` : '';
      this.log.info(`[${name}] ${batches} run${plural(batches)} in ${seconds} s${held}`);
    }
    this.counts.clear();
  }

  /** Writes what is counted and stops. */
  stop(): void {
    clearInterval(this.timer);
    this.flush();
  }

  private count(name: string): { batches: number; lines: number } {
    let c = this.counts.get(name);
    if (!c) this.counts.set(name, (c = { batches: 0, lines: 0 }));
    return c;
  }
}

function plural(n: number): string {
  return n === 1 ? '' : 's';
}
