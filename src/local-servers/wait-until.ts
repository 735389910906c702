export interface WaitOptions {
  timeoutMs: number;
  everyMs?: number;
  /** True when waiting longer is pointless (the process being waited for has exited). */
  failFast?: () => boolean;
  signal?: AbortSignal | undefined;
}

/** Polls `check` until it is true; an error counts as "not yet" and is named if the wait fails. */
export async function waitUntil(what: string, check: () => boolean | Promise<boolean>, options: WaitOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      if (await check()) return;
    } catch (err) {
      last = err;
    }
    const reason = last instanceof Error ? `: ${last.message}` : '';
    if (options.failFast?.()) throw new Error(`gave up waiting for ${what}${reason}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${reason}`);
    if (options.signal?.aborted) throw new Error(`stopped waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, options.everyMs ?? 250));
  }
}
