// My page: a member's points, fees owed, loans (due dates, overdue marks, the fee if returned now),
// holds (position or pick-up deadline), history; returning and renewing, depositing points and
// paying fees. A librarian sees any member's page the same way.
import { useEffect, useState } from 'preact/hooks';
import { api, data, idempotencyKey, type Mypage } from '../api/client';
import { href } from '../router';
import { day, holdStatusText, points, reasonText, rentalStatusText, when, won } from '../text';
import { Done, Loading, Page, ProblemNote, Text, useAction, useLoad } from '../ui';

const REFRESH_MS = 3_000;

export function MyPage({ memberId, own }: { memberId: string; own: boolean }) {
  const page = useLoad(
    async () => (await data(api.GET('/members/{memberId}/mypage', { params: { path: { memberId } } }))).value,
    [memberId],
  );
  // The page is a view the app keeps from every change: read it again while it is open.
  const { reload } = page;
  useEffect(() => {
    const timer = setInterval(reload, REFRESH_MS);
    return () => clearInterval(timer);
  }, [reload]);
  const title = own ? 'My page' : `Member ${page.value?.name ?? ''}`.trim();
  if (!page.value)
    return (
      <Page title={title}>
        {page.problem ? <ProblemNote problem={page.problem} /> : <Loading what="the page" />}
      </Page>
    );
  const m = page.value;
  return (
    <Page title={title}>
      <p class="greeting">
        <Text>{m.name}</Text>
      </p>
      <dl class="summary">
        <div>
          <dt>Points</dt>
          <dd data-testid="points">{points(m.points)}</dd>
        </div>
        <div>
          <dt>Fees owed</dt>
          <dd data-testid="fees-owed">{won(m.feesOwed)}</dd>
        </div>
        <div>
          <dt>On loan</dt>
          <dd>{m.onLoan}</dd>
        </div>
      </dl>
      <Money memberId={memberId} feesOwed={m.feesOwed} onChange={page.reload} />
      <Loans page={m} onChange={page.reload} />
      <Holds page={m} onChange={page.reload} />
      <History page={m} />
      <p>
        <small>As of {when(m.updatedAt)}. Changes show here within moments.</small>{' '}
        <button type="button" class="quiet" onClick={page.reload}>
          Refresh
        </button>
      </p>
    </Page>
  );
}

function Loans({ page, onChange }: { page: Mypage; onChange: () => void }) {
  const action = useAction();
  return (
    <div class="panel">
      <h2>On loan</h2>
      {page.pending.map((p) => (
        <p key={p.rentalId}>
          <Text>{p.bookTitle}</Text>: waiting for approval since {when(p.requestedAt)}
        </p>
      ))}
      {page.loans.length === 0 ? <p>Nothing on loan.</p> : null}
      <ul class="cards" aria-label="Loans">
        {page.loans.map((l) => (
          <li key={l.rentalId} class={l.overdue ? 'card overdue' : 'card'}>
            <h3>
              <a href={href('books', l.bookId)}>
                <Text>{l.bookTitle}</Text>
              </a>
            </h3>
            <p>
              Due <strong>{day(l.dueAt)}</strong>
              {l.overdue ? <span class="badge overdue">Overdue</span> : null}
            </p>
            {l.feeIfReturnedNow > 0 ? <p>Late fee if returned now: {won(l.feeIfReturnedNow)}</p> : null}
            <div class="actions">
              <button
                type="button"
                disabled={action.busy}
                onClick={() =>
                  action.run(async () => {
                    const { value } = await data(
                      api.POST('/rentals/{rentalId}/return', { params: { path: { rentalId: l.rentalId } } }),
                    );
                    onChange();
                    return value.fee
                      ? `Returned ${value.lateDays} day${value.lateDays === 1 ? '' : 's'} late: a late fee of ${won(value.fee)} is added to your fees.`
                      : 'Returned on time. Thank you!';
                  })
                }
              >
                Return <span class="visually-hidden">{l.bookTitle}</span>
              </button>
              <button
                type="button"
                disabled={action.busy}
                onClick={() =>
                  action.run(async () => {
                    const { value } = await data(
                      api.POST('/rentals/{rentalId}/renew', { params: { path: { rentalId: l.rentalId } } }),
                    );
                    onChange();
                    return `Renewed: now due ${day(value.dueAt!)}.`;
                  })
                }
              >
                Renew <span class="visually-hidden">{l.bookTitle}</span>
              </button>
            </div>
          </li>
        ))}
      </ul>
      <ProblemNote problem={action.problem} />
      <Done message={action.message} />
    </div>
  );
}

function Holds({ page, onChange }: { page: Mypage; onChange: () => void }) {
  const action = useAction();
  return (
    <div class="panel">
      <h2>Holds</h2>
      {page.holds.length === 0 ? <p>No holds.</p> : null}
      <ul class="cards" aria-label="Holds">
        {page.holds.map((h) => (
          <li key={h.holdId} class="card">
            <h3>
              <a href={href('books', h.bookId)}>
                <Text>{h.bookTitle}</Text>
              </a>
            </h3>
            <p>
              {h.status === 'READY'
                ? `${holdStatusText.READY}: collect it by ${when(h.readyUntil!)}`
                : `${holdStatusText.WAITING}: number ${h.position} in the queue`}
            </p>
            <button
              type="button"
              disabled={action.busy}
              onClick={() =>
                action.run(async () => {
                  await data(api.DELETE('/holds/{holdId}', { params: { path: { holdId: h.holdId } } }));
                  onChange();
                  return 'The hold is cancelled.';
                })
              }
            >
              Cancel hold <span class="visually-hidden">on {h.bookTitle}</span>
            </button>
          </li>
        ))}
      </ul>
      <ProblemNote problem={action.problem} />
      <Done message={action.message} />
    </div>
  );
}

function History({ page }: { page: Mypage }) {
  return (
    <div class="panel">
      <h2>History</h2>
      {page.history.length === 0 ? <p>No past rentals yet.</p> : null}
      <ul class="history">
        {page.history.map((h) => (
          <li key={h.rentalId}>
            <a href={href('books', h.bookId)}>
              <Text>{h.bookTitle}</Text>
            </a>{' '}
            — {rentalStatusText[h.status]} {day(h.returnedAt ?? h.requestedAt)}
            {h.status === 'REJECTED' && h.reason ? <span>: {reasonText[h.reason]}</span> : null}
            {h.status === 'RETURNED' && h.fee ? (
              <span>
                , {h.lateDays} days late, fee {won(h.fee)}
              </span>
            ) : null}
            {h.status === 'RETURNED' ? (
              <span>
                {' '}
                · <a href={href('books', h.bookId)}>Review it</a>
              </span>
            ) : null}
          </li>
        ))}
      </ul>
    </div>
  );
}

function Money({
  memberId,
  feesOwed,
  onChange,
}: {
  memberId: string;
  feesOwed: number;
  onChange: () => void;
}) {
  const action = useAction();
  // Each request carries a fresh Idempotency-Key: a retried submit is not a second deposit or payment.
  const params = () => ({ path: { memberId }, header: { 'Idempotency-Key': idempotencyKey() } });
  return (
    <div class="panel money">
      <AmountForm
        id="deposit"
        label="Deposit points"
        button="Deposit"
        action={action}
        submit={async (amount) => {
          const { value } = await data(
            api.POST('/members/{memberId}/points', { params: params(), body: { amount } }),
          );
          onChange();
          return `Deposited: you have ${points(value.points)}.`;
        }}
      />
      {feesOwed > 0 ? (
        <AmountForm
          id="payment"
          label="Pay fees from points (KRW)"
          button="Pay"
          action={action}
          submit={async (amount) => {
            const { value } = await data(
              api.POST('/members/{memberId}/fees/payments', { params: params(), body: { amount } }),
            );
            onChange();
            return `Paid: you owe ${won(value.feesOwed)} and have ${points(value.points)} left.`;
          }}
        />
      ) : null}
      <ProblemNote problem={action.problem} />
      <Done message={action.message} />
    </div>
  );
}

/** One whole amount and a button: what a deposit and a fee payment both ask. */
function AmountForm({
  id,
  label,
  button,
  action,
  submit,
}: {
  id: string;
  label: string;
  button: string;
  action: ReturnType<typeof useAction>;
  submit: (amount: number) => Promise<string>;
}) {
  const [amount, setAmount] = useState('');
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        void action.run(async () => {
          const done = await submit(Number(amount));
          setAmount('');
          return done;
        });
      }}
    >
      <label for={id}>{label}</label>
      <input
        id={id}
        inputMode="numeric"
        pattern="[0-9]*"
        required
        value={amount}
        onInput={(e) => setAmount(e.currentTarget.value)}
      />
      <button type="submit" disabled={action.busy}>
        {button}
      </button>
    </form>
  );
}
