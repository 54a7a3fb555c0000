// POST /api/members/{memberId}/fees/payments {amount} (optional Idempotency-Key): pay late fees from points.
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { payFees } from '../shared/app/members';
import { appDeps } from './lib/composition';
import { handled, identify, json, readBody, readIdempotencyKey, respond } from './lib/http';
import { feePaymentBody } from './lib/schemas';

async function feesPay(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  const caller = await identify(request, 'fees.pay');
  const key = readIdempotencyKey(request);
  const { amount } = await readBody(request, feePaymentBody);
  const outcome = await payFees(appDeps(), caller, {
    memberId: request.params.memberId,
    amount,
    idempotencyKey: key,
  });
  return respond(outcome, (balance) => json(200, balance));
}

app.http('fees-pay', {
  methods: ['POST'],
  route: 'api/members/{memberId}/fees/payments',
  authLevel: 'anonymous',
  handler: handled(feesPay),
});
