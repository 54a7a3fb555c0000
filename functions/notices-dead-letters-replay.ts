// POST /api/notices/dead-letters/replay (librarians): sends every dead-lettered notice again; a notice
// that got through before is delivered nothing twice. Answers how many went and how many could not.
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { replayNoticeDeadLetters } from '../shared/app/notices';
import { appDeadLetterReceiver, appDeps, appMessageSender } from './lib/composition';
import { handled, identify, json, respond } from './lib/http';

async function noticesDeadLettersReplay(
  request: HttpRequest,
  _context: InvocationContext,
): Promise<HttpResponseInit> {
  const caller = await identify(request, 'notices.deadLetters');
  const outcome = await replayNoticeDeadLetters(
    appDeps(),
    caller,
    appDeadLetterReceiver(),
    appMessageSender(),
  );
  return respond(outcome, (result) => json(200, result));
}

app.http('notices-dead-letters-replay', {
  methods: ['POST'],
  route: 'api/notices/dead-letters/replay',
  authLevel: 'anonymous',
  handler: handled(noticesDeadLettersReplay),
});
