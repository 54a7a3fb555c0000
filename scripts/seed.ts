// `npm run seed -- [--url URL] [--books N] [--members N] [--points N] [--db FILE] [--force]`: loads a
// demo catalog and members into the running host through the API (so every rule applies), with a
// progress bar for large loads. Signs its librarian token with the secret the host uses.
import { Presets, SingleBar } from 'cli-progress';
import { resolveLocalAuthSecret } from '../local/host/auth-secret';
import { signLocalToken } from '../shared/local-token';
import { failure, hostToTalkTo, parseCommandLine, usageError, type Command } from './lib/command-line';

const catalog: { title: string; author: string; isbn: string | null; price: number; copies: number }[] = [
  { title: '채식주의자', author: '한강', isbn: '9788936433598', price: 300, copies: 3 },
  { title: '소년이 온다', author: '한강', isbn: '9788936434120', price: 300, copies: 2 },
  { title: '82년생 김지영', author: '조남주', isbn: '9788937473135', price: 200, copies: 2 },
  { title: '아몬드', author: '손원평', isbn: '9788936456788', price: 200, copies: 4 },
  { title: '토지 1', author: '박경리', isbn: null, price: 500, copies: 1 },
  { title: '엄마를 부탁해', author: '신경숙', isbn: null, price: 200, copies: 2 },
  {
    title: 'The Pragmatic Programmer',
    author: 'David Thomas, Andrew Hunt',
    isbn: '9780135957059',
    price: 800,
    copies: 2,
  },
  {
    title: 'Designing Data-Intensive Applications',
    author: 'Martin Kleppmann',
    isbn: '9781449373320',
    price: 1000,
    copies: 1,
  },
  { title: 'Domain-Driven Design', author: 'Eric Evans', isbn: '9780321125217', price: 900, copies: 1 },
  {
    title: 'Enterprise Integration Patterns',
    author: 'Gregor Hohpe, Bobby Woolf',
    isbn: '9780321200686',
    price: 900,
    copies: 1,
  },
  { title: 'Clean Architecture', author: 'Robert C. Martin', isbn: '9780134494166', price: 700, copies: 2 },
  { title: 'Refactoring', author: 'Martin Fowler', isbn: '9780134757599', price: 700, copies: 2 },
];
const names = ['김민지', '이서준', '박지우', '최하은', '정도윤', '강서연', 'Alex Kim', 'Jamie Park'];

interface MemberPage {
  items: { id: string; name: string }[];
  continuation: string | null;
}

/** How many existing members a run that loads nothing lists. */
const LISTED = 100;

const command: Command = {
  name: 'seed',
  usage: 'usage: seed [--url URL] [--books N] [--members N] [--points N] [--db FILE] [--force]',
  help: `
Loads a demo catalog and members, each with points, into the running host through its API, and
prints every member it created (id and name). When the catalog already has books it loads nothing
and prints the members there are.

  --books N        books to register (default ${catalog.length}; more repeat the demo titles)
  --members N      members to register (default ${names.length})
  --points N       points deposited for each new member (default 5000)
  --force          load even when the catalog already has books
  --db FILE        the host's data file (default .data/local.db): the host running on it is the one
                   loaded, and the librarian token is signed with the secret kept beside it
  --url URL        the host to load instead, such as http://127.0.0.1:7071
  --help           this text`,
};

/** A progress bar on stderr: redrawn on a terminal; for large loads, a line every two seconds otherwise. */
function progress(label: string, total: number): SingleBar {
  const bar = new SingleBar(
    { format: `${label} [{bar}] {value}/{total}`, noTTYOutput: total >= 100, notTTYSchedule: 2000 },
    Presets.legacy,
  );
  bar.start(total, 0);
  return bar;
}

async function main(): Promise<void> {
  const values = parseCommandLine(command, {
    url: { type: 'string' },
    books: { type: 'string', default: String(catalog.length) },
    members: { type: 'string', default: String(names.length) },
    points: { type: 'string', default: '5000' },
    db: { type: 'string', default: '.data/local.db' },
    force: { type: 'boolean', default: false },
  });
  const count = (name: string, v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) usageError(command, `--${name} must be a whole number, 0 or more.`);
    return n;
  };
  const bookCount = count('books', values.books);
  const memberCount = count('members', values.members);
  const points = count('points', values.points);
  const base = hostToTalkTo(command, values);
  const auth = `Bearer ${await signLocalToken(resolveLocalAuthSecret(values.db), { librarian: 'seed' })}`;

  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(base + path, {
        method,
        headers: { authorization: auth, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      failure(command, `no host answers at ${base}: start it first (npm start).`);
    }
    const text = await res.text();
    if (res.status === 401)
      failure(command, 'the host refused the token: start it with the same --db or LOCAL_AUTH_SECRET.');
    if (!res.ok) failure(command, `${method} ${path} answered ${res.status}: ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  const existing = await call<{ items: unknown[] }>('GET', '/api/books?limit=1');
  if (existing.items.length && !values.force) {
    const there = await call<MemberPage>('GET', `/api/members?limit=${LISTED}`);
    process.stdout.write(
      'The catalog already has books; nothing loaded (use --force to add more).\n' +
        (there.items.length ? 'Members:\n' : 'No members yet.\n'),
    );
    printMembers(there.items);
    if (there.continuation)
      process.stdout.write(`  ... the first ${LISTED}; GET /api/members lists the rest, page by page.\n`);
    return;
  }

  const books = progress('books', bookCount);
  for (let i = 0; i < bookCount; i++) {
    const demo = catalog[i % catalog.length];
    const round = Math.floor(i / catalog.length);
    await call(
      'POST',
      '/api/books',
      round ? { ...demo, title: `${demo.title} (${round + 1})`, isbn: null } : demo,
    );
    books.increment();
  }
  books.stop();
  const members = progress('members', memberCount);
  const created: { id: string; name: string }[] = [];
  for (let i = 0; i < memberCount; i++) {
    const name = names[i % names.length] + (i >= names.length ? ` ${Math.floor(i / names.length) + 1}` : '');
    const member = await call<{ id: string; name: string }>('POST', '/api/members', { name });
    if (points > 0) await call('POST', `/api/members/${member.id}/points`, { amount: points });
    created.push(member);
    members.increment();
  }
  members.stop();
  process.stdout.write(`Loaded ${bookCount} books and ${memberCount} members with ${points} points each.\n`);
  printMembers(created);
}

function printMembers(members: { id: string; name: string }[]): void {
  for (const m of members) process.stdout.write(`  ${m.id}  ${m.name}\n`);
  if (members.length)
    process.stdout.write(`A member's token: npm run -s token -- --member ${members[0].id}\n`);
}

void main();
