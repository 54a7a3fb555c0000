// Cosmos DB request charges (RU): each operation's charge is logged as it happens, and an
// invocation's total when it ends. The tally follows the invocation through its async calls.
import { AsyncLocalStorage } from 'node:async_hooks';

export interface ChargeTally {
  requestUnits: number;
  operations: number;
  /** Where per-operation lines go (the invocation's log). */
  log(line: string): void;
}

const current = new AsyncLocalStorage<ChargeTally>();

/** Runs `fn` with a fresh tally; returns the tally with the result. */
export function withChargeTally<T>(
  log: (line: string) => void,
  fn: () => T,
): { tally: ChargeTally; result: T } {
  const tally: ChargeTally = { requestUnits: 0, operations: 0, log };
  return { tally, result: current.run(tally, fn) };
}

/** Records one operation's charge on the current invocation's tally (if there is one). */
export function recordCharge(operation: string, requestUnits: number): void {
  const tally = current.getStore();
  if (!tally) return;
  tally.requestUnits += requestUnits;
  tally.operations += 1;
  tally.log(`Cosmos DB ${operation}: ${requestUnits} RU`);
}

export function describeTally(tally: ChargeTally): string {
  return `Cosmos DB request charge: ${Math.round(tally.requestUnits * 100) / 100} RU in ${tally.operations} operation(s)`;
}
