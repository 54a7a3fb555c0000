// GET /api/notices/dead-letters?limit=&continuation= (librarians): notices Service Bus dead-lettered, oldest first.
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { listNoticeDeadLetters } from '../shared/app/notices';
import { appDeadLetterReceiver } from './lib/composition';
import { handled, identify, json, readQuery, respond } from './lib/http';
import { noticeDeadLettersQuery } from './lib/schemas';

async function noticesDeadLettersList(
  request: HttpRequest,
  _context: InvocationContext,
): Promise<HttpResponseInit> {
  const caller = await identify(request, 'notices.deadLetters');
  const query = readQuery(request, noticeDeadLettersQuery);
  return respond(await listNoticeDeadLetters(caller, appDeadLetterReceiver(), query), (page) =>
    json(200, page),
  );
}

app.http('notices-dead-letters-list', {
  methods: ['GET', 'HEAD'],
  route: 'api/notices/dead-letters',
  authLevel: 'anonymous',
  handler: handled(noticesDeadLettersList),
});
