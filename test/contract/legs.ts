// Contract suites: each port's behaviour written once, run against every adapter that serves it.
// A leg names its adapter and the known gaps of its stand-in; a gap is skipped by name, with its
// reason in the test's title and printed, never silently.
import { afterAll, describe, it, type TestContext } from 'vitest';
import { loadConfig, type AzureConfig, type AzureConnection } from '../../shared/config';

export interface Leg {
  /** Which adapter, on what (printed). */
  name: string;
  /** Set when the whole leg cannot run here (e.g. no Azure settings): printed, every case skipped. */
  unavailable?: string;
  /** Contract cases this leg's service cannot pass, by case name, with the reason. */
  gaps?: Record<string, string>;
}

type Case = (ctx: TestContext) => Promise<void>;

/** `describe` for one leg: `check(name, fn)` runs a case unless the leg names it as a gap. */
export function legSuite(
  port: string,
  leg: Leg,
  body: (check: (name: string, fn: Case) => void) => void,
): void {
  describe(`${port} contract on ${leg.name}`, () => {
    const skipped: string[] = [];
    const check = (name: string, fn: Case): void => {
      const reason = leg.unavailable ?? leg.gaps?.[name];
      if (reason === undefined) {
        it(name, fn);
        return;
      }
      skipped.push(`  - ${name}: ${reason}`);
      it.skip(`${name} [skipped: ${reason}]`, fn);
    };
    body(check);
    const known = Object.keys(leg.gaps ?? {}).filter((g) => !skipped.some((s) => s.startsWith(`  - ${g}:`)));
    if (known.length > 0) throw new Error(`${leg.name}: gaps name no contract case: ${known.join(', ')}`);
    const summary = leg.unavailable
      ? `${port} contract: ${leg.name} NOT RUN: ${leg.unavailable}`
      : `${port} contract: ran on ${leg.name}` +
        (skipped.length
          ? `; skipped ${skipped.length} case(s) by name:\n${skipped.join('\n')}`
          : '; nothing skipped');
    console.log(summary);
  });
}

/** Registers what to undo after the file's tests: run newest first, once they are all done. */
export function cleanups(): (undo: () => Promise<void> | void) => void {
  const undos: (() => Promise<void> | void)[] = [];
  afterAll(async () => {
    for (const undo of undos.reverse()) await undo();
  });
  return (undo) => {
    undos.push(undo);
  };
}

/** The Azure service a leg runs on, as the environment names it. */
export interface AzureTarget {
  /** Meaningful only when the leg is available. */
  connection: Extract<AzureConnection, { kind: 'identity' }>;
  /** The hub or queue named by `entityVariable` ('' when none is needed or given). */
  entity: string;
  /** Why the leg cannot run here, when it cannot (spread into the leg). */
  unavailable?: string;
}

/**
 * The Azure leg of a contract: the service's identity connection from the app's own settings
 * (`setting`, checked as the app checks it) and, where the contract needs one, the entity it
 * runs on (`entityVariable`); without them the leg is unavailable, saying which to give.
 */
export function azureTarget(
  service: keyof AzureConfig,
  setting: string,
  entityVariable?: string,
): AzureTarget {
  const connection = loadConfig(process.env).azure[service];
  const entity = entityVariable === undefined ? '' : process.env[entityVariable];
  const target = { connection: connection as AzureTarget['connection'], entity: entity ?? '' };
  if (connection?.kind === 'identity' && entity !== undefined) return target;
  const missing = entityVariable === undefined ? setting : `${setting} and ${entityVariable}`;
  return {
    ...target,
    unavailable: `no ${missing} in the environment (see README, "Running on Azure services")`,
  };
}
