// POST /api/dead-letters/replay (librarians): runs every dead-lettered change again through the
// consumer that failed on it; those that succeed are removed. Answers how many went through.
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { replayDeadLetters } from '../shared/app/dead-letters';
import { appDeps } from './lib/composition';
import { consumers } from './lib/consumers';
import { handled, identify, json, respond } from './lib/http';

async function deadLettersReplay(
  request: HttpRequest,
  _context: InvocationContext,
): Promise<HttpResponseInit> {
  const caller = await identify(request, 'deadLetters.replay');
  return respond(await replayDeadLetters(appDeps(), caller, consumers), (result) => json(200, result));
}

app.http('dead-letters-replay', {
  methods: ['POST'],
  route: 'api/dead-letters/replay',
  authLevel: 'anonymous',
  handler: handled(deadLettersReplay),
});
