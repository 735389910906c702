import { join } from 'node:path';
import { startConversion } from '../../src/conversions';
import { measure, type Round } from '../support';
import type { PipelineStack } from './stack';
import { forkChild, median, quantile, round, say, stopChild } from '../support';

/**
 * POST /v1/conversions against raw starts, at the same concurrency, in alternating rounds after a
 * warm-up of each. The raw side is `startConversion` from this process: the one
 * `client.workflow.start`, with the same options, that the route makes, so the difference is the
 * HTTP layer (request, JSON, validation, response). The API's callers run in a child process
 * (bench/api-load.ts), as they would on other machines. No worker polls the queue: only the start
 * is measured.
 */
export async function startApiPhase(stack: PipelineStack, options: { requests: number; rounds: number; concurrency: number }) {
  const { client } = stack;
  const { child } = await forkChild(join(__dirname, '../processes/api-load.js'), {}, join(stack.workDir, 'api-load.log'));
  try {
    let batch = 0;
    const api = (requests: number) =>
      new Promise<Round>((done, fail) => {
        child.process.once('message', (m: Round | { error: string }) => ('error' in m ? fail(new Error(m.error)) : done(m)));
        child.process.send({ url: stack.server.url, prefix: `${stack.run}-api-${batch++}`, requests, concurrency: options.concurrency });
      });
    const raw = (requests: number) => {
      const prefix = `${stack.run}-raw-${batch++}`;
      return measure((i) => startConversion(client, { audioId: `${prefix}-${i}` }, stack.apiStart).then(() => undefined), requests, options.concurrency);
    };
    say('start API: warming up');
    await raw(Math.min(200, options.requests));
    await api(Math.min(200, options.requests));
    const raws: Round[] = [];
    const apis: Round[] = [];
    // CPU time per process over each side's rounds: where the API's extra cost lands.
    const cpu = { raw: {} as Record<string, number>, api: {} as Record<string, number> };
    const timed = async (side: 'raw' | 'api', run: () => Promise<Round>) => {
      const before = stack.cpu({ 'api load': child.pid });
      const result = await run();
      const after = stack.cpu({ 'api load': child.pid });
      for (const name of Object.keys(after)) cpu[side][name] = (cpu[side][name] ?? 0) + (after[name] ?? 0) - (before[name] ?? 0);
      return result;
    };
    for (let r = 1; r <= options.rounds; r++) {
      raws.push(await timed('raw', () => raw(options.requests)));
      apis.push(await timed('api', () => api(options.requests)));
      say(`start API round ${r}: raw ${raws.at(-1)!.perSec.toFixed(0)}/s, API ${apis.at(-1)!.perSec.toFixed(0)}/s`);
    }
    const apiPerSec = median(apis.map((r) => r.perSec));
    const rawPerSec = median(raws.map((r) => r.perSec));
    const apiLatencies = apis.flatMap((r) => r.latencies);
    const rawLatencies = raws.flatMap((r) => r.latencies);
    return {
      startApiPerSec: round(apiPerSec, 1),
      rawStartPerSec: round(rawPerSec, 1),
      startApiRatio: round(apiPerSec / rawPerSec, 3),
      startApiP50Ms: round(quantile(apiLatencies, 0.5), 1),
      startApiP99Ms: round(quantile(apiLatencies, 0.99), 1),
      rawStartP50Ms: round(quantile(rawLatencies, 0.5), 1),
      rawStartP99Ms: round(quantile(rawLatencies, 0.99), 1),
      startRounds: options.rounds,
      startRequestsPerRound: options.requests,
      startConcurrency: options.concurrency,
      /** CPU ms per start, per process. */
      startCpuMsPerRequest: perRequest(cpu.api, options.rounds * options.requests),
      rawStartCpuMsPerRequest: perRequest(cpu.raw, options.rounds * options.requests),
    };
  } finally {
    await stopChild(child);
  }
}

const perRequest = (cpu: Record<string, number>, requests: number) =>
  Object.fromEntries(Object.entries(cpu).map(([name, seconds]) => [name, round((1000 * seconds) / requests, 2)]));
