import { WorkLine } from '../../src/work-line';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('WorkLine: first come, first served places for heavy work', () => {
  it('when places are free, then work enters at once; beyond capacity it waits in order', async () => {
    const line = new WorkLine('exports', 2);
    const order: string[] = [];
    const a = await line.enter();
    const b = await line.enter();
    const c = line.enter().then((leave) => (order.push('c'), leave));
    const d = line.enter().then((leave) => (order.push('d'), leave));
    await tick();
    expect([line.active, line.queued]).toEqual([2, 2]);
    expect(order).toEqual([]);

    a();
    a(); // leaving twice frees one place only
    await tick();
    expect(order).toEqual(['c']);
    expect([line.active, line.queued]).toEqual([2, 1]);
    b();
    (await c)();
    (await d)();
    expect([line.active, line.queued]).toEqual([0, 0]);
  });

  it('when waiting, then each waiter hears its place in line as the line moves', async () => {
    const line = new WorkLine('uploads', 1);
    const first = await line.enter();
    const heard: Record<string, number[]> = { x: [], y: [], z: [] };
    const waiting = (['x', 'y', 'z'] as const).map((name) =>
      line.enter(undefined, (position) => heard[name]?.push(position)),
    );
    await tick();
    first();
    await tick();
    (await waiting[0])();
    await tick();
    (await waiting[1])();
    (await waiting[2])();
    expect(heard).toEqual({ x: [1], y: [2, 1], z: [3, 2, 1] });
  });

  it('when a waiter is cancelled, then it leaves the line with the reason and the others move up', async () => {
    const line = new WorkLine('exports', 1);
    const held = await line.enter();
    const controller = new AbortController();
    const positions: number[] = [];
    const cancelled = line.enter(controller.signal);
    const next = line.enter(undefined, (p) => positions.push(p));
    await tick();
    controller.abort(new Error('job cancelled'));
    await expect(cancelled).rejects.toThrow('job cancelled');
    expect(positions).toEqual([2, 1]);
    expect(line.queued).toBe(1);
    held();
    (await next)();
    expect(line.active).toBe(0);
    await expect(line.enter(controller.signal)).rejects.toThrow('job cancelled');
  });

  it('refuses a capacity below one', () => {
    expect(() => new WorkLine('bad', 0)).toThrow(RangeError);
  });
});
