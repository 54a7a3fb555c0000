// The durable engine through the local host and the REAL durable client over HTTP: the fixture's
// HTTP functions call `df.getClient(context)`; orchestrators replay in the real durable-functions
// library. Time-based behaviour is driven with the host's controllable clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalHost } from '../../local/host/host';
import { readProbe } from '../fixture-app/probe';
import { startHost, waitFor } from '../helpers/hosts';

let host: LocalHost;
beforeAll(async () => {
  host = await startHost();
});
afterAll(async () => {
  await host?.stop();
});

interface CheckStatus {
  id: string;
  statusQueryGetUri: string;
  sendEventPostUri: string;
  terminatePostUri: string;
  purgeHistoryDeleteUri: string;
}

interface Status {
  name: string;
  instanceId: string;
  runtimeStatus: string;
  input: unknown;
  output: unknown;
  customStatus: unknown;
  createdTime: string;
  lastUpdatedTime: string;
  historyEvents?: Record<string, unknown>[];
}

const api = (path: string, init?: RequestInit) => fetch(`${host.url}/api/${path}`, init);
/** The durable extension's own API, with its system key (as in Azure, it needs one). */
const webhook = (path: string, init: RequestInit = {}) =>
  fetch(`${host.url}/runtime/webhooks/durabletask/${path}`, {
    ...init,
    headers: { 'x-functions-key': host.keys.system.durabletask_extension },
  });
const post = (path: string, body?: unknown) =>
  api(path, { method: 'POST', body: body === undefined ? undefined : JSON.stringify(body) });

async function start(name: string, input?: unknown, id?: string): Promise<CheckStatus> {
  const res = await post(`durable/start/${name}${id ? `/${id}` : ''}`, input);
  expect(res.status).toBe(202);
  return (await res.json()) as CheckStatus;
}

async function status(id: string, query = ''): Promise<Status> {
  const res = await api(`durable/status/${id}${query}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Status;
}

async function finished(id: string): Promise<Status> {
  return waitFor(
    async () => {
      const s = await status(id);
      return ['Completed', 'Failed', 'Terminated'].includes(s.runtimeStatus) && s;
    },
    20_000,
    `instance ${id} to finish`,
  );
}

async function reaches(id: string, check: (s: Status) => boolean, what: string): Promise<Status> {
  return waitFor(
    async () => {
      const s = await status(id);
      return check(s) && s;
    },
    20_000,
    what,
  );
}

const probe = (kind: string) => readProbe(host.db, kind);

/** Waits until the instance has created `n` durable timers; returns each one's delay. */
async function retryDelays(id: string, n: number): Promise<number[]> {
  const timers = await waitFor(
    async () => {
      const created = (await rawStatus(id, '?showHistory=true')).historyEvents!.filter(
        (e) => e.EventType === 'TimerCreated',
      );
      return created.length === n && created;
    },
    10_000,
    `${n} retry timer(s)`,
  );
  return timers.map((t) => Date.parse(t.FireAt as string) - Date.parse(t.Timestamp as string));
}

/** Moves the clock a minute at a time until the instance finishes (retry timers fire on the way). */
async function advanceUntilFinished(id: string): Promise<Status> {
  return waitFor(
    async () => {
      const s = await status(id);
      if (['Completed', 'Failed', 'Terminated'].includes(s.runtimeStatus)) return s;
      host.clock.advance(60_000);
      return false;
    },
    20_000,
    `instance ${id} to finish`,
  );
}

/** The extension's status API itself (the JS client drops `historyEvents`: durable-js issue #620). */
async function rawStatus(id: string, query = ''): Promise<Status> {
  const res = await webhook(`instances/${id}${query}`);
  expect([200, 202]).toContain(res.status);
  return (await res.json()) as Status;
}

describe('orchestrations', () => {
  it('chains activities and returns their results (start and wait through the client)', async () => {
    const res = await post('durable/run/durableChain', ['Tokyo', 'Seattle', 'London']);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(['Hello Tokyo!', 'Hello Seattle!', 'Hello London!']);
  });

  it('fans out and fans in', async () => {
    const { id } = await start('durableFanOut', 10);
    const s = await finished(id);
    expect(s.runtimeStatus).toBe('Completed');
    expect(s.output).toEqual({ results: [2, 4, 6, 8, 10, 12, 14, 16, 18, 20], sum: 110 });
  });

  it('hands activities their input unchanged, whatever its JSON type', async () => {
    const { id } = await start('durableInputs');
    const s = await finished(id);
    expect(s.output).toEqual([
      { received: 'text' },
      { received: '42' },
      { received: 7 },
      { received: { a: 1 } },
      { received: [1, 2] },
      { received: null },
      { received: 'undefined' },
      { received: true },
    ]);
  });

  it('hands the orchestrator activity results unchanged, a numeric string still a string', async () => {
    const { id } = await start('durableOutputs');
    const s = await finished(id);
    expect(s.output).toEqual(['text', '42', 7, 1.5, { a: 1 }, [1, 2], null, true]);
  });

  it('runs sub-orchestrations with given and generated instance ids, and reports a failed one', async () => {
    const { id } = await start('durableParent', undefined, 'parent-1');
    const s = await finished(id);
    expect(s.runtimeStatus).toBe('Completed');
    const out = s.output as {
      named: Record<string, unknown>;
      unnamed: Record<string, unknown>;
      failure: string;
    };
    expect(out.named).toEqual({ child: 'parent-1-named', parent: 'parent-1', greeting: 'Hello A!' });
    expect(out.unnamed.parent).toBe('parent-1');
    expect(out.unnamed.greeting).toBe('Hello B!');
    expect(out.unnamed.child).toMatch(/^parent-1:/);
    expect(out.failure).toContain('child C refused');
    expect((await status('parent-1-named')).runtimeStatus).toBe('Completed');
  });

  it('compensates a saga: a declined charge releases the reservation', async () => {
    const ok = await finished((await start('durableSaga', { id: 'order-ok' })).id);
    expect(ok.output).toEqual({ status: 'completed' });
    const declined = await finished((await start('durableSaga', { id: 'order-bad', declined: true })).id);
    expect(declined.runtimeStatus).toBe('Completed');
    expect(declined.output).toMatchObject({ status: 'compensated' });
    expect((declined.output as { reason: string }).reason).toContain(
      "Activity function 'durableCharge' failed",
    );
    expect((declined.output as { reason: string }).reason).toContain('card declined for order-bad');
    expect(probe('saga:reserved')).toEqual(['order-ok', 'order-bad']);
    expect(probe('saga:charged')).toEqual(['order-ok']);
    expect(probe('saga:released')).toEqual(['order-bad']);
  });

  it('continues as new with a fresh history and the same instance id', async () => {
    const { id } = await start('durableCounter', { n: 1, until: 5 });
    const s = await finished(id);
    expect(s.runtimeStatus).toBe('Completed');
    expect(s.output).toEqual({ n: 5 });
    expect(s.input).toEqual({ n: 5, until: 5 });
    const history = (await rawStatus(id, '?showHistory=true')).historyEvents!;
    // Only the last execution: one start, one activity, one completion.
    expect(history.map((e) => e.EventType)).toEqual([
      'ExecutionStarted',
      'TaskCompleted',
      'ExecutionCompleted',
    ]);
  });

  it('fails an orchestration whose replay no longer matches its history', async () => {
    const { id } = await start('durableNondeterministic');
    const s = await finished(id);
    expect(s.runtimeStatus).toBe('Failed');
    expect(s.output).toContain('Non-Deterministic workflow detected: action 0 was CallActivity durableHello');
  });

  it('fails the instance when the orchestrator throws, with the error as output', async () => {
    const { id } = await start('durableFails');
    const s = await finished(id);
    expect(s.runtimeStatus).toBe('Failed');
    expect(s.output).toBe("Orchestrator function 'durableFails' failed: orchestrator boom");
  });
});

describe('retries', () => {
  it('retries a failing activity with backoff on durable timers until it succeeds', async () => {
    const { id } = await start('durableRetry', { key: 'twice', failTimes: 2, attempts: 4 });
    const attempts = () => probe('count:flaky:twice').length;
    // First retry 60 s after the failure, the second 120 s after (backoffCoefficient 2).
    expect(await retryDelays(id, 1)).toEqual([60_000]);
    // Short of the 60 s by more than the real time a loaded machine takes to get here.
    host.clock.advance(55_000);
    await new Promise((r) => setTimeout(r, 200));
    expect(attempts()).toBe(1);
    host.clock.advance(6_000);
    expect(await retryDelays(id, 2)).toEqual([60_000, 120_000]);
    expect(attempts()).toBe(2);
    host.clock.advance(121_000);
    const s = await finished(id);
    expect(attempts()).toBe(3);
    expect(s.output).toBe('succeeded on attempt 3');
  });

  it('gives up after maxNumberOfAttempts and lets the orchestrator catch the failure', async () => {
    const { id } = await start('durableRetry', { key: 'always', failTimes: 100, attempts: 3 });
    for (let n = 1; n <= 3; n++) {
      await retryDelays(id, n);
      host.clock.advance(10 * 60_000);
    }
    const s = await finished(id);
    expect(probe('count:flaky:always').length).toBe(3);
    expect(s.runtimeStatus).toBe('Completed');
    expect((s.output as { gaveUp: string }).gaveUp).toContain('flaky failure 3');
  });

  it('keeps replay deterministic when retries interleave with other tasks of a fan-out', async () => {
    const { id } = await start('durableRetryFanOut', 'mix');
    const s = await advanceUntilFinished(id);
    expect(s.runtimeStatus).toBe('Completed');
    expect(s.output).toEqual({
      results: [
        'succeeded on attempt 1',
        0,
        'succeeded on attempt 2',
        2,
        'succeeded on attempt 3',
        4,
        'succeeded on attempt 1',
        6,
      ],
      after: 'Hello after!',
    });
  });

  it('retries a failing sub-orchestration with a new child each time', async () => {
    const { id } = await start('durableSubRetry', { key: 'child', failTimes: 2 });
    const s = await advanceUntilFinished(id);
    expect(s.runtimeStatus).toBe('Completed');
    expect(s.output).toBe('succeeded on attempt 3');
  });
});

describe('timers and external events', () => {
  it('fires a durable timer when the host clock reaches it', async () => {
    const { id } = await start('durableTimer', 30);
    const running = await reaches(id, (s) => s.runtimeStatus === 'Running', 'the timer to be set');
    host.clock.advance(29 * 60_000);
    await new Promise((r) => setTimeout(r, 200));
    expect((await status(id)).runtimeStatus).toBe('Running');
    host.clock.advance(60_000);
    const s = await finished(id);
    const out = s.output as { started: string; firedAt: string };
    expect(Date.parse(out.firedAt) - Date.parse(out.started)).toBeGreaterThanOrEqual(30 * 60_000);
    expect(running.runtimeStatus).toBe('Running');
  });

  it('lets an external event win the race against a timer', async () => {
    const { id } = await start('durableApproval');
    await reaches(id, (s) => s.runtimeStatus === 'Running', 'the orchestration to wait');
    expect((await post(`durable/raise/${id}/Approval`, { manager: 'kim' })).status).toBe(202);
    const s = await finished(id);
    expect(s.output).toEqual({ outcome: 'approved', by: { manager: 'kim' } });
  });

  it('lets the timer win the race when no event comes', async () => {
    const { id } = await start('durableApproval');
    await reaches(id, (s) => s.runtimeStatus === 'Running', 'the orchestration to wait');
    host.clock.advance(61 * 60_000);
    const s = await finished(id);
    expect(s.output).toEqual({ outcome: 'timed out' });
  });

  it('buffers events raised before the orchestrator waits for them', async () => {
    const { id } = await start('durableTwoEvents');
    await reaches(id, (s) => s.runtimeStatus === 'Running', 'the orchestration to wait');
    expect((await post(`durable/raise/${id}/Second`, 2)).status).toBe(202);
    expect((await post(`durable/raise/${id}/First`, 1)).status).toBe(202);
    expect((await finished(id)).output).toEqual([1, 2]);
  });

  it('shows the custom status while running and after', async () => {
    const { id } = await start('durableCustomStatus');
    const waiting = await reaches(id, (s) => s.customStatus !== null, 'the custom status');
    expect(waiting.runtimeStatus).toBe('Running');
    expect(waiting.customStatus).toEqual({ stage: 'waiting for go' });
    await post(`durable/raise/${id}/go`, 'now');
    const s = await finished(id);
    expect(s.customStatus).toEqual({ stage: 'done', go: 'now' });
    expect(s.output).toBe('finished');
  });
});

describe('instance management', () => {
  it('terminates a running instance, then answers 410 to terminate and raise-event', async () => {
    const check = await start('durableWaitForever');
    await reaches(check.id, (s) => s.runtimeStatus === 'Running', 'the orchestration to wait');
    expect((await api(`durable/terminate/${check.id}?reason=enough`, { method: 'POST' })).status).toBe(202);
    const s = await finished(check.id);
    expect(s.runtimeStatus).toBe('Terminated');
    expect(s.output).toBe('enough');
    // The raw API, through the URLs the check-status response gave.
    const terminateUrl = check.terminatePostUri.replace('{text}', 'again');
    expect((await fetch(terminateUrl, { method: 'POST' })).status).toBe(410);
    const raiseUrl = check.sendEventPostUri.replace('{eventName}', 'never');
    const raised = await fetch(raiseUrl, {
      method: 'POST',
      body: '1',
      headers: { 'content-type': 'application/json' },
    });
    expect(raised.status).toBe(410);
  });

  it('purges a finished instance and refuses to purge a running one', async () => {
    const { id, purgeHistoryDeleteUri } = await start('durableChain', ['x']);
    await finished(id);
    const res = await api(`durable/purge/${id}`, { method: 'DELETE' });
    expect(await res.json()).toEqual({ instancesDeleted: 1 });
    expect((await fetch(purgeHistoryDeleteUri, { method: 'DELETE' })).status).toBe(404);
    const gone = await api(`durable/status/${id}`);
    expect(((await gone.json()) as { error: string }).error).toContain('404');

    const running = await start('durableWaitForever');
    await reaches(running.id, (s) => s.runtimeStatus === 'Running', 'the orchestration to wait');
    expect((await fetch(running.purgeHistoryDeleteUri, { method: 'DELETE' })).status).toBe(412);
  });

  it('purges finished instances by filter', async () => {
    expect((await webhook('instances', { method: 'DELETE' })).status).toBe(400);
    const { id } = await start('durableWaitForever');
    await reaches(id, (s) => s.runtimeStatus === 'Running', 'the orchestration to wait');
    await api(`durable/terminate/${id}`, { method: 'POST' });
    await finished(id);
    const from = new Date(host.clock.now() - 3_600_000).toISOString();
    const res = await webhook(`instances?createdTimeFrom=${from}&runtimeStatus=Terminated`, {
      method: 'DELETE',
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { instancesDeleted: number }).instancesDeleted).toBeGreaterThanOrEqual(1);
    expect((await webhook(`instances/${id}`)).status).toBe(404);
    const again = await webhook(`instances?createdTimeFrom=${from}&runtimeStatus=Terminated`, {
      method: 'DELETE',
    });
    expect(again.status).toBe(404);
  });

  it('refuses to start an instance id that is running, and restarts a finished one', async () => {
    await start('durableWaitForever', undefined, 'only-one');
    const again = await webhook('orchestrators/durableWaitForever/only-one', { method: 'POST' });
    expect(again.status).toBe(409);
    await post('durable/terminate/only-one');
    await finished('only-one');
    const { id } = await start('durableChain', ['again'], 'only-one');
    expect((await finished(id)).output).toEqual(['Hello again!']);
  });

  it('returns status with input and history on request, and lists instances by status', async () => {
    const { id } = await start('durableChain', ['H']);
    await finished(id);
    const s = await rawStatus(id, '?showHistory=true&showHistoryOutput=true');
    expect(s).toMatchObject({
      name: 'durableChain',
      instanceId: id,
      runtimeStatus: 'Completed',
      input: ['H'],
    });
    expect(s.createdTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(s.historyEvents!.map((e) => e.EventType)).toEqual([
      'ExecutionStarted',
      'TaskCompleted',
      'ExecutionCompleted',
    ]);
    expect(s.historyEvents![1]).toMatchObject({ FunctionName: 'durableHello', Result: 'Hello H!' });
    expect((await rawStatus(id, '?showInput=false')).input).toBeNull();

    const listed = (await (await api('durable/instances?runtimeStatus=Completed')).json()) as {
      instanceId: string;
    }[];
    expect(listed.map((l) => l.instanceId)).toContain(id);
    const all = (await (await api('durable/instances')).json()) as { runtimeStatus: string }[];
    expect(all.some((l) => l.runtimeStatus === 'Running')).toBe(true);
  });

  it('builds management URLs that point at this host and carry the system key', async () => {
    const check = await start('durableChain', ['u']);
    const code = encodeURIComponent(host.keys.system.durabletask_extension);
    expect(check.statusQueryGetUri).toBe(
      `${host.url}/runtime/webhooks/durabletask/instances/${check.id}?taskHub=FixtureHub&connection=Storage&code=${code}`,
    );
    const payload = (await (await api(`durable/payload/${check.id}`)).json()) as CheckStatus;
    expect(payload.id).toBe(check.id);
    expect(payload.statusQueryGetUri).toBe(check.statusQueryGetUri);
    await finished(check.id);
    const res = await fetch(check.statusQueryGetUri);
    expect(res.status).toBe(200);
    expect(((await res.json()) as Status).output).toEqual(['Hello u!']);
  });

  it('answers the raw status API with 202 and Location while running, 404 for an unknown id', async () => {
    const check = await start('durableWaitForever');
    const res = await fetch(check.statusQueryGetUri);
    expect(res.status).toBe(202);
    expect(res.headers.get('location')).toContain(`/runtime/webhooks/durabletask/instances/${check.id}`);
    const unknown = await webhook('instances/no-such-id');
    expect(unknown.status).toBe(404);
    const badName = await webhook('orchestrators/noSuchOrchestrator', { method: 'POST' });
    expect(badName.status).toBe(400);
  });
});
