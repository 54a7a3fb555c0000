// POST /api/members/{memberId}/points {amount} (optional Idempotency-Key): credit points.
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { depositPoints } from '../shared/app/members';
import { appDeps } from './lib/composition';
import { handled, identify, json, readBody, readIdempotencyKey, respond } from './lib/http';
import { depositBody } from './lib/schemas';

async function pointsDeposit(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  const caller = await identify(request, 'points.deposit');
  const key = readIdempotencyKey(request);
  const { amount } = await readBody(request, depositBody);
  const outcome = await depositPoints(appDeps(), caller, {
    memberId: request.params.memberId,
    amount,
    idempotencyKey: key,
  });
  return respond(outcome, (balance) => json(200, balance));
}

app.http('points-deposit', {
  methods: ['POST'],
  route: 'api/members/{memberId}/points',
  authLevel: 'anonymous',
  handler: handled(pointsDeposit),
});
