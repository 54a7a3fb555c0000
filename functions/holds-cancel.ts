// DELETE /api/holds/{holdId}: the member (or a librarian) cancels a hold; a READY hold's copy
// passes to the next in line.
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { cancelHold } from '../shared/app/holds';
import { appDeps } from './lib/composition';
import { handled, identify, json, respond } from './lib/http';

async function holdsCancel(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  const caller = await identify(request, 'holds.cancel');
  return respond(await cancelHold(appDeps(), caller, request.params.holdId), (hold) => json(200, hold));
}

app.http('holds-cancel', {
  methods: ['DELETE'],
  route: 'api/holds/{holdId}',
  authLevel: 'anonymous',
  handler: handled(holdsCancel),
});
