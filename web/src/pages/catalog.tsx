// The catalog: search by title or author, each book with its availability (read again every few
// seconds, so it stays live) and its rating.
import { useEffect, useState } from 'preact/hooks';
import { api, data, type Book } from '../api/client';
import { href } from '../router';
import { bookStatusText, points } from '../text';
import { Loading, Page, ProblemNote, Text, useLoad } from '../ui';

const REFRESH_MS = 15_000;

export function Catalog({ q }: { q: string }) {
  const [query, setQuery] = useState(q);
  const [continuation, setContinuation] = useState<string | undefined>();
  const books = useLoad(
    async () =>
      (await data(api.GET('/books', { params: { query: { q: q || undefined, limit: 20, continuation } } })))
        .value,
    [q, continuation],
  );
  const { reload } = books;
  useEffect(() => {
    const timer = setInterval(reload, REFRESH_MS);
    return () => clearInterval(timer);
  }, [reload]);

  return (
    <Page title="Catalog">
      <form
        class="search"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setContinuation(undefined);
          location.hash = query ? `#/?q=${encodeURIComponent(query)}` : '#/';
        }}
      >
        <label for="catalog-q">Title or author</label>
        <input id="catalog-q" type="search" value={query} onInput={(e) => setQuery(e.currentTarget.value)} />
        <button type="submit">Search</button>
      </form>
      <ProblemNote problem={books.problem} />
      {books.loading && !books.value ? <Loading what="the catalog" /> : null}
      {books.value ? (
        <>
          {books.value.items.length === 0 ? <p>No book matches “{q}”.</p> : null}
          <ul class="cards" aria-label="Books">
            {books.value.items.map((b) => (
              <BookCard key={b.id} book={b} />
            ))}
          </ul>
          {books.value.continuation ? (
            <button type="button" onClick={() => setContinuation(books.value!.continuation!)}>
              More books
            </button>
          ) : null}
        </>
      ) : null}
    </Page>
  );
}

function BookCard({ book }: { book: Book }) {
  return (
    <li class="card">
      <h2>
        <a href={href('books', book.id)}>
          <Text>{book.title}</Text>
        </a>
      </h2>
      <p>
        <Text>{book.author}</Text>
      </p>
      <p>
        <span class={`badge ${book.status.toLowerCase()}`}>{bookStatusText[book.status]}</span>{' '}
        {book.available} of {book.copies} free · {points(book.price)}
      </p>
      <p>{rating(book)}</p>
    </li>
  );
}

export function rating(book: Book): string {
  const { average, count } = book.rating;
  return average === null
    ? 'No reviews yet'
    : `★ ${average.toFixed(1)} (${count} review${count === 1 ? '' : 's'})`;
}
