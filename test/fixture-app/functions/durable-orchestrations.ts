// Orchestrations and activities that exercise each durable pattern. Activities record what they did
// in the probe table so tests (and a restarted host) can count executions and effects.
import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler } from 'durable-functions';
import { count, readProbe, record } from '../probe';
import { getService } from '../../../local/host/services';
import type { Database } from 'better-sqlite3';

const minutes = (context: OrchestrationContext, n: number): Date =>
  new Date(context.df.currentUtcDateTime.getTime() + n * 60_000);

function attempts(kind: string): number {
  return readProbe(getService<Database>('db'), `count:${kind}`).length;
}

// ---- activities ----

df.app.activity('durableHello', { handler: (name: string) => `Hello ${name}!` });

df.app.activity('durableDouble', { handler: (n: number) => n * 2 });

df.app.activity('durableEcho', {
  handler: (input: unknown) => ({ received: input === undefined ? 'undefined' : input }),
});

df.app.activity('durableIdentity', { handler: (input: unknown) => input });

/** Fails until it has been called more than `failTimes` times for `key`. */
df.app.activity('durableFlaky', {
  handler: (input: { key: string; failTimes: number }) => {
    count(`flaky:${input.key}`);
    const n = attempts(`flaky:${input.key}`);
    if (n <= input.failTimes) throw new Error(`flaky failure ${n}`);
    return `succeeded on attempt ${n}`;
  },
});

df.app.activity('durableReserve', {
  handler: (order: { id: string }) => record('saga:reserved', order.id, order.id),
});

df.app.activity('durableCharge', {
  handler: (order: { id: string; declined?: boolean }) => {
    if (order.declined) throw new Error(`card declined for ${order.id}`);
    record('saga:charged', order.id, order.id);
  },
});

df.app.activity('durableRelease', {
  handler: (order: { id: string }) => record('saga:released', order.id, order.id),
});

/** Takes a while (real time), then records its effect once per (instance, step). */
df.app.activity('durableSlowStep', {
  handler: async (input: { id: string; step: number; ms: number }) => {
    count('slow');
    await new Promise((resolve) => setTimeout(resolve, input.ms));
    record('slow:effect', input, `${input.id}:${input.step}`);
    return input.step * 10;
  },
});

// ---- orchestrations ----

df.app.orchestration('durableChain', function* (context: OrchestrationContext) {
  const names = context.df.getInput<string[]>();
  const out: unknown[] = [];
  for (const name of names) out.push(yield context.df.callActivity('durableHello', name));
  return out;
});

df.app.orchestration('durableFanOut', function* (context: OrchestrationContext) {
  const n = context.df.getInput<number>();
  const tasks = Array.from({ length: n }, (_, i) => context.df.callActivity('durableDouble', i + 1));
  const results = (yield context.df.Task.all(tasks)) as number[];
  return { results, sum: results.reduce((a, b) => a + b, 0) };
});

/** Inputs of every shape an activity can get, and what comes back. */
df.app.orchestration('durableInputs', function* (context: OrchestrationContext) {
  const out: unknown[] = [];
  for (const input of ['text', '42', 7, { a: 1 }, [1, 2], null, undefined, true]) {
    out.push(yield context.df.callActivity('durableEcho', input));
  }
  return out;
});

/** Results of every shape an activity can return, as the orchestrator receives them. */
df.app.orchestration('durableOutputs', function* (context: OrchestrationContext) {
  const out: unknown[] = [];
  for (const value of ['text', '42', 7, 1.5, { a: 1 }, [1, 2], null, true]) {
    out.push(yield context.df.callActivity('durableIdentity', value));
  }
  return out;
});

df.app.orchestration('durableRetry', function* (context: OrchestrationContext) {
  const input = context.df.getInput<{ key: string; failTimes: number; attempts: number }>();
  const retry = new df.RetryOptions(60_000, input.attempts);
  retry.backoffCoefficient = 2;
  try {
    return yield context.df.callActivityWithRetry('durableFlaky', retry, input);
  } catch (err) {
    return { gaveUp: (err as Error).message };
  }
});

df.app.orchestration('durableTimer', function* (context: OrchestrationContext) {
  const started = context.df.currentUtcDateTime.toISOString();
  yield context.df.createTimer(minutes(context, context.df.getInput<number>()));
  return { started, firedAt: context.df.currentUtcDateTime.toISOString() };
});

/** An approval racing a one-hour deadline. */
df.app.orchestration('durableApproval', function* (context: OrchestrationContext) {
  const deadline = context.df.createTimer(minutes(context, 60));
  const approval = context.df.waitForExternalEvent('Approval');
  const winner = yield context.df.Task.any([approval, deadline]);
  if (winner === approval) {
    deadline.cancel();
    return { outcome: 'approved', by: approval.result };
  }
  return { outcome: 'timed out' };
});

/** Waits for two events; they may arrive before the orchestrator waits for them. */
df.app.orchestration('durableTwoEvents', function* (context: OrchestrationContext) {
  const first = yield context.df.waitForExternalEvent('First');
  const second = yield context.df.waitForExternalEvent('Second');
  return [first, second];
});

df.app.orchestration('durableChild', function* (context: OrchestrationContext) {
  const input = context.df.getInput<{ name: string; fail?: boolean }>();
  if (input.fail) throw new Error(`child ${input.name} refused`);
  return {
    child: context.df.instanceId,
    parent: context.df.parentInstanceId,
    greeting: yield context.df.callActivity('durableHello', input.name),
  };
});

df.app.orchestration('durableParent', function* (context: OrchestrationContext) {
  const named = yield context.df.callSubOrchestrator(
    'durableChild',
    { name: 'A' },
    `${context.df.instanceId}-named`,
  );
  const unnamed = yield context.df.callSubOrchestrator('durableChild', { name: 'B' });
  let failure: string | undefined;
  try {
    yield context.df.callSubOrchestrator('durableChild', { name: 'C', fail: true });
  } catch (err) {
    failure = (err as Error).message;
  }
  return { named, unnamed, failure };
});

/** Reserve, then charge; a declined charge releases the reservation (compensation). */
df.app.orchestration('durableSaga', function* (context: OrchestrationContext) {
  const order = context.df.getInput<{ id: string; declined?: boolean }>();
  yield context.df.callActivity('durableReserve', order);
  try {
    yield context.df.callActivity('durableCharge', order);
    return { status: 'completed' };
  } catch (err) {
    yield context.df.callActivity('durableRelease', order);
    return { status: 'compensated', reason: (err as Error).message };
  }
});

/** Counts to `until` through continue-as-new, one execution per step. */
df.app.orchestration('durableCounter', function* (context: OrchestrationContext) {
  const state = context.df.getInput<{ n: number; until: number }>();
  yield context.df.callActivity('durableDouble', state.n);
  if (state.n >= state.until) return { n: state.n };
  context.df.continueAsNew({ n: state.n + 1, until: state.until });
  return undefined;
});

df.app.orchestration('durableCustomStatus', function* (context: OrchestrationContext) {
  context.df.setCustomStatus({ stage: 'waiting for go' });
  const go = yield context.df.waitForExternalEvent('go');
  context.df.setCustomStatus({ stage: 'done', go });
  return 'finished';
});

df.app.orchestration('durableWaitForever', function* (context: OrchestrationContext) {
  yield context.df.waitForExternalEvent('never');
});

df.app.orchestration('durableFails', function* (context: OrchestrationContext) {
  yield context.df.callActivity('durableHello', 'before failing');
  throw new Error('orchestrator boom');
});

/** Three slow steps then a one-minute timer, for the crash test. */
const slowSteps: OrchestrationHandler = function* (context: OrchestrationContext) {
  const { ms } = context.df.getInput<{ ms: number }>();
  const results: unknown[] = [];
  for (let step = 1; step <= 3; step++) {
    results.push(yield context.df.callActivity('durableSlowStep', { id: context.df.instanceId, step, ms }));
  }
  yield context.df.createTimer(minutes(context, 1));
  return results;
};
df.app.orchestration('durableSlow', slowSteps);

/** Retryable and plain tasks fanned out together, so retries interleave with other completions. */
df.app.orchestration('durableRetryFanOut', function* (context: OrchestrationContext) {
  const key = context.df.getInput<string>();
  const retry = new df.RetryOptions(1_000, 3);
  const tasks = [];
  for (let i = 0; i < 4; i++) {
    tasks.push(
      context.df.callActivityWithRetry('durableFlaky', retry, { key: `${key}-${i}`, failTimes: i % 3 }),
    );
    tasks.push(context.df.callActivity('durableDouble', i));
  }
  const results = yield context.df.Task.all(tasks);
  const after = yield context.df.callActivity('durableHello', 'after');
  return { results, after };
});

df.app.orchestration('durableFlakyChild', function* (context: OrchestrationContext) {
  return yield context.df.callActivity('durableFlaky', context.df.getInput());
});

df.app.orchestration('durableSubRetry', function* (context: OrchestrationContext) {
  const retry = new df.RetryOptions(1_000, 3);
  return yield context.df.callSubOrchestratorWithRetry('durableFlakyChild', retry, context.df.getInput());
});

// Deliberately wrong: module state changes what replay asks for.
let nondeterministicRuns = 0;
df.app.orchestration('durableNondeterministic', function* (context: OrchestrationContext) {
  nondeterministicRuns++;
  yield context.df.callActivity(nondeterministicRuns % 2 ? 'durableHello' : 'durableDouble', 1);
  yield context.df.callActivity('durableHello', 'second');
});
