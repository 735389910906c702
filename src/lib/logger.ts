import pino, { type Logger } from 'pino';

export type { Logger };

const PRETTY_IGNORED = 'pid,hostname,taskToken,namespace,isLocal,sdkComponent,workflowRunId,runId,workflowType';

/** JSON lines for machines; readable lines when a person is watching a terminal. */
export function createLogger(level: string, name = 'wavflow'): Logger {
  const pretty = process.stdout.isTTY && process.env.CI !== 'true';
  return pino({
    name,
    level,
    // On a terminal: one line per entry, without the fields only machines need (the JSON has them).
    ...(pretty ? { transport: { target: 'pino-pretty', options: { ignore: PRETTY_IGNORED, singleLine: true, translateTime: 'HH:MM:ss.l' } } } : {}),
  });
}
