// The app's set-up, as the azd TypeScript template has it in src/index.ts: HTTP streaming on, plus
// app-level hooks (the e2e test app's): what `appStart` leaves in the app-level hook data,
// `appTerminate` finds and writes to the file STREAM_APP_TERMINATE_FILE names; every postInvocation
// notes the `error` it saw.
import { app } from '@azure/functions';
import fs from 'node:fs';
import { note } from './journal';

app.setup({ enableHttpStream: true });

app.hook.appStart((context) => {
  context.hookData.startedBy = 'appStart';
});

app.hook.appTerminate((context) => {
  const file = process.env.STREAM_APP_TERMINATE_FILE;
  if (file) fs.writeFileSync(file, JSON.stringify({ hookData: context.hookData }));
});

app.hook.postInvocation((context) => {
  note('postInvocation', {
    functionName: context.invocationContext.functionName,
    error: context.error === null ? null : context.error === undefined ? 'undefined' : String(context.error),
  });
});
