// `npm run views:rebuild -- [--url URL] [--db FILE]`: asks the running app to recompute every view
// from the write model (POST /api/views/rebuild, as a librarian) and shows its progress until it
// is done; prints the final status as JSON. The token is signed with the local secret (as
// `npm run token` does): LOCAL_AUTH_SECRET, or the one kept beside the data file.
import { Presets, SingleBar } from 'cli-progress';
import { resolveLocalAuthSecret } from '../local/host/auth-secret';
import { signLocalToken } from '../shared/local-token';
import { failure, hostToTalkTo, parseCommandLine, type Command } from './lib/command-line';

interface Status {
  id: string;
  status: 'running' | 'completed' | 'failed';
  statusUrl?: string;
  progress: { members: number; done: number; items: number; removed: number } | null;
}

const command: Command = {
  name: 'views:rebuild',
  usage: 'usage: views:rebuild [--url URL] [--db FILE]',
  help: `
Recomputes every member's views from the write model and shows the progress; prints the final
status as JSON (exit code 1 when the rebuild did not complete).

  --db FILE        the host's data file (default .data/local.db): the host running on it is the one
                   asked, and the librarian token is signed with the secret kept beside it
  --url URL        the host to ask instead, such as http://127.0.0.1:7071
  --help           this text`,
};

async function main(): Promise<void> {
  const values = parseCommandLine(command, {
    url: { type: 'string' },
    db: { type: 'string', default: '.data/local.db' },
  });
  const base = hostToTalkTo(command, values);
  const token = await signLocalToken(resolveLocalAuthSecret(values.db), { librarian: 'views-rebuild' });
  const headers = { Authorization: `Bearer ${token}` };
  const started = await fetch(`${base}/api/views/rebuild`, { method: 'POST', headers });
  if (started.status !== 202) failure(command, `the app answered ${started.status}: ${await started.text()}`);
  let status = (await started.json()) as Status;
  const statusUrl = new URL(status.statusUrl ?? `/api/views/rebuild/${status.id}`, base);
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

main().catch((err: Error) => failure(command, err.message));
