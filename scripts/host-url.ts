// `npm run -s host:url -- [--db FILE]`: prints the base URL of the host running on the data file,
// for scripts: BASE=$(npm run -s host:url).
import { hostToTalkTo, parseCommandLine, type Command } from './lib/command-line';

const command: Command = {
  name: 'host:url',
  usage: 'usage: host:url [--db FILE]',
  help: `
Prints the base URL of the local host running on the data file (such as http://127.0.0.1:7071),
alone on stdout; the API is under /api. Fails (exit code 1) when no host is running on it.

  --db FILE        the host's data file (default .data/local.db)
  --help           this text`,
};

const values = parseCommandLine(command, { db: { type: 'string', default: '.data/local.db' } });
process.stdout.write(hostToTalkTo(command, values, { quiet: true, urlOption: false }) + '\n');
