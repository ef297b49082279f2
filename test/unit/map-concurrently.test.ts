import { mapConcurrently } from '../../src/map-concurrently';

describe('mapConcurrently (pure)', () => {
  it('when 20 items are mapped with limit 3, then at most 3 run at once and results keep input order', async () => {
    let running = 0;
    let peak = 0;
    const items = Array.from({ length: 20 }, (_, i) => i);
    const results = await mapConcurrently(items, 3, async (item) => {
      running++;
      peak = Math.max(peak, running);
      // Later items finish sooner, so completion order differs from input order.
      await new Promise((resolve) => setTimeout(resolve, 20 - item));
      running--;
      return item * 2;
    });
    expect(results).toEqual(items.map((i) => i * 2));
    expect(peak).toBe(3);
  });

  it('when a call fails, then the whole map rejects with its error', async () => {
    await expect(
      mapConcurrently([1, 2, 3], 2, (item) =>
        item === 2 ? Promise.reject(new Error('boom 2')) : Promise.resolve(item),
      ),
    ).rejects.toThrow('boom 2');
  });

  it('when there is nothing to map, then it resolves empty; a limit below 1 is refused', async () => {
    await expect(mapConcurrently([], 4, (x: number) => Promise.resolve(x))).resolves.toEqual([]);
    await expect(mapConcurrently([1], 0, (x) => Promise.resolve(x))).rejects.toThrow(RangeError);
  });
});
