// `npm run start:func`: the app on Azure's own Functions host (Core Tools), for machines that have
// it, with the storage and Durable Task Scheduler emulators beside it. The embedded default
// (`npm start`) needs none of this. Checks what is missing and says how to get it.
//   Needs: Azure Functions Core Tools v4 (`func`), Azurite on 10000-10002 (AzureWebJobsStorage),
//   the Durable Task Scheduler emulator on 8080 (DURABLE_TASK_SCHEDULER_CONNECTION_STRING), and a
//   local.settings.json (copy local.settings.example.json; set the Azure connection settings).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
// The options helper every tool uses, from the build this command runs after.
import commandLine from '../dist/scripts/lib/command-line.js';

commandLine.parseCommandLine(
  {
    name: 'start:func',
    usage: 'usage: start:func',
    help: `
Runs the app on Azure's own Functions host (Core Tools, \`func start\`) with the storage and Durable Task
Scheduler emulators beside it, after checking that each is there; says what is missing otherwise.
Needs: \`func\` v4 on PATH, Azurite on 127.0.0.1:10000-10002, the Durable Task Scheduler emulator on
127.0.0.1:8080, and a local.settings.json (copy local.settings.example.json). \`npm start\` needs none.

  --help           this text`,
  },
  {},
);

const problems = [];
if (spawnSync('func', ['--version'], { stdio: 'ignore' }).error)
  problems.push(
    'Azure Functions Core Tools v4 (`func`) is not on PATH: install it from Microsoft (it cannot be an npm dependency here: its installer downloads the host).',
  );
if (!fs.existsSync('local.settings.json'))
  problems.push(
    'No local.settings.json: copy local.settings.example.json and fill in the Azure connection settings.',
  );

const listening = (port) =>
  new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
if (!(await listening(10000)))
  problems.push('Nothing listens on 127.0.0.1:10000: start Azurite (npx azurite@3.35.0 --disableTelemetry).');
if (!(await listening(8080)))
  problems.push(
    'Nothing listens on 127.0.0.1:8080: start the Durable Task Scheduler emulator (or point DURABLE_TASK_SCHEDULER_CONNECTION_STRING at a scheduler).',
  );

if (problems.length > 0) {
  process.stderr.write(`start:func cannot start the Functions host:\n- ${problems.join('\n- ')}\n`);
  process.exit(1);
}
const child = spawn('func', ['start', '--javascript'], { stdio: 'inherit' });
child.on('exit', (code) => process.exit(code ?? 1));
