import { RateLimitedError } from '../../src/errors';
import { RunningJobsCap } from '../../src/api/running-jobs-cap';

/** A running-jobs source whose answer the test sets, recording how often it was asked. */
function fakeVisibility(initial: string[]) {
  const state = { running: initial, queries: 0 };
  const source = async (_owner: string, limit: number): Promise<string[]> => {
    state.queries += 1;
    await new Promise((resolve) => setImmediate(resolve));
    return state.running.slice(0, limit);
  };
  return { state, source };
}

describe('RunningJobsCap', () => {
  it('reuses a fresh answer, adding the jobs this gateway started that visibility does not show yet', async () => {
    let now = 0;
    const { state, source } = fakeVisibility([]);
    const cap = new RunningJobsCap(source, 3, 1_000, () => now);
    for (const id of ['w1', 'w2', 'w3']) {
      const release = await cap.assertUnder('key_a');
      cap.started('key_a', id);
      release();
    }
    expect(state.queries).toBe(1);
    // Visibility has not seen the three yet: the local starts refuse the fourth,
    // even after the fresh query a refusal asks for.
    await expect(cap.assertUnder('key_a')).rejects.toThrow(RateLimitedError);
    expect(state.queries).toBe(2);
    // Visibility now shows them: the same jobs are not counted twice.
    now += 500;
    state.running = ['w1', 'w2'];
    await expect(cap.assertUnder('key_a')).rejects.toThrow('already has 3 export jobs running');
    // w1 ended: its slot is free at once, although w2 and w3 started moments ago.
    state.running = ['w2', 'w3'];
    await expect(cap.assertUnder('key_a')).resolves.toBeInstanceOf(Function);
  });

  it('asks again after the TTL and re-checks every refusal against a fresh answer', async () => {
    let now = 0;
    const { state, source } = fakeVisibility(['a', 'b']);
    const cap = new RunningJobsCap(source, 2, 1_000, () => now);
    await expect(cap.assertUnder('key_b')).rejects.toThrow(RateLimitedError);
    state.running = ['b']; // one ended
    (await cap.assertUnder('key_b'))(); // a place, given back (the job failed to start)
    const asked = state.queries;
    (await cap.assertUnder('key_b'))();
    expect(state.queries).toBe(asked);
    now += 1_001;
    (await cap.assertUnder('key_b'))();
    expect(state.queries).toBe(asked + 1);
  });

  it('forgets local starts once they are older than visibility lag', async () => {
    let now = 0;
    const { state, source } = fakeVisibility([]);
    const cap = new RunningJobsCap(source, 1, 1_000, () => now);
    const release = await cap.assertUnder('key_f');
    cap.started('key_f', 'quick-job');
    release();
    await expect(cap.assertUnder('key_f')).rejects.toThrow(RateLimitedError);
    // The job ended before visibility ever listed it as running; 2 s later its start no longer counts.
    now += 2_001;
    await expect(cap.assertUnder('key_f')).resolves.toBeInstanceOf(Function);
    expect(state.queries).toBe(3);
  });

  it('shares one query among concurrent requests and keeps owners apart', async () => {
    const { state, source } = fakeVisibility([]);
    const cap = new RunningJobsCap(source, 100, 1_000, () => 0);
    await Promise.all(Array.from({ length: 20 }, () => cap.assertUnder('key_c')));
    expect(state.queries).toBe(1);
    await cap.assertUnder('key_d');
    expect(state.queries).toBe(2);
  });

  it('when a burst of requests arrives at once, then exactly the free places pass, each counted before its job starts', async () => {
    const { source } = fakeVisibility(['old-1']);
    const cap = new RunningJobsCap(source, 4, 1_000, () => 0);
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => cap.assertUnder('key_g')));
    const passed = outcomes.filter((o) => o.status === 'fulfilled');
    expect(passed).toHaveLength(3);
    expect(outcomes.filter((o) => o.status === 'rejected')).toHaveLength(7);
    // Started jobs keep their places; a released place (a start that failed) is free again.
    const [first, second, third] = passed.map((o) => (o as PromiseFulfilledResult<() => void>).value);
    cap.started('key_g', 'new-1');
    first?.();
    cap.started('key_g', 'new-2');
    second?.();
    third?.();
    await expect(cap.assertUnder('key_g')).resolves.toBeInstanceOf(Function);
    await expect(cap.assertUnder('key_g')).rejects.toThrow(RateLimitedError);
  });

  it('lets an error from visibility through (no silent pass)', async () => {
    const cap = new RunningJobsCap(() => Promise.reject(new Error('visibility down')), 5);
    await expect(cap.assertUnder('key_e')).rejects.toThrow('visibility down');
  });
});
