import { Cleanup, waitUntil } from '../../bench/support';

describe('Cleanup (what a benchmark set up, undone)', () => {
  it('undoes the last thing set up first, once, however often it is closed', async () => {
    const undone: string[] = [];
    const cleanup = new Cleanup(() => {});
    cleanup.add(() => undone.push('work dir'));
    cleanup.add(
      () => undone.push('temporal'),
      () => undone.push('worker'),
    );
    await Promise.all([cleanup.close(), cleanup.close()]);
    await cleanup.close();
    expect(undone).toEqual(['worker', 'temporal', 'work dir']);
  });

  it('a second close (Ctrl-C during the run\'s own) waits until everything is undone', async () => {
    let stopped = false;
    const cleanup = new Cleanup(() => {});
    cleanup.add(async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      stopped = true;
    });
    void cleanup.close();
    await cleanup.close();
    expect(stopped).toBe(true);
  });

  it('goes on after a step that fails, and says which', async () => {
    const said: string[] = [];
    const undone: string[] = [];
    const cleanup = new Cleanup((message) => said.push(message));
    cleanup.add(() => undone.push('work dir'));
    cleanup.add(() => Promise.reject(new Error('temporal would not stop')));
    cleanup.add(() => {
      throw new Error('worker gone');
    });
    await cleanup.close();
    expect(undone).toEqual(['work dir']);
    expect(said).toEqual(['cleanup: Error: worker gone', 'cleanup: Error: temporal would not stop']);
  });
});

describe('waitUntil', () => {
  it('returns once the check holds; an error meanwhile counts as not yet', async () => {
    let calls = 0;
    await waitUntil(
      'the third check',
      () => {
        calls += 1;
        if (calls === 1) throw new Error('restarting');
        return calls >= 3;
      },
      10_000,
      { everyMs: 1 },
    );
    expect(calls).toBe(3);
  });

  it('fails after its deadline, naming what it waited for and the last error', async () => {
    await expect(waitUntil('a server that never answers', () => Promise.reject(new Error('ECONNREFUSED')), 20, { everyMs: 5 })).rejects.toThrow(
      /waiting for a server that never answers.*last error: ECONNREFUSED/,
    );
  });

  it('ends early when aborted', async () => {
    const abort = new AbortController();
    const waiting = waitUntil('never', () => false, 60_000, { everyMs: 10, signal: abort.signal });
    abort.abort();
    await expect(waiting).rejects.toThrow('aborted');
  });
});
