// The librarians' screens: books (add, edit with its version, copies, withdraw), members (search,
// add), the rental board (overdue first, with its filters), a book's hold queue, notice dead letters
// and their replay, and the views rebuild with its progress.
import { useEffect, useState } from 'preact/hooks';
import { api, data, type Book, type Schemas } from '../api/client';
import { href } from '../router';
import {
  bookStatusText,
  day,
  holdStatusText,
  points,
  reasonText,
  rentalStatusText,
  when,
  won,
} from '../text';
import { Done, Loading, Page, ProblemNote, Text, useAction, useLoad } from '../ui';

export function LibraryHome() {
  return (
    <Page title="Library">
      <ul class="cards" aria-label="Librarian's screens">
        <li class="card">
          <h2>
            <a href={href('library', 'board')}>Rental board</a>
          </h2>
          <p>Every rental, overdue loans first.</p>
        </li>
        <li class="card">
          <h2>
            <a href={href('library', 'books')}>Books</a>
          </h2>
          <p>Add, edit, withdraw; copies and hold queues.</p>
        </li>
        <li class="card">
          <h2>
            <a href={href('library', 'members')}>Members</a>
          </h2>
          <p>Find and add members; their pages.</p>
        </li>
        <li class="card">
          <h2>
            <a href={href('library', 'dead-letters')}>Notice dead letters</a>
          </h2>
          <p>Notices that could not be delivered, and sending them again.</p>
        </li>
        <li class="card">
          <h2>
            <a href={href('library', 'views')}>Views</a>
          </h2>
          <p>Rebuild my pages and the board from the records.</p>
        </li>
      </ul>
    </Page>
  );
}

const emptyBook = { title: '', author: '', isbn: '', price: '0', copies: '1' };

export function LibraryBooks() {
  const [q, setQ] = useState('');
  const [search, setSearch] = useState('');
  const books = useLoad(
    async () =>
      (await data(api.GET('/books', { params: { query: { q: search || undefined, limit: 50 } } }))).value,
    [search],
  );
  const [editing, setEditing] = useState<Book>();
  return (
    <Page title="Books">
      <BookForm
        key={editing?.id ?? 'new'}
        book={editing}
        onSaved={() => (setEditing(undefined), books.reload())}
      />
      <form
        class="search"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setSearch(q);
        }}
      >
        <label for="books-q">Title or author</label>
        <input id="books-q" type="search" value={q} onInput={(e) => setQ(e.currentTarget.value)} />
        <button type="submit">Search</button>
      </form>
      <ProblemNote problem={books.problem} />
      {books.loading && !books.value ? <Loading what="the books" /> : null}
      <ul class="cards" aria-label="Books">
        {books.value?.items.map((b) => (
          <li key={b.id} class="card">
            <h2>
              <Text>{b.title}</Text>
            </h2>
            <p>
              <Text>{b.author}</Text> · {points(b.price)}
            </p>
            <p>
              {bookStatusText[b.status]}: {b.available} of {b.copies} free
            </p>
            <div class="actions">
              <button type="button" onClick={() => setEditing(b)}>
                Edit <span class="visually-hidden">{b.title}</span>
              </button>
              <a href={href('library', 'books', b.id, 'holds')}>
                Hold queue<span class="visually-hidden"> of {b.title}</span>
              </a>
            </div>
          </li>
        ))}
      </ul>
    </Page>
  );
}

function BookForm({ book, onSaved }: { book?: Book; onSaved: () => void }) {
  const [fields, setFields] = useState(
    book
      ? {
          title: book.title,
          author: book.author,
          isbn: book.isbn ?? '',
          price: String(book.price),
          copies: String(book.copies),
        }
      : emptyBook,
  );
  const [withdrawn, setWithdrawn] = useState(book?.status === 'UNAVAILABLE');
  const action = useAction();
  const field = (name: keyof typeof emptyBook, label: string, extra: Record<string, string> = {}) => (
    <div class="field">
      <label for={`book-${name}`}>{label}</label>
      <input
        id={`book-${name}`}
        value={fields[name]}
        onInput={(e) => setFields({ ...fields, [name]: e.currentTarget.value })}
        {...extra}
      />
    </div>
  );
  const body = {
    title: fields.title,
    author: fields.author,
    isbn: fields.isbn === '' ? null : fields.isbn,
    price: Number(fields.price),
    copies: Number(fields.copies),
    withdrawn,
  };
  return (
    <form
      class="panel"
      onSubmit={(e) => {
        e.preventDefault();
        void action.run(async () => {
          if (book) {
            // The version read with the book: a change by someone else since is refused (412), not overwritten.
            await data(
              api.PATCH('/books/{bookId}', {
                params: { path: { bookId: book.id }, header: { 'If-Match': book.etag } },
                body,
              }),
            );
            onSaved();
            return `Saved “${body.title}”.`;
          }
          const { value } = await data(api.POST('/books', { body }));
          setFields(emptyBook);
          onSaved();
          return `Added “${value.title}” with ${value.copies} cop${value.copies === 1 ? 'y' : 'ies'}.`;
        });
      }}
    >
      <h2>{book ? `Edit “${book.title}”` : 'Add a book'}</h2>
      {field('title', 'Title', { required: '' })}
      {field('author', 'Author', { required: '' })}
      {field('isbn', 'ISBN (optional)')}
      {field('price', 'Price in points', { inputMode: 'numeric', required: '' })}
      {field('copies', 'Copies', { inputMode: 'numeric', required: '' })}
      <div class="field check">
        <input
          id="book-withdrawn"
          type="checkbox"
          checked={withdrawn}
          onChange={(e) => setWithdrawn(e.currentTarget.checked)}
        />
        <label for="book-withdrawn">Withdrawn (not lent)</label>
      </div>
      <button type="submit" disabled={action.busy}>
        {book ? 'Save' : 'Add book'}
      </button>
      <ProblemNote problem={action.problem} />
      <Done message={action.message} />
    </form>
  );
}

export function LibraryMembers() {
  const [q, setQ] = useState('');
  const [search, setSearch] = useState('');
  const members = useLoad(
    async () =>
      (await data(api.GET('/members', { params: { query: { q: search || undefined, limit: 50 } } }))).value,
    [search],
  );
  const [name, setName] = useState('');
  const [phone, setPhone] = useState('');
  const add = useAction();
  return (
    <Page title="Members">
      <form
        class="panel"
        onSubmit={(e) => {
          e.preventDefault();
          void add.run(async () => {
            const { value } = await data(
              api.POST('/members', { body: { name, phone: phone === '' ? null : phone } }),
            );
            setName('');
            setPhone('');
            members.reload();
            return `Added ${value.name}.`;
          });
        }}
      >
        <h2>Add a member</h2>
        <div class="field">
          <label for="member-name">Name</label>
          <input id="member-name" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="member-phone">Phone (optional)</label>
          <input
            id="member-phone"
            type="tel"
            value={phone}
            onInput={(e) => setPhone(e.currentTarget.value)}
          />
        </div>
        <button type="submit" disabled={add.busy}>
          Add member
        </button>
        <ProblemNote problem={add.problem} />
        <Done message={add.message} />
      </form>
      <form
        class="search"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setSearch(q);
        }}
      >
        <label for="members-q">Name</label>
        <input id="members-q" type="search" value={q} onInput={(e) => setQ(e.currentTarget.value)} />
        <button type="submit">Search</button>
      </form>
      <ProblemNote problem={members.problem} />
      <ul class="cards" aria-label="Members">
        {members.value?.items.map((m) => (
          <li key={m.id} class="card">
            <h2>
              <a href={href('members', m.id)}>
                <Text>{m.name}</Text>
              </a>
            </h2>
            <p>
              {points(m.points)} · fees owed {won(m.feesOwed)}
            </p>
            <p>
              <small>{m.id}</small>
            </p>
          </li>
        ))}
      </ul>
    </Page>
  );
}

const STATUSES: Schemas['RentalStatus'][] = ['REQUESTED', 'APPROVED', 'OVERDUE', 'REJECTED', 'RETURNED'];

export function Board() {
  const [filters, setFilters] = useState({ status: '', overdue: false, memberId: '', bookId: '' });
  const [applied, setApplied] = useState(filters);
  const [continuation, setContinuation] = useState<string>();
  const board = useLoad(async () => {
    const query = {
      status: (applied.status || undefined) as Schemas['RentalStatus'] | undefined,
      overdue: applied.overdue ? ('true' as const) : undefined,
      memberId: applied.memberId || undefined,
      bookId: applied.bookId || undefined,
      limit: 50,
      continuation,
    };
    return (await data(api.GET('/rentals', { params: { query } }))).value;
  }, [applied, continuation]);
  return (
    <Page title="Rental board">
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          setContinuation(undefined);
          setApplied(filters);
        }}
      >
        <div class="field">
          <label for="board-status">Status</label>
          <select
            id="board-status"
            value={filters.status}
            onChange={(e) => setFilters({ ...filters, status: e.currentTarget.value })}
          >
            <option value="">Any</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {rentalStatusText[s]}
              </option>
            ))}
          </select>
        </div>
        <div class="field check">
          <input
            id="board-overdue"
            type="checkbox"
            checked={filters.overdue}
            onChange={(e) => setFilters({ ...filters, overdue: e.currentTarget.checked })}
          />
          <label for="board-overdue">Only overdue</label>
        </div>
        <div class="field">
          <label for="board-member">Member id</label>
          <input
            id="board-member"
            value={filters.memberId}
            onInput={(e) => setFilters({ ...filters, memberId: e.currentTarget.value })}
          />
        </div>
        <div class="field">
          <label for="board-book">Book id</label>
          <input
            id="board-book"
            value={filters.bookId}
            onInput={(e) => setFilters({ ...filters, bookId: e.currentTarget.value })}
          />
        </div>
        <button type="submit">Show</button>
      </form>
      <ProblemNote problem={board.problem} />
      {board.loading && !board.value ? <Loading what="the board" /> : null}
      {board.value?.items.length === 0 ? <p>No rental matches.</p> : null}
      {board.value && board.value.items.length > 0 ? (
        <div class="table" role="region" aria-label="Rentals" tabIndex={0}>
          <table>
            <thead>
              <tr>
                <th scope="col">Book</th>
                <th scope="col">Member</th>
                <th scope="col">Status</th>
                <th scope="col">Due</th>
                <th scope="col">Fee if returned now</th>
              </tr>
            </thead>
            <tbody>
              {board.value.items.map((r) => (
                <tr key={r.rentalId} class={r.overdue ? 'overdue' : undefined}>
                  <td>
                    <Text>{r.bookTitle}</Text>
                  </td>
                  <td>
                    <a href={href('members', r.memberId)}>
                      <Text>{r.memberName ?? r.memberId}</Text>
                    </a>
                  </td>
                  <td>
                    {rentalStatusText[r.status]}
                    {r.overdue && r.status !== 'OVERDUE' ? ' (overdue)' : ''}
                    {r.reason ? <small> — {reasonText[r.reason]}</small> : null}
                  </td>
                  <td>{r.dueAt ? day(r.dueAt) : r.returnedAt ? `returned ${day(r.returnedAt)}` : '—'}</td>
                  <td>{r.feeIfReturnedNow ? won(r.feeIfReturnedNow) : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {board.value?.continuation ? (
        <button type="button" onClick={() => setContinuation(board.value!.continuation!)}>
          More rentals
        </button>
      ) : null}
    </Page>
  );
}

export function HoldQueue({ bookId }: { bookId: string }) {
  const book = useLoad(
    async () => (await data(api.GET('/books/{bookId}', { params: { path: { bookId } } }))).value,
    [bookId],
  );
  const queue = useLoad(
    async () => (await data(api.GET('/books/{bookId}/holds', { params: { path: { bookId } } }))).value,
    [bookId],
  );
  return (
    <Page title={`Hold queue${book.value ? `: ${book.value.title}` : ''}`}>
      <ProblemNote problem={queue.problem ?? book.problem} />
      {queue.value?.items.length === 0 ? <p>Nobody is waiting for this book.</p> : null}
      <ol class="queue">
        {queue.value?.items.map((h) => (
          <li key={h.id}>
            <a href={href('members', h.memberId)}>{h.memberId}</a> — {holdStatusText[h.status]}
            {h.status === 'READY' && h.readyUntil ? `, kept until ${when(h.readyUntil)}` : ''}
            {h.status === 'WAITING' && h.position ? `, number ${h.position}` : ''} (placed {day(h.placedAt)})
          </li>
        ))}
      </ol>
    </Page>
  );
}

export function DeadLetters() {
  const letters = useLoad(
    async () => (await data(api.GET('/notices/dead-letters', { params: { query: { limit: 100 } } }))).value,
    [],
  );
  const replay = useAction();
  return (
    <Page title="Notice dead letters">
      <p>
        Notices the notification channel refused until Service Bus gave up. Mend the channel, then send them
        again.
      </p>
      <ProblemNote problem={letters.problem ?? replay.problem} />
      <Done message={replay.message} />
      {letters.loading && !letters.value ? <Loading what="the dead letters" /> : null}
      {letters.value?.items.length === 0 ? <p>No dead letters.</p> : null}
      <ul class="cards" aria-label="Dead letters">
        {letters.value?.items.map((l) => (
          <li key={l.messageId} class="card">
            <p>
              <Text>{l.notice?.text ?? '(not a notice)'}</Text>
            </p>
            <p>
              <small>
                {l.reason ?? 'dead-lettered'}
                {l.description ? `: ${l.description}` : ''} · tried {l.deliveryCount} times ·{' '}
                {when(l.enqueuedAt)}
              </small>
            </p>
          </li>
        ))}
      </ul>
      {letters.value && letters.value.items.length > 0 ? (
        <button
          type="button"
          disabled={replay.busy}
          onClick={() =>
            replay.run(async () => {
              const { value } = await data(api.POST('/notices/dead-letters/replay'));
              letters.reload();
              return `Sent again: ${value.replayed}. Failed again: ${value.failed}.`;
            })
          }
        >
          Send them again
        </button>
      ) : null}
    </Page>
  );
}

export function Views() {
  const [rebuild, setRebuild] = useState<Schemas['ViewsRebuild']>();
  const action = useAction();
  useEffect(() => {
    if (!rebuild || rebuild.status !== 'running') return;
    const timer = setTimeout(
      () =>
        void action.run(async () => {
          setRebuild(
            (await data(api.GET('/views/rebuild/{id}', { params: { path: { id: rebuild.id } } }))).value,
          );
        }),
      500,
    );
    return () => clearTimeout(timer);
  }, [rebuild]);
  const progress = rebuild?.progress;
  return (
    <Page title="Views">
      <p>
        My pages and the rental board are views kept from every change. A rebuild computes them all again from
        the records.
      </p>
      <button
        type="button"
        disabled={action.busy || rebuild?.status === 'running'}
        onClick={() => action.run(async () => setRebuild((await data(api.POST('/views/rebuild'))).value))}
      >
        Rebuild the views
      </button>
      <ProblemNote problem={action.problem} />
      {rebuild ? (
        <div role="status">
          <p>
            {rebuild.status === 'running'
              ? 'Rebuilding…'
              : rebuild.status === 'completed'
                ? 'Rebuilt.'
                : 'The rebuild failed.'}
            {progress
              ? ` ${progress.done} of ${progress.members} members, ${progress.items} items written.`
              : ''}
          </p>
          {progress ? (
            <progress
              max={Math.max(progress.members, 1)}
              value={progress.done}
              aria-label="Rebuild progress"
            />
          ) : null}
        </div>
      ) : null}
    </Page>
  );
}
