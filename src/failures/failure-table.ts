import { FAILURES, type FailureRule } from './failures';

/**
 * The README's table of failures, generated from the failure table (src/failures/failures.ts) so the
 * documentation cannot drift from what the code does (a unit test compares them).
 */
export function failureTable(): string {
  const rows = FAILURES.map(([type, rule]) => `| \`${type}\` | ${comesFrom(rule)} | ${handling(rule)} | ${rule.action} |`);
  return ['| Failure type | Comes from | What happens | What to do |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

function comesFrom({ answers, callbacks, states, fileHost, when }: FailureRule): string {
  const sources: string[] = [];
  if (answers) {
    const codes = answers.codes.filter((code) => code !== 0).map(String);
    for (const [variant, only] of Object.entries(answers.only ?? {})) codes.push(`${only.join(', ')} with \`PROVIDER_VARIANT=${variant}\``);
    if (answers.otherwise) codes.push(answers.otherwise === '4xx' ? 'any other 4xx' : 'any other code');
    const silent = answers.codes.includes(0) ? ', or gave no answer (a network error)' : '';
    sources.push(`submit or record-info answered ${codes.join(', ')}${silent}`);
  }
  if (callbacks) sources.push(`a callback with \`code\` ${[...callbacks.codes, ...(callbacks.otherwise ? ['any other code but 200'] : [])].join(', ')}`);
  if (states) sources.push(`record-info ${[...states.names.map((name) => `\`${name}\``), ...(states.otherwise ? ['any other `*FAILED*` state'] : [])].join(', ')}`);
  if (fileHost) sources.push(`the file host answered ${fileHost.join(', ')}`);
  if (when) sources.push(when);
  return sources.join('; ');
}

function handling({ step, retryable, account, answers, callbacks }: FailureRule): string {
  if (retryable) {
    return step === 'download'
      ? 'retried, resuming where the last attempt stopped (for up to 12 h)'
      : 'retried after `PROVIDER_RETRY_BASE_MS`, doubling, at most `PROVIDER_RETRY_MAX_MS`: a submit for up to 30 min, then the conversion fails; a poll until the next one is due (a missed poll)';
  }
  const cases: string[] = [];
  if (answers) cases.push(account ? 'a submit or a poll fails the conversion at once' : 'a submit fails the conversion at once; a poll is a missed poll (the wait goes on)');
  if (callbacks) cases.push('a callback fails the conversion once record-info agrees that the task failed (at once with `confirmCallbacks: false`)');
  if (cases.length === 0) cases.push('the conversion fails');
  return `not retried: ${cases.join('; ')}`;
}
