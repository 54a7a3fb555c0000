// A book's page: its details, renting it (the answer followed until it settles), a hold when no copy
// is free, and its reviews (a member who has returned it may post one, and delete their own).
import { useState } from 'preact/hooks';
import { api, data, idempotencyKey, type Book, type Rental } from '../api/client';
import { signedIn } from '../auth';
import { href } from '../router';
import { bookStatusText, day, points, reasonText, when } from '../text';
import { Done, Loading, Page, ProblemNote, Text, useAction, useLoad } from '../ui';
import { rating } from './catalog';

export function BookPage({ bookId }: { bookId: string }) {
  const book = useLoad(
    async () => (await data(api.GET('/books/{bookId}', { params: { path: { bookId } } }))).value,
    [bookId],
  );
  if (!book.value)
    return (
      <Page title="Book">
        {book.problem ? <ProblemNote problem={book.problem} /> : <Loading what="the book" />}
      </Page>
    );
  const b = book.value;
  const who = signedIn();
  return (
    <Page title={b.title}>
      <dl class="facts">
        <dt>Author</dt>
        <dd>
          <Text>{b.author}</Text>
        </dd>
        {b.isbn ? (
          <>
            <dt>ISBN</dt>
            <dd>{b.isbn}</dd>
          </>
        ) : null}
        <dt>Price</dt>
        <dd>{points(b.price)}</dd>
        <dt>Availability</dt>
        <dd>
          {bookStatusText[b.status]}: {b.available} of {b.copies} free
        </dd>
        <dt>Rating</dt>
        <dd>{rating(b)}</dd>
      </dl>
      {who?.role === 'member' ? <Rent book={b} onChange={book.reload} /> : null}
      {!who ? (
        <p>
          <a href={href('sign-in')}>Sign in</a> to rent this book.
        </p>
      ) : null}
      <Reviews book={b} onChange={book.reload} />
    </Page>
  );
}

const settled = (r: Rental) => r.status !== 'REQUESTED';

function Rent({ book, onChange }: { book: Book; onChange: () => void }) {
  const [rental, setRental] = useState<Rental>();
  const action = useAction();
  const hold = useAction();

  const rent = () =>
    action.run(async () => {
      setRental(undefined);
      const { value } = await data(
        api.POST('/rentals', {
          body: { bookId: book.id },
          params: { header: { 'Idempotency-Key': idempotencyKey() } },
        }),
      );
      let current = value;
      setRental(current);
      // A 202: the saga is still at work. Follow the rental until it settles.
      while (!settled(current)) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        current = (await data(api.GET('/rentals/{rentalId}', { params: { path: { rentalId: current.id } } })))
          .value;
        setRental(current);
      }
      onChange();
    });

  return (
    <div class="panel">
      <h2>Rent</h2>
      <button type="button" onClick={rent} disabled={action.busy}>
        Rent for {points(book.price)}
      </button>
      <div aria-live="polite">
        {rental && rental.status === 'REQUESTED' ? (
          <p role="status">Asking the library… this can take a moment.</p>
        ) : null}
        {rental?.status === 'APPROVED' ? (
          <p class="note done" role="status">
            Approved: the book is yours until <strong>{day(rental.dueAt!)}</strong> ({when(rental.dueAt!)}).
            See it on <a href={href('me')}>My page</a>.
          </p>
        ) : null}
        {rental?.status === 'REJECTED' ? (
          <div class="note problem" role="alert">
            <strong>Not rented</strong>
            <p>{reasonText[rental.reason ?? 'PROCESSING_FAILED']}</p>
            {rental.reason === 'BOOK_RENTED' || rental.reason === 'BOOK_ON_HOLD' ? (
              <button
                type="button"
                disabled={hold.busy}
                onClick={() =>
                  hold.run(async () => {
                    const { value } = await data(
                      api.POST('/books/{bookId}/holds', {
                        params: {
                          path: { bookId: book.id },
                          header: { 'Idempotency-Key': idempotencyKey() },
                        },
                        body: {},
                      }),
                    );
                    return `You are number ${value.position} in the queue. You will be told when a copy is kept for you.`;
                  })
                }
              >
                Place a hold
              </button>
            ) : null}
          </div>
        ) : null}
      </div>
      <ProblemNote problem={action.problem ?? hold.problem} />
      <Done message={hold.message} />
    </div>
  );
}

function Reviews({ book, onChange }: { book: Book; onChange: () => void }) {
  const [continuation, setContinuation] = useState<string>();
  const reviews = useLoad(
    async () =>
      (
        await data(
          api.GET('/books/{bookId}/reviews', {
            params: { path: { bookId: book.id }, query: { limit: 10, continuation } },
          }),
        )
      ).value,
    [book.id, continuation],
  );
  const who = signedIn();
  const remove = useAction();
  return (
    <div class="panel">
      <h2>Reviews</h2>
      {who?.role === 'member' ? (
        <ReviewForm
          book={book}
          onPosted={() => {
            reviews.reload();
            onChange();
          }}
        />
      ) : null}
      <ProblemNote problem={reviews.problem ?? remove.problem} />
      {reviews.value?.items.length === 0 ? <p>No reviews yet.</p> : null}
      <ul class="reviews">
        {reviews.value?.items.map((r) => (
          <li key={r.id}>
            <p>
              <span aria-label={`${r.rating} of 5 stars`}>
                {'★'.repeat(r.rating) + '☆'.repeat(5 - r.rating)}
              </span>{' '}
              <small>{day(r.updatedAt)}</small>
            </p>
            <p>
              <Text>{r.text}</Text>
            </p>
            {who?.role === 'librarian' || who?.memberId === r.memberId ? (
              <button
                type="button"
                class="quiet"
                disabled={remove.busy}
                onClick={() =>
                  remove.run(async () => {
                    await data(api.DELETE('/reviews/{reviewId}', { params: { path: { reviewId: r.id } } }));
                    reviews.reload();
                    onChange();
                  })
                }
              >
                Delete this review
              </button>
            ) : null}
          </li>
        ))}
      </ul>
      {reviews.value?.continuation ? (
        <button type="button" onClick={() => setContinuation(reviews.value!.continuation!)}>
          Older reviews
        </button>
      ) : null}
    </div>
  );
}

function ReviewForm({ book, onPosted }: { book: Book; onPosted: () => void }) {
  const [stars, setStars] = useState(5);
  const [text, setText] = useState('');
  const post = useAction();
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        void post.run(async () => {
          const { response } = await data(
            api.POST('/books/{bookId}/reviews', {
              params: { path: { bookId: book.id } },
              body: { rating: stars, text },
            }),
          );
          setText('');
          onPosted();
          return response.status === 201 ? 'Thank you: your review is posted.' : 'Your review is updated.';
        });
      }}
    >
      <fieldset>
        <legend>Your review (for a book you have returned)</legend>
        <label for="review-rating">Stars</label>
        <select id="review-rating" value={stars} onChange={(e) => setStars(Number(e.currentTarget.value))}>
          {[5, 4, 3, 2, 1].map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
        <label for="review-text">What did you think?</label>
        <textarea
          id="review-text"
          maxLength={2000}
          required
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
        />
        <button type="submit" disabled={post.busy}>
          Post review
        </button>
      </fieldset>
      <ProblemNote problem={post.problem} />
      <Done message={post.message} />
    </form>
  );
}
