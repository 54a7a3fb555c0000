// GET / and the web app's files (dist/web): the page members and librarians use, served by the app
// itself so one deployment and one sign-in cover page and API. Every path but /api/*, /admin/* and
// /runtime/* (the API's and the host's own, which the route's constraint leaves alone however the
// host orders its routes) names a file of the built app.
import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { appConfig } from './lib/settings';
import { readWebFiles, WEB_ROOT, webAnswer } from './lib/web-files';

let files: ReturnType<typeof readWebFiles> | undefined;

async function web(request: HttpRequest): Promise<HttpResponseInit> {
  files ??= readWebFiles(WEB_ROOT);
  const config = appConfig();
  return webAnswer(
    files,
    { signIn: config.webSignIn },
    {
      path: request.params.path,
      ifNoneMatch: request.headers.get('if-none-match'),
    },
  );
}

app.http('web', {
  methods: ['GET', 'HEAD'],
  route: '{*path:regex(^(?!(api|admin|runtime)\\b))}',
  authLevel: 'anonymous',
  handler: web,
});
