import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The files that run programs of their own (npm, a browser, the Bicep CLI, hosts and command lines
 * in child processes), longest first: each takes 15-60 s. Vitest runs the files that took longest
 * last time first, but a fresh clone (CI) has no last time, and vitest then orders by file size,
 * which put some of these among the last files to start and left the pool waiting on them at the end.
 */
const LONGEST = [
  'test/azure-build.test.ts',
  'test/scripts/command-line.test.ts',
  'test/web/journeys.test.ts',
  'test/infra/infra.test.ts',
  'test/scripts/dev.test.ts',
  'test/bench/chaos.test.ts',
  'test/scripts/start.test.ts',
  'test/scripts/smoke.test.ts',
  'test/local/stream-app.test.ts',
];

/**
 * Files that start nothing and change nothing of the process (no host, no child process, no
 * settings in process.env): they share a worker, one after another, instead of each paying for a
 * worker and vitest's start in it. A file that starts a host in-process needs a worker of its own:
 * the app composes its adapters once, when it loads.
 */
const UNIT = [
  'test/domain/*.test.ts',
  'test/api/api-schema.test.ts',
  'test/infra/arm.test.ts',
  'test/local/binding-expressions.test.ts',
  'test/local/durable-turn.test.ts',
  'test/local/listeners.test.ts',
  'test/local/routes.test.ts',
  'test/node-versions.test.ts',
  'test/rentals/ids.test.ts',
  'test/rentals/saga-schemas.test.ts',
  'test/rentals/saga-steps.test.ts',
  'test/rentals/crash-windows.test.ts',
  'test/events/outbox-steps.test.ts',
  'test/rentals/auth.test.ts',
  'test/rentals/entra-token.test.ts',
  'test/notices/hold-notices.test.ts',
  'test/api/busy.test.ts',
  'test/contract/cosmos-failures.test.ts',
  'test/infra/pipeline.test.ts',
  'test/layers.test.ts',
  'test/local/documents-store.test.ts',
  'test/local/events-extension.test.ts',
  'test/local/events-log.test.ts',
  'test/local/host-db.test.ts',
  'test/local/queues-extension.test.ts',
  'test/local/queues-store.test.ts',
  'test/notices/overdue-index.test.ts',
  'test/notices/redelivery.test.ts',
  'test/rentals/config.test.ts',
];

/**
 * Those files first, in that order; then the `unit` files, which run one after another in one
 * worker (about 10 s together: at the end of the run they kept one worker busy after the others were
 * done); then the rest in vitest's own order.
 */
class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (file: TestSpecification) => {
      const i = LONGEST.findIndex((name) => file.moduleId.endsWith(`/${name}`));
      if (i >= 0) return i;
      return file.project.name === 'unit' ? LONGEST.length : LONGEST.length + 1;
    };
    // Array.prototype.sort is stable: the rest keep vitest's order.
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    // Each test file in a worker thread of one process rather than a process of its own: Node's start
    // and vitest's set-up in it are paid once. Measured in turn with processes ('forks'), two pairs
    // of the whole suite on the 2-core machine: 0.91 of the processor time, 0.95 of the wall time.
    // Each worker has its own copy of process.env, so the settings a file makes for its host stay its own.
    pool: 'threads',
    projects: [
      { extends: true, test: { name: 'unit', include: UNIT, isolate: false } },
      { extends: true, test: { name: 'rest', include: ['test/**/*.test.ts'], exclude: UNIT } },
    ],
    // Four test files at a time whatever the cores: most of a file's time is spent waiting on the hosts,
    // browsers and command lines it starts, on sockets and on timers, not on the CPU. On the 2-core
    // development machine the suite took 239 s with four against 433 s with two (one run each).
    maxWorkers: 4,
    sequence: { sequencer: LongestFirst },
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
