// Overload: a store still throttled after its client's retries (the port's busy error) is answered
// at once with 503 and Retry-After, not a 500 or a timeout.
import { InvocationContext } from '@azure/functions';
import { expect, it } from 'vitest';
import { handled } from '../../functions/lib/http';
import { DocumentError } from '../../shared/app/ports';

it('a busy store (429 after retries) → 503 problem+json with Retry-After', async () => {
  const handler = handled(async (_context: InvocationContext) => {
    throw new DocumentError(429, 'Cosmos DB create on books: Request rate is large.');
  });
  const response = await handler(new InvocationContext());
  expect(response.status).toBe(503);
  expect(response.headers).toMatchObject({ 'Retry-After': '1' });
  expect(response.jsonBody).toMatchObject({ type: 'urn:rentbook:problem:busy', status: 503 });
});
