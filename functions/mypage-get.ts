// GET /api/members/{memberId}/mypage: the member's own page (or a librarian's look at it), from the
// views the change feed keeps: points, fees owed, loans with due dates, requests, recent history.
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { getMypage } from '../shared/app/views';
import { appDeps } from './lib/composition';
import { handled, identify, json, respond } from './lib/http';

async function mypageGet(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  const caller = await identify(request, 'members.mypage');
  return respond(await getMypage(appDeps(), caller, request.params.memberId), (page) => json(200, page));
}

app.http('mypage-get', {
  methods: ['GET', 'HEAD'],
  route: 'api/members/{memberId}/mypage',
  authLevel: 'anonymous',
  handler: handled(mypageGet),
});
