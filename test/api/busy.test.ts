// Overload: a store still throttled, unavailable or timing out after its client's retries (the port's
// busy errors) is answered at once with 503 and Retry-After, not a 500 or a timeout; a store that
// refuses the request for what it is (409, 413) is not busy.
import { InvocationContext } from '@azure/functions';
import { expect, it } from 'vitest';
import { handled } from '../../functions/lib/http';
import { BUSY_STATUSES, DocumentError } from '../../shared/app/ports';
import { SignInUnavailable } from '../../shared/entra-token';

/** What the function logged, as level and message. */
let logged: string[] = [];
/** A context whose log lines go to `logged` (emptied), where the test reads them. */
const loggingContext = () => {
  logged = [];
  return new InvocationContext({
    logHandler: (level, ...args) => logged.push(`${level} ${args.map(String).join(' ')}`),
  });
};
const answerTo = (status: number) =>
  handled(async (_context: InvocationContext) => {
    throw new DocumentError(status, `Cosmos DB batch on members: answered ${status}.`);
  })(loggingContext());

it.each(BUSY_STATUSES)(
  'a busy store (%i after retries) → 503 problem+json with Retry-After',
  async (status) => {
    const response = await answerTo(status);
    expect(response.status).toBe(503);
    expect(response.headers).toMatchObject({ 'Retry-After': '1' });
    expect(response.jsonBody).toMatchObject({ type: 'urn:rentbook:problem:busy', status: 503 });
  },
);

it.each([409, 413])('a store refusing the request (%i) is not busy: 500, no Retry-After', async (status) => {
  const response = await answerTo(status);
  expect(response.status).toBe(500);
  expect(response.headers).not.toHaveProperty('Retry-After');
  // The error is logged for operators, never put in the answer.
  expect(logged).toEqual([expect.stringMatching(new RegExp(`^error Unhandled error .*answered ${status}`))]);
  expect(JSON.stringify(response.jsonBody)).not.toContain('Cosmos DB');
});

it('sign-in that cannot be checked (the tenant’s keys out of reach) → 503 sign-in-unavailable', async () => {
  const response = await handled(async (_context: InvocationContext) => {
    throw new SignInUnavailable('Reading the signing keys failed: connect ECONNREFUSED');
  })(loggingContext());
  expect(response.status).toBe(503);
  expect(response.headers).toMatchObject({ 'Retry-After': '5' });
  expect(response.jsonBody).toMatchObject({ type: 'urn:rentbook:problem:sign-in-unavailable' });
  // Operators are told why, as a warning: the app is well, what it signs in with is out of reach.
  expect(logged).toEqual(['warning Reading the signing keys failed: connect ECONNREFUSED']);
});
