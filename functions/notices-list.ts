// GET /api/members/{memberId}/notices?limit=&continuation=: the member's inbox, newest first.
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { listNotices } from '../shared/app/notices';
import { appDeps } from './lib/composition';
import { handled, identify, json, readQuery, respond } from './lib/http';
import { noticeListQuery } from './lib/schemas';

async function noticesList(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  const caller = await identify(request, 'notices.list');
  const query = readQuery(request, noticeListQuery);
  return respond(await listNotices(appDeps(), caller, request.params.memberId, query), (page) =>
    json(200, page),
  );
}

app.http('notices-list', {
  methods: ['GET', 'HEAD'],
  route: 'api/members/{memberId}/notices',
  authLevel: 'anonymous',
  handler: handled(noticesList),
});
