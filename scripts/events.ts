// `npm run events -- tail [--hub rentbook-events] [--url URL] [--db FILE] [--from-start] [--json]`:
// prints the events of a hub on a local dev host (`npm start`) as they arrive, one line each —
// enqueued time, partition, sequence number, partition key, type and subject (or the whole event
// with --json). It reads GET /admin/eventhubs/{hub}/events, so the host must run with --dev; the
// route needs the host's master key: LOCAL_MASTER_KEY, or the one kept beside the data file.
import { resolveHostKeys } from '../local/host/keys';
import { failure, hostToTalkTo, parseCommandLine, usageError, type Command } from './lib/command-line';

interface Listed {
  /** What the hub keeps, an ISO 8601 duration on the host's clock. */
  retention: string;
  partitions: { partitionId: string; beginningSequenceNumber: number; lastSequenceNumber: number }[];
  events: {
    partitionId: string;
    sequenceNumber: number;
    enqueuedTimeUtc: string;
    partitionKey: string | null;
    body: unknown;
  }[];
}

const command: Command = {
  name: 'events',
  usage: 'usage: events tail [--hub NAME] [--url URL] [--db FILE] [--from-start] [--json]',
  help: `
tail: prints the events of a hub on a local dev host (npm start) as they arrive, one line each:
enqueued time, partition, sequence number, partition key, type and subject. Stop it with Ctrl+C.
It says first (on stderr) how long the hub keeps an event (its retention, on the host's clock) and
how many have passed that and are gone, and later how many went before they were read.

  --hub NAME       the event hub (default rentbook-events)
  --db FILE        the host's data file (default .data/local.db): the host running on it is the one
                   read, with the master key kept beside it (or LOCAL_MASTER_KEY)
  --url URL        the host to read instead, such as http://127.0.0.1:7071
  --from-start     every event the hub still holds, not only those arriving from now on
  --json           each event whole, as JSON
  --help           this text`,
};

async function list(base: string, key: string, query: string): Promise<Listed | undefined> {
  const res = await fetch(`${base}?${query}`, { headers: { 'x-functions-key': key } });
  if (res.status === 404) return undefined; // no event yet: the hub is made by the first one
  if (res.status !== 200) failure(command, `the host answered ${res.status}: ${await res.text()}`);
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

/** How long the hub keeps an event, and how many events have passed that (sequence numbers start at 0). */
function retentionSummary(hub: string, listed: Listed): string {
  let gone = 0;
  let held = 0;
  for (const p of listed.partitions) {
    gone += p.beginningSequenceNumber;
    held += p.lastSequenceNumber + 1 - p.beginningSequenceNumber;
  }
  return (
    `${hub} keeps an event for ${listed.retention} (its retention, on the host's clock): ` +
    `${gone} event${gone === 1 ? ' has' : 's have'} passed that and ${gone === 1 ? 'is' : 'are'} gone, ${held} ${held === 1 ? 'is' : 'are'} held`
  );
}

async function main(): Promise<void> {
  // The one command, `tail`, comes first; what follows are its options.
  const args = process.argv.slice(2);
  if (args[0] !== undefined && !args[0].startsWith('-') && args[0] !== 'tail')
    usageError(command, `there is no command "${args[0]}"; the one command is tail.`);
  const verb = args[0] === 'tail' ? args.shift() : undefined;
  const values = parseCommandLine(
    command,
    {
      hub: { type: 'string', default: 'rentbook-events' },
      url: { type: 'string' },
      db: { type: 'string', default: '.data/local.db' },
      'from-start': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
    args,
  );
  if (verb === undefined) usageError(command, 'say what to do: tail.');
  const base = `${hostToTalkTo(command, values)}/admin/eventhubs/${encodeURIComponent(values.hub)}/events`;
  const key = resolveHostKeys(values.db).master;
  // Next sequence number to read, per partition.
  const next = new Map<string, number>();
  let stopped = false;
  let told = false;
  process.once('SIGINT', () => (stopped = true));
  while (!stopped) {
    const overview = await list(base, key, 'limit=1');
    if (overview && !told) {
      told = true;
      process.stderr.write(`events: ${retentionSummary(values.hub, overview)}\n`);
    }
    for (const { partitionId, beginningSequenceNumber, lastSequenceNumber } of overview?.partitions ?? []) {
      const from = next.get(partitionId);
      if (from === undefined) {
        next.set(partitionId, values['from-start'] ? beginningSequenceNumber : lastSequenceNumber + 1);
      } else if (from < beginningSequenceNumber) {
        const lost = beginningSequenceNumber - from;
        process.stderr.write(
          `events: ${lost} event${lost === 1 ? '' : 's'} of partition ${partitionId} passed the retention (${overview!.retention}) before they were read\n`,
        );
        next.set(partitionId, beginningSequenceNumber);
      }
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

main().catch((err: Error) => failure(command, err.message));
