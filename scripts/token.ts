// `npm run token -- --member <id>` | `npm run token -- --librarian [--name NAME]` [--db FILE]:
// prints a bearer token for the local host (the token alone on stdout). The secret is
// LOCAL_AUTH_SECRET, or the one kept beside the data file, exactly as the host resolves it.
// `npm run token -- --master [--db FILE]` prints the host's master key instead (LOCAL_MASTER_KEY, or
// the one kept beside the data file): the key of `/admin/*` and of the durable webhooks.
import { parseArgs } from 'node:util';
import { resolveLocalAuthSecret } from '../local/host/auth-secret';
import { resolveHostKeys } from '../local/host/keys';
import { signLocalToken } from '../shared/local-token';

const usage = 'usage: token (--member ID | --librarian [--name NAME] | --master) [--db FILE]';

function fail(message: string): never {
  process.stderr.write(`token: ${message}\n${usage}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        member: { type: 'string' },
        librarian: { type: 'boolean', default: false },
        master: { type: 'boolean', default: false },
        name: { type: 'string', default: 'librarian' },
        db: { type: 'string', default: '.data/local.db' },
      },
      strict: true,
    }));
  } catch (err) {
    fail((err as Error).message);
  }
  const chosen = [values.member !== undefined, values.librarian, values.master].filter(Boolean).length;
  if (chosen !== 1) fail('give exactly one of --member ID, --librarian or --master.');
  if (values.member === '') fail('--member needs a member id.');
  if (values.master) {
    if (values.db === ':memory:' && !process.env.LOCAL_MASTER_KEY) {
      fail('a :memory: host makes up its keys; set LOCAL_MASTER_KEY for both the host and this command.');
    }
    process.stdout.write(resolveHostKeys(values.db).master + '\n');
    return;
  }
  if (values.db === ':memory:' && !process.env.LOCAL_AUTH_SECRET) {
    fail('a :memory: host makes up its secret; set LOCAL_AUTH_SECRET for both the host and this command.');
  }
  const secret = resolveLocalAuthSecret(values.db);
  const who = values.member !== undefined ? { member: values.member } : { librarian: values.name };
  process.stdout.write((await signLocalToken(secret, who)) + '\n');
}

void main();
