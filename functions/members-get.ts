// GET /api/members/{memberId}: the member itself, or a librarian.
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { getMember } from '../shared/app/members';
import { appDeps } from './lib/composition';
import { handled, identify, json, respond } from './lib/http';

async function membersGet(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  const caller = await identify(request, 'members.read');
  return respond(await getMember(appDeps(), caller, request.params.memberId), (member) => json(200, member));
}

app.http('members-get', {
  methods: ['GET', 'HEAD'],
  route: 'api/members/{memberId}',
  authLevel: 'anonymous',
  handler: handled(membersGet),
});
