// What the host writes at info: a line per HTTP request (method, path without its query, status,
// duration, and the invocation that answered it), and for consumers a summary of their runs instead
// of each run's own info lines (those at debug); warnings pass through as they come.
import { afterEach, describe, expect, it } from 'vitest';
import type { LocalHost } from '../../local/host/host';
import { createLogger, type LogLevel } from '../../local/host/logger';
import { readProbe } from '../fixture-app/probe';
import { startHost, waitFor } from '../helpers/hosts';

let host: LocalHost | undefined;
afterEach(async () => {
  await host?.stop();
  host = undefined;
});

async function hostLogging(level: LogLevel): Promise<{ host: LocalHost; lines: string[] }> {
  const lines: string[] = [];
  host = await startHost({ logger: createLogger(level, (line) => lines.push(line)) });
  return { host, lines };
}

/** The lines logged at `level`, without their time stamps. */
const at = (lines: string[], level: LogLevel): string[] =>
  lines.filter((l) => l.includes(`] ${level.padEnd(5)} `)).map((l) => l.replace(/^\[[^\]]+\] \w+\s+/, ''));

describe('the request log', () => {
  it('writes one line per request: method, path, status, duration and the invocation id', async () => {
    const { host, lines } = await hostLogging('info');
    const res = await fetch(`${host.url}/api/items/7?code=secret-key&x=1`);
    const { invocationId } = (await res.json()) as { invocationId: string };
    expect(invocationId).toMatch(/^[0-9a-f-]{36}$/);
    await fetch(`${host.url}/api/nothing-here`).then((r) => r.body?.cancel());
    await fetch(`${host.url}/admin/host/status`).then((r) => r.body?.cancel());
    await fetch(`${host.url}/api/items/7`, { method: 'DELETE' }).then((r) => r.body?.cancel());

    const requests = await waitFor(() => {
      const found = at(lines, 'info').filter((l) => /^[A-Z]+ \//.test(l));
      return found.length === 4 && found;
    });
    expect(requests[0]).toMatch(new RegExp(`^GET /api/items/7 200 \\d+ ms \\(Id=${invocationId}\\)$`));
    // No function ran for these (the host's own route wants the master key): no invocation id.
    expect(requests.slice(1)).toEqual([
      expect.stringMatching(/^GET \/api\/nothing-here 404 \d+ ms$/),
      expect.stringMatching(/^GET \/admin\/host\/status 401 \d+ ms$/),
      expect.stringMatching(/^DELETE \/api\/items\/7 405 \d+ ms$/),
    ]);
    expect(lines.join('\n')).not.toContain('secret-key');
  });
});

describe("consumers' lines", () => {
  async function runLogged(host: LocalHost, event: unknown): Promise<void> {
    const before = readProbe(host.db, 'eh:logged').length;
    const res = await fetch(`${host.url}/admin/functions/ehLogged`, {
      method: 'POST',
      // An admin run with trigger input wants the master key, --dev or not.
      headers: { 'Content-Type': 'application/json', 'x-functions-key': host.keys.master },
      body: JSON.stringify({ input: event }),
    });
    expect(res.status).toBe(202);
    await waitFor(() => readProbe(host.db, 'eh:logged').length === before + 1);
  }

  it('are summarised at info, each run counted, their own info lines held at debug; warnings pass', async () => {
    const { host, lines } = await hostLogging('info');
    await runLogged(host, { n: 1 });
    await runLogged(host, { n: 2 });
    await runLogged(host, { n: 3, warn: true });
    await host.stop();

    expect(lines.join('\n')).not.toContain('handled event');
    expect(at(lines, 'warn')).toContain('[ehLogged] event 3 looks wrong');
    expect(at(lines, 'info').filter((l) => l.startsWith('[ehLogged]'))).toEqual([
      expect.stringMatching(/^\[ehLogged\] 3 runs in \d+\.\d s; their 2 info lines: --log-level debug$/),
    ]);
  });

  it('are all there at debug', async () => {
    const { host, lines } = await hostLogging('debug');
    await runLogged(host, { n: 1 });
    expect(at(lines, 'debug')).toContain('[ehLogged] handled event 1');
  });
});
