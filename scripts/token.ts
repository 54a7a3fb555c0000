// `npm run token -- --member <id>` | `npm run token -- --librarian [--name NAME]` [--ttl DURATION]
// [--db FILE] [--url URL]: prints a bearer token for the local host (the token alone on stdout), good
// for a day unless --ttl says otherwise. The secret is LOCAL_AUTH_SECRET, or the one kept beside the
// data file, exactly as the host resolves it. A member's token is made only for a member that exists.
// `npm run token -- --master [--db FILE]` prints the host's master key instead (LOCAL_MASTER_KEY, or
// the one kept beside the data file): the key of `/admin/*` and of the durable webhooks.
import { hasStoredItem } from '../local/documents/stored-item';
import { findHost } from '../local/host/host-record';
import { resolveLocalAuthSecret } from '../local/host/auth-secret';
import { parseIsoDuration } from '../local/host/clock';
import { resolveHostKeys } from '../local/host/keys';
import { signLocalToken } from '../shared/local-token';
import { failure, parseCommandLine, usageError, type Command } from './lib/command-line';

const command: Command = {
  name: 'token',
  usage:
    'usage: token (--member ID | --librarian [--name NAME] | --master) [--ttl DURATION] [--db FILE] [--url URL]',
  help: `
Prints a bearer token for the local host, alone on stdout:  ME=$(npm run -s token -- --member ID)

  --member ID      a token for this member (see the seed's list, or GET /api/members as a librarian)
  --librarian      a token for a librarian
  --name NAME      the librarian's name (default: librarian)
  --master         the host's master key instead (the key of /admin/*), LOCAL_MASTER_KEY or the one
                   kept beside the data file
  --ttl DURATION   how long the token is good for, an ISO 8601 duration: PT30M, PT8H, P7D
                   (default P1D, a day, on real time: moving the dev clock does not end it); the
                   host answers an expired token 401
  --db FILE        the host's data file; the token is signed with the secret kept beside it
                   (default: .data/local.db; LOCAL_AUTH_SECRET, when set, is the secret instead)
  --url URL        the host to check the token with (default: the host running on --db)
  --help           this text

When a host is running (or given with --url), the command says which one and asks it whether it
accepts the token: a host that refuses it (another data file, another secret) fails the command.
A member's token is made only for a member that exists: on that host, or, with no host running, in
the data file (exit 1 otherwise).`,
};

async function main(): Promise<void> {
  const values = parseCommandLine(command, {
    member: { type: 'string' },
    librarian: { type: 'boolean', default: false },
    master: { type: 'boolean', default: false },
    name: { type: 'string', default: 'librarian' },
    db: { type: 'string', default: '.data/local.db' },
    url: { type: 'string' },
    ttl: { type: 'string', default: 'P1D' },
  });
  const chosen = [values.member !== undefined, values.librarian, values.master].filter(Boolean).length;
  if (chosen !== 1) usageError(command, 'give exactly one of --member ID, --librarian or --master.');
  if (values.member === '') usageError(command, '--member needs a member id.');
  const ttlSeconds = tokenLifetime(values.ttl);
  if (values.master) {
    if (values.db === ':memory:' && !process.env.LOCAL_MASTER_KEY) {
      usageError(
        command,
        'a :memory: host makes up its keys; set LOCAL_MASTER_KEY for both the host and this command.',
      );
    }
    process.stdout.write(resolveHostKeys(values.db).master + '\n');
    return;
  }
  if (values.db === ':memory:' && !process.env.LOCAL_AUTH_SECRET) {
    usageError(
      command,
      'a :memory: host makes up its secret; set LOCAL_AUTH_SECRET for both the host and this command.',
    );
  }
  const secret = resolveLocalAuthSecret(values.db);
  const who = values.member !== undefined ? { member: values.member } : { librarian: values.name };
  const token = await signLocalToken(secret, who, ttlSeconds);

  const host = findHost({ url: values.url, dbFile: values.db });
  if (host.url === undefined) {
    if (values.url !== undefined) usageError(command, `${host.why}.`);
    if (
      values.member !== undefined &&
      !hasStoredItem(values.db, { containerName: 'members', partitionKey: values.member, id: values.member })
    ) {
      failure(
        command,
        `no member ${values.member} in ${values.db} (and no host runs on it to ask). ` +
          'Member ids: npm run seed, or GET /api/members as a librarian.',
      );
    }
    process.stderr.write(`token: ${host.why}; the token is for when it starts on that data file.\n`);
  } else {
    process.stderr.write(`token: host ${host.url} (${host.via})\n`);
    await checkWithHost(host.url, token, values.member, values.url !== undefined);
  }
  process.stdout.write(token + '\n');
}

/**
 * Asks the host whether it accepts the token: a refused token is of no use, so that fails, as does
 * silence from a host given with --url. A recorded host that does not answer may be starting again.
 */
async function checkWithHost(
  url: string,
  token: string,
  memberId: string | undefined,
  given: boolean,
): Promise<void> {
  const path =
    memberId === undefined ? '/api/members?limit=1' : `/api/members/${encodeURIComponent(memberId)}`;
  let res: Response;
  try {
    res = await fetch(url + path, { headers: { authorization: `Bearer ${token}` } });
  } catch {
    if (given) failure(command, `no host answers at ${url}.`);
    process.stderr.write(`token: no host answers at ${url} now.\n`);
    return;
  }
  await res.body?.cancel();
  if (res.status === 401) {
    failure(
      command,
      `the host at ${url} refuses this token: it signs with another secret. Give the --db it was started with (or the same LOCAL_AUTH_SECRET).`,
    );
  }
  if (res.status === 404 && memberId !== undefined) {
    failure(
      command,
      `the host at ${url} has no member ${memberId}: no token made. ` +
        'Member ids: npm run seed, or GET /api/members as a librarian.',
    );
  }
}

/** `--ttl` in whole seconds: an ISO 8601 duration of at least a second and at most a year. */
function tokenLifetime(text: string): number {
  let ms: number;
  try {
    ms = parseIsoDuration(text);
  } catch {
    usageError(command, `--ttl takes an ISO 8601 duration such as PT8H or P7D, not "${text}".`);
  }
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1 || seconds > 366 * 86_400)
    usageError(command, `--ttl must be between a second and a year, not ${text}.`);
  return seconds;
}

void main();
