// `npm run events -- tail [--hub rentbook-events] [--url URL] [--db FILE] [--from-start] [--json]`:
// prints the events of a hub on a local dev host (`npm start`) as they arrive, one line each —
// enqueued time, partition, sequence number, partition key, type and subject (or the whole event
// with --json). It reads GET /admin/eventhubs/{hub}/events, so the host must run with --dev; the
// route needs the host's master key: LOCAL_MASTER_KEY, or the one kept beside the data file.
import { parseArgs } from 'node:util';
import { resolveHostKeys } from '../local/host/keys';

interface Listed {
  partitions: { partitionId: string; lastSequenceNumber: number }[];
  events: {
    partitionId: string;
    sequenceNumber: number;
    enqueuedTimeUtc: string;
    partitionKey: string | null;
    body: unknown;
  }[];
}

const usage = 'usage: events tail [--hub NAME] [--url URL] [--db FILE] [--from-start] [--json]';

function fail(message: string): never {
  process.stderr.write(`events: ${message}\n${usage}\n`);
  process.exit(2);
}

async function list(base: string, key: string, query: string): Promise<Listed | undefined> {
  const res = await fetch(`${base}?${query}`, { headers: { 'x-functions-key': key } });
  if (res.status === 404) return undefined; // no event yet: the hub is made by the first one
  if (res.status !== 200) fail(`the host answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as Listed;
}

function line(e: Listed['events'][number], json: boolean): string {
  if (json) return JSON.stringify(e);
  const body = (e.body ?? {}) as { type?: string; subject?: string };
  return [
    e.enqueuedTimeUtc,
    `p${e.partitionId}`,
    `#${e.sequenceNumber}`,
    e.partitionKey ?? '-',
    body.type ?? '?',
    body.subject ?? '',
  ].join('  ');
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        hub: { type: 'string', default: 'rentbook-events' },
        url: { type: 'string', default: `http://127.0.0.1:${process.env.PORT ?? 7071}` },
        db: { type: 'string', default: '.data/local.db' },
        'from-start': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
      },
      strict: true,
    });
  } catch (err) {
    fail((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1 || positionals[0] !== 'tail') fail('say what to do: tail.');
  const base = `${values.url}/admin/eventhubs/${encodeURIComponent(values.hub)}/events`;
  const key = resolveHostKeys(values.db).master;
  // Next sequence number to read, per partition.
  const next = new Map<string, number>();
  let stopped = false;
  process.once('SIGINT', () => (stopped = true));
  while (!stopped) {
    const overview = await list(base, key, 'limit=1');
    for (const { partitionId, lastSequenceNumber } of overview?.partitions ?? []) {
      if (!next.has(partitionId)) next.set(partitionId, values['from-start'] ? 0 : lastSequenceNumber + 1);
      for (;;) {
        const page = await list(
          base,
          key,
          `partition=${partitionId}&fromSequenceNumber=${next.get(partitionId)}&limit=500`,
        );
        for (const e of page?.events ?? []) {
          process.stdout.write(line(e, values.json) + '\n');
          next.set(partitionId, e.sequenceNumber + 1);
        }
        if ((page?.events.length ?? 0) < 500) break;
      }
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}

main().catch((err: Error) => fail(err.message));
