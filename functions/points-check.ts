// GET /api/members/{memberId}/points/check?amount=N: does the balance cover N points?
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { checkPoints } from '../shared/app/members';
import { appDeps } from './lib/composition';
import { handled, identify, json, readQuery, respond } from './lib/http';
import { pointsCheckQuery } from './lib/schemas';

async function pointsCheck(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  const caller = await identify(request, 'points.check');
  const { amount } = readQuery(request, pointsCheckQuery);
  return respond(await checkPoints(appDeps(), caller, request.params.memberId, amount), (check) =>
    json(200, check),
  );
}

app.http('points-check', {
  methods: ['GET', 'HEAD'],
  route: 'api/members/{memberId}/points/check',
  authLevel: 'anonymous',
  handler: handled(pointsCheck),
});
