import pino, { type Logger } from 'pino';

export type { Logger };

/** JSON lines for machines; readable lines when a person is watching a terminal. */
export function createLogger(level: string, name = 'wavflow'): Logger {
  const pretty = process.stdout.isTTY && process.env.CI !== 'true';
  return pino({
    name,
    level,
    ...(pretty ? { transport: { target: 'pino-pretty', options: { ignore: 'pid,hostname', translateTime: 'HH:MM:ss.l' } } } : {}),
  });
}
