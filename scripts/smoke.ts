// `npm run smoke -- --url URL [--member-token T --librarian-token T] [--member-id ID]`: checks a running
// app, deployed or local, through its public API as a client would: health, the OpenAPI document and a
// catalog read; with a librarian's and a member's token also a whole rental: a book added, points
// deposited, the book rented (the saga settles it) and returned, and the events of both seen on the
// member's mypage (the change feed's views), then the book removed again. Prints each step as it
// passes; the first that fails ends the run with exit code 1 and says which step and why.
import { randomUUID } from 'node:crypto';
import { decodeJwt } from 'jose';
import type { Book } from '../shared/app/records';
import type { Mypage } from '../shared/app/views';
import type { Rental } from '../shared/domain/rental';
import { failure, parseCommandLine, usageError, type Command } from './lib/command-line';

const command: Command = {
  name: 'smoke',
  usage:
    'usage: smoke --url URL [--member-token TOKEN --librarian-token TOKEN [--member-id ID]] [--timeout SECONDS]',
  help: `
Checks a running app through its API and prints each step: health, the OpenAPI document, a catalog
read. Given a librarian's and a member's token, also a whole rental: a book added (1 copy, 100 points),
100 points deposited for the member, the book rented and the rent settled by the saga, the book
returned, the rental seen RETURNED in the member's mypage history (the views the events keep), and the
book removed. The member must be registered. The first step that fails stops the run: exit code 1,
with the step and the reason on stderr.

  --url URL               the app, such as https://<app>.azurewebsites.net (or its /api address,
                          azd's SERVICE_API_URI) or http://127.0.0.1:7071
  --member-token TOKEN    a member's bearer token (in Azure: an Entra ID token for api://<client id>)
  --librarian-token TOKEN a librarian's bearer token
  --member-id ID          the member the member token is for (default: read from the token, from the
                          claim the app's /config.json names)
  --timeout SECONDS       how long to wait for the app to answer, the saga and the views (default 60)
  --help                  this text`,
};

/** A step that did not pass: what it was, and why. */
class StepFailed extends Error {
  constructor(
    readonly step: string,
    reason: string,
  ) {
    super(reason);
  }
}

interface Reply {
  status: number;
  body: unknown;
}

const REQUEST_TIMEOUT_MS = 30_000;

async function main(): Promise<void> {
  const values = parseCommandLine(command, {
    url: { type: 'string' },
    'member-token': { type: 'string' },
    'librarian-token': { type: 'string' },
    'member-id': { type: 'string' },
    timeout: { type: 'string', default: '60' },
  });
  if (values.url === undefined) usageError(command, '--url is required.');
  let base: URL;
  try {
    base = new URL(values.url);
  } catch {
    usageError(command, `--url ${values.url} is not a URL.`);
  }
  if (base.protocol !== 'https:' && base.protocol !== 'http:')
    usageError(command, '--url must be an http or https URL.');
  const memberToken = values['member-token'];
  const librarianToken = values['librarian-token'];
  if ((memberToken === undefined) !== (librarianToken === undefined))
    usageError(command, 'give both --member-token and --librarian-token, or neither.');
  if (values['member-id'] !== undefined && memberToken === undefined)
    usageError(command, '--member-id goes with the tokens.');
  const timeoutSeconds = Number(values.timeout);
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1)
    usageError(command, '--timeout must be a whole number of seconds, 1 or more.');
  // The app's root; its API address (azd's SERVICE_API_URI, ending in /api) names the same app.
  const root = base.href.replace(/\/+$/, '').replace(/\/api$/, '');

  let step = '';
  const passed = (what: string): void => {
    process.stdout.write(`ok  ${step}: ${what}\n`);
  };
  const fail = (reason: string): never => {
    throw new StepFailed(step, reason);
  };

  async function call(
    method: string,
    path: string,
    options: { token?: string; body?: unknown; idempotent?: boolean } = {},
  ): Promise<Reply> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.idempotent) headers['idempotency-key'] = randomUUID();
    let res: Response;
    try {
      res = await fetch(root + path, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
      return fail(`${method} ${path}: no answer from ${root} (${cause})`);
    }
    const text = await res.text();
    let body: unknown = text;
    if (text && (res.headers.get('content-type') ?? '').includes('json')) {
      try {
        body = JSON.parse(text);
      } catch {
        return fail(`${method} ${path} answered ${res.status} with JSON that does not parse`);
      }
    }
    return { status: res.status, body };
  }

  /** The reply's body when it has the status expected; otherwise the step fails, saying what came. */
  function expectStatus<T>(reply: Reply, expected: number[], what: string): T {
    if (expected.includes(reply.status)) return reply.body as T;
    const detail =
      typeof reply.body === 'object' && reply.body !== null && 'detail' in reply.body
        ? String((reply.body as { detail: unknown }).detail)
        : String(reply.body).slice(0, 200);
    const hint =
      reply.status === 401 ? ' (the token was refused: wrong audience, issuer, expired, or none)' : '';
    return fail(`${what} answered ${reply.status}${hint}: ${detail}`);
  }

  /** Polls `check` until it gives a value, for at most --timeout seconds; `lastSeen` says why not. */
  async function waitFor<T>(
    what: string,
    check: () => Promise<T | undefined>,
    lastSeen?: () => string,
  ): Promise<T> {
    const deadline = Date.now() + timeoutSeconds * 1000;
    for (;;) {
      const value = await check();
      if (value !== undefined) return value;
      if (Date.now() > deadline)
        return fail(`${what}: not within ${timeoutSeconds} s${lastSeen ? ` (last: ${lastSeen()})` : ''}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  process.stdout.write(`smoke: ${root}\n`);

  step = 'health';
  // Right after a deployment the app may still be starting: ask again until --timeout.
  let lastAnswer = '';
  await waitFor(
    'GET /api/health answering ok',
    async () => {
      try {
        const reply = await call('GET', '/api/health');
        if (reply.status === 200 && (reply.body as { status?: string }).status === 'ok') return true;
        lastAnswer = `answered ${reply.status}: ${JSON.stringify(reply.body).slice(0, 200)}`;
      } catch (err) {
        if (!(err instanceof StepFailed)) throw err;
        lastAnswer = err.message;
      }
      return undefined;
    },
    () => lastAnswer,
  );
  passed('GET /api/health is ok');

  step = 'openapi';
  const doc = expectStatus<{ openapi?: string; paths?: Record<string, unknown> }>(
    await call('GET', '/api/openapi.json'),
    [200],
    'GET /api/openapi.json',
  );
  // Its paths are relative to its server, `/api`.
  if (!String(doc.openapi).startsWith('3.') || !doc.paths?.['/books'])
    fail('GET /api/openapi.json is not the API document (no openapi 3 version or no /books path)');
  passed(`OpenAPI ${doc.openapi}, ${Object.keys(doc.paths!).length} paths`);

  step = 'catalog';
  const page = expectStatus<{ items?: Book[] }>(
    await call('GET', '/api/books?limit=5'),
    [200],
    'GET /api/books',
  );
  if (!Array.isArray(page.items)) fail('GET /api/books answered no items list');
  passed(`GET /api/books lists ${page.items!.length} book(s) on its first page`);

  if (memberToken === undefined || librarianToken === undefined) {
    process.stdout.write('smoke: passed (no tokens given: the rental was not tried)\n');
    return;
  }

  step = 'member';
  let memberId = values['member-id'];
  if (memberId === undefined) {
    const config = expectStatus<{ signIn?: { kind?: string; memberIdClaim?: string } }>(
      await call('GET', '/config.json'),
      [200],
      'GET /config.json',
    );
    const claim = config.signIn?.kind === 'entra' ? config.signIn.memberIdClaim : 'memberId';
    let claims: Record<string, unknown>;
    try {
      claims = decodeJwt(memberToken);
    } catch {
      return fail('the member token is not a JWT; give --member-id');
    }
    const found = claim === undefined ? undefined : claims[claim];
    if (typeof found !== 'string' || !found)
      fail(`the member token has no ${claim ?? 'member id'} claim; give --member-id`);
    memberId = found as string;
  }
  const memberPath = `/api/members/${encodeURIComponent(memberId)}`;
  expectStatus(await call('GET', memberPath, { token: memberToken }), [200], `GET ${memberPath}`);
  passed(`member ${memberId} is registered and its token accepted`);

  step = 'book';
  const price = 100;
  const book = expectStatus<Book>(
    await call('POST', '/api/books', {
      token: librarianToken,
      body: {
        title: `Smoke test ${new Date().toISOString()}`,
        author: 'rentbook smoke test',
        price,
        copies: 1,
      },
    }),
    [201],
    'POST /api/books',
  );
  passed(`book ${book.id} added (1 copy, ${price} points)`);

  let onLoan: string | undefined;
  const removeBook = async (): Promise<Reply> =>
    onLoan !== undefined
      ? { status: 409, body: `rental ${onLoan} still has its copy` }
      : call('DELETE', `/api/books/${book.id}`, { token: librarianToken });
  try {
    step = 'deposit';
    const balance = expectStatus<{ points: number }>(
      await call('POST', `${memberPath}/points`, {
        token: memberToken,
        body: { amount: price },
        idempotent: true,
      }),
      [200],
      `POST ${memberPath}/points`,
    );
    passed(`${price} points deposited; the member has ${balance.points}`);

    step = 'rent';
    let rental = expectStatus<Rental>(
      await call('POST', '/api/rentals', { token: memberToken, body: { bookId: book.id }, idempotent: true }),
      [201, 202],
      'POST /api/rentals',
    );
    const rentalPath = `/api/rentals/${rental.id}`;
    rental = await waitFor(`the saga settling rental ${rental.id}`, async () => {
      if (rental.status !== 'REQUESTED') return rental;
      const now = expectStatus<Rental>(
        await call('GET', rentalPath, { token: memberToken }),
        [200],
        `GET ${rentalPath}`,
      );
      return now.status === 'REQUESTED' ? undefined : now;
    });
    if (rental.status !== 'APPROVED')
      fail(
        `rental ${rental.id} ended ${rental.status}${rental.reason ? ` (${rental.reason})` : ''}, not APPROVED`,
      );
    onLoan = rental.id;
    passed(`rental ${rental.id} APPROVED, due ${rental.dueAt}`);

    step = 'return';
    const returned = expectStatus<Rental>(
      await call('POST', `${rentalPath}/return`, { token: memberToken }),
      [200],
      `POST ${rentalPath}/return`,
    );
    if (returned.status !== 'RETURNED') fail(`the return left rental ${rental.id} ${returned.status}`);
    onLoan = undefined;
    passed(`rental ${rental.id} RETURNED, fee ${returned.fee ?? 0}`);

    step = 'mypage';
    const seen = await waitFor(`rental ${rental.id} RETURNED in the mypage history`, async () => {
      const mypage = expectStatus<Mypage>(
        await call('GET', `${memberPath}/mypage`, { token: memberToken }),
        [200],
        `GET ${memberPath}/mypage`,
      );
      return mypage.history.find((h) => h.rentalId === rental.id && h.status === 'RETURNED');
    });
    passed(`mypage shows rental ${seen.rentalId} RETURNED (the events reached the views)`);
  } catch (err) {
    // Whatever failed, the book goes again if it can; the failure is what the run reports.
    const removed = await removeBook().catch((e: Error) => ({ status: 0, body: e.message }));
    if (removed.status !== 204)
      process.stderr.write(`smoke: book ${book.id} stays (${removed.status}: ${String(removed.body)})\n`);
    throw err;
  }

  step = 'remove book';
  expectStatus(await removeBook(), [204], `DELETE /api/books/${book.id}`);
  passed(`book ${book.id} removed`);
  process.stdout.write('smoke: passed\n');
}

main().catch((err: unknown) => {
  if (err instanceof StepFailed) failure(command, `step "${err.step}" failed: ${err.message}`);
  failure(command, (err as Error).stack ?? String(err));
});
