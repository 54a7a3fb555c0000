// Which thread of the host runs which function. The main thread serves HTTP and the durable task
// hub (orchestrations and activities); with consumer threads (`--workers N`), each trigger consumer
// — a change feed, an Event Hubs consumer group's share, a Service Bus receiver, a timer — runs on
// exactly one of them, as each lease is held by one instance of a scaled-out app in Azure. One
// consumer on one thread keeps what the lease kept: one reader per partition, in order, from its
// checkpoint. The split is by function (sorted by name, dealt round-robin), the same on every thread.
import type { RegisteredFunction } from './types';

const CONSUMER_TRIGGERS = new Set([
  'timertrigger',
  'cosmosdbtrigger',
  'eventhubtrigger',
  'servicebustrigger',
]);

/** Whether `fn` is a trigger consumer (runs on a consumer thread when the host has them). */
export function isTriggerConsumer(fn: RegisteredFunction): boolean {
  return CONSUMER_TRIGGERS.has(fn.trigger.binding.type.toLowerCase());
}

/** The consumer thread (0 … threads − 1) that runs `fn`; undefined when the main thread does. */
export function consumerThreadOf(
  fn: RegisteredFunction,
  functions: Iterable<RegisteredFunction>,
  threads: number,
): number | undefined {
  if (threads < 1 || !isTriggerConsumer(fn)) return undefined;
  const names = [...functions]
    .filter(isTriggerConsumer)
    .map((f) => f.name)
    .sort();
  return names.indexOf(fn.name) % threads;
}

/** `runsHere` for a thread: the main thread (`thread` undefined) or consumer thread `thread`. */
export function runsOn(
  thread: number | undefined,
  threads: number,
  functions: () => Iterable<RegisteredFunction>,
): (fn: RegisteredFunction) => boolean {
  return (fn) => consumerThreadOf(fn, functions(), threads) === thread;
}
