// What every command-line tool does the same way: strict options, `--help` answered with the usage
// and exit code 0, a wrong option answered with the reason and the usage (exit code 2), and the
// running host found where it records itself (`local/host/host-record.ts`), named on stderr.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { findHost } from '../../local/host/host-record';

export interface Command {
  /** As the tool calls itself in messages: `seed: ...`. */
  name: string;
  /** The usage line(s): printed with `--help` and after a wrong option. */
  usage: string;
  /** What the tool does and what each option means: printed with `--help`. */
  help: string;
}

type Options = NonNullable<ParseArgsConfig['options']>;
type Values<O extends Options> = ReturnType<typeof parseArgs<{ options: O; strict: true }>>['values'];

/** The options given on the command line; exits after `--help` (0) or a wrong option (2). */
export function parseCommandLine<const O extends Options>(
  command: Command,
  options: O,
  args: string[] = process.argv.slice(2),
): Values<O> {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      args,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }));
  } catch (err) {
    usageError(command, (err as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${command.usage}\n\n${command.help.trim()}\n`);
    process.exit(0);
  }
  delete values.help;
  return values as Values<O>;
}

/** A wrong use of the command: the reason, the usage, exit code 2. */
export function usageError(command: Command, message: string): never {
  process.stderr.write(`${command.name}: ${message}\n${command.usage}\n`);
  process.exit(2);
}

/** The command could not do its work: the reason, exit code 1. */
export function failure(command: Command, message: string): never {
  process.stderr.write(`${command.name}: ${message}\n`);
  process.exit(1);
}

/**
 * The base URL of the host to talk to: `--url`, or the host running on the data file. Says which
 * on stderr (unless `quiet`); exits (1) when there is none, with a hint (`--url` if the command has it).
 */
export function hostToTalkTo(
  command: Command,
  options: { url?: string; db: string },
  { quiet = false, urlOption = true } = {},
): string {
  const found = findHost({ url: options.url, dbFile: options.db });
  if (found.url === undefined) {
    if (options.url !== undefined) usageError(command, `${found.why}.`);
    failure(command, `${found.why}: start one with npm start${urlOption ? ', or give --url' : ''}.`);
  }
  if (!quiet) process.stderr.write(`${command.name}: host ${found.url} (${found.via})\n`);
  return found.url;
}
