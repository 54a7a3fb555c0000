// `npm run views:rebuild -- [--url URL] [--db FILE]`: asks the running app to recompute every view
// from the write model (POST /api/views/rebuild, as a librarian) and shows its progress until it
// is done; prints the final status as JSON. The token is signed with the local secret (as
// `npm run token` does): LOCAL_AUTH_SECRET, or the one kept beside the data file.
import { parseArgs } from 'node:util';
import { Presets, SingleBar } from 'cli-progress';
import { resolveLocalAuthSecret } from '../local/host/auth-secret';
import { signLocalToken } from '../shared/local-token';

interface Status {
  id: string;
  status: 'running' | 'completed' | 'failed';
  statusUrl?: string;
  progress: { members: number; done: number; items: number } | null;
}

const usage = 'usage: views:rebuild [--url http://127.0.0.1:7071] [--db .data/local.db]';

function fail(message: string): never {
  process.stderr.write(`views:rebuild: ${message}\n${usage}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        url: { type: 'string', default: `http://127.0.0.1:${process.env.PORT ?? 7071}` },
        db: { type: 'string', default: '.data/local.db' },
      },
      strict: true,
    }));
  } catch (err) {
    fail((err as Error).message);
  }
  const token = await signLocalToken(resolveLocalAuthSecret(values.db), { librarian: 'views-rebuild' });
  const headers = { Authorization: `Bearer ${token}` };
  const started = await fetch(`${values.url}/api/views/rebuild`, { method: 'POST', headers });
  if (started.status !== 202) fail(`the app answered ${started.status}: ${await started.text()}`);
  let status = (await started.json()) as Status;
  const statusUrl = new URL(status.statusUrl ?? `/api/views/rebuild/${status.id}`, values.url);
  // On stderr: redrawn on a terminal, a line every two seconds otherwise (as `npm run seed` shows its).
  const bar = new SingleBar(
    { format: 'members [{bar}] {value}/{total}', noTTYOutput: true, notTTYSchedule: 2000 },
    Presets.legacy,
  );
  bar.start(status.progress?.members ?? 0, 0);
  const show = (p: Status['progress']) => {
    if (!p) return;
    bar.setTotal(p.members);
    bar.update(p.done);
  };
  show(status.progress);
  while (status.status === 'running') {
    await new Promise((r) => setTimeout(r, 250));
    status = (await (await fetch(statusUrl, { headers })).json()) as Status;
    show(status.progress);
  }
  bar.stop();
  process.stdout.write(JSON.stringify(status) + '\n');
  if (status.status !== 'completed') process.exit(1);
}

main().catch((err: Error) => fail(err.message));
