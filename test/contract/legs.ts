// Contract suites: each port's behaviour written once, run against every adapter that serves it.
// A leg names its adapter and the known gaps of its stand-in; a gap is skipped by name, with its
// reason in the test's title and printed, never silently.
import { describe, it, type TestContext } from 'vitest';

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
