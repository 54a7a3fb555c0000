// GET /api/members?q=&limit=&continuation=: members by name, for librarians (q searches the name).
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { listMembers } from '../shared/app/members';
import { appDeps } from './lib/composition';
import { handled, identify, json, readQuery, respond } from './lib/http';
import { memberListQuery } from './lib/schemas';

async function membersList(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  const caller = await identify(request, 'members.list');
  const query = readQuery(request, memberListQuery);
  return respond(await listMembers(appDeps(), caller, query), (page) => json(200, page));
}

app.http('members-list', {
  methods: ['GET', 'HEAD'],
  route: 'api/members',
  authLevel: 'anonymous',
  handler: handled(membersList),
});
