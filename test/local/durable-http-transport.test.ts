// The durable client over real sockets (LOCAL_DURABLE_CLIENT_TRANSPORT=http), as in Azure where the
// client talks HTTP to the Durable extension: start, wait for completion, status, raise an event.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalHost } from '../../local/host/host';
import { startHost, waitFor } from '../helpers/hosts';

let host: LocalHost;
beforeAll(async () => {
  process.env.LOCAL_DURABLE_CLIENT_TRANSPORT = 'http';
  host = await startHost();
});
afterAll(async () => {
  await host?.stop();
  delete process.env.LOCAL_DURABLE_CLIENT_TRANSPORT;
});

interface Status {
  runtimeStatus: string;
  output: unknown;
}

const post = (path: string, body: unknown) =>
  fetch(`${host.url}/api/${path}`, { method: 'POST', body: JSON.stringify(body) });
const status = async (id: string) =>
  (await (await fetch(`${host.url}/api/durable/status/${id}`)).json()) as Status;

describe('durable client over HTTP', () => {
  it('starts an orchestration and reads its output; the status URL points at this host', async () => {
    const started = await post('durable/start/durableChain', ['a', 'b']);
    expect(started.status).toBe(202);
    const { id, statusQueryGetUri } = (await started.json()) as { id: string; statusQueryGetUri: string };
    expect(statusQueryGetUri.startsWith(`${host.url}/runtime/webhooks/durabletask/instances/${id}`)).toBe(
      true,
    );
    const done = await waitFor(async () => {
      const s = await status(id);
      return s.runtimeStatus === 'Completed' && s;
    });
    expect(done.output).toEqual(['Hello a!', 'Hello b!']);
  });

  it('waits for completion and answers with the output', async () => {
    const res = await post('durable/run/durableChain', ['c']);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(['Hello c!']);
  });

  it('raises an event that wins the race against a timer', async () => {
    const { id } = (await (await post('durable/start/durableApproval', null)).json()) as { id: string };
    await waitFor(async () => (await status(id)).runtimeStatus === 'Running');
    expect((await post(`durable/raise/${id}/Approval`, { manager: 'lee' })).status).toBe(202);
    const done = await waitFor(async () => {
      const s = await status(id);
      return s.runtimeStatus === 'Completed' && s;
    });
    expect(done.output).toEqual({ outcome: 'approved', by: { manager: 'lee' } });
  });
});
