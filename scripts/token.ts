// `npm run token -- --member <id>` | `npm run token -- --librarian [--name NAME]` [--db FILE]:
// prints a bearer token for the local host (the token alone on stdout). The secret is
// LOCAL_AUTH_SECRET, or the one kept beside the data file, exactly as the host resolves it.
import { parseArgs } from 'node:util';
import { resolveLocalAuthSecret } from '../local/host/auth-secret';
import { signLocalToken } from '../shared/local-token';

const usage = 'usage: token (--member ID | --librarian [--name NAME]) [--db FILE]';

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
        name: { type: 'string', default: 'librarian' },
        db: { type: 'string', default: '.data/local.db' },
      },
      strict: true,
    }));
  } catch (err) {
    fail((err as Error).message);
  }
  if ((values.member === undefined) === !values.librarian)
    fail('give exactly one of --member ID or --librarian.');
  if (values.member === '') fail('--member needs a member id.');
  if (values.db === ':memory:' && !process.env.LOCAL_AUTH_SECRET) {
    fail('a :memory: host makes up its secret; set LOCAL_AUTH_SECRET for both the host and this command.');
  }
  const secret = resolveLocalAuthSecret(values.db);
  const who = values.member !== undefined ? { member: values.member } : { librarian: values.name };
  process.stdout.write((await signLocalToken(secret, who)) + '\n');
}

void main();
