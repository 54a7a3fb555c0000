// The host's one logger: plain lines on stderr (stdout stays free for what a command prints).
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string, err?: unknown): void;
}

const order: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export function createLogger(
  minLevel: LogLevel = 'info',
  write: (line: string) => void = (l) => process.stderr.write(l + '\n'),
): Logger {
  const at = (level: LogLevel, message: string): void => {
    if (order[level] >= order[minLevel]) write(`[${new Date().toISOString()}] ${level.padEnd(5)} ${message}`);
  };
  return {
    debug: (m) => at('debug', m),
    info: (m) => at('info', m),
    warn: (m) => at('warn', m),
    error: (m, err) =>
      at(
        'error',
        err === undefined ? m : `${m}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
      ),
  };
}
