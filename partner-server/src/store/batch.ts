/**
 * Group commit: writes that arrive while a transaction is being written wait and go into the
 * next one together, so one fsync acknowledges many cards. Every caller's promise resolves
 * only after its own write is committed; if a batch fails, its writes are retried one by one
 * so one bad write cannot fail its neighbours.
 */

interface Pending<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Queues writes and commits them in batches of at most `maxBatch`, one batch at a time. Each
 * write's promise resolves to its item's result, when `write` answers one per item (in order).
 */
export function createBatcher<T, R = void>(write: (items: T[]) => Promise<R[] | void>, maxBatch = 256): (item: T) => Promise<R> {
  let queue: Pending<T, R>[] = [];
  let running = false;

  async function drain(): Promise<void> {
    running = true;
    while (queue.length > 0) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(batch.length);
      try {
        const results = await write(batch.map((pending) => pending.item));
        batch.forEach((pending, i) => pending.resolve(results?.[i] as R));
      } catch (error) {
        if (batch.length === 1) {
          batch[0]!.reject(error);
          continue;
        }
        for (const pending of batch) {
          try {
            const results = await write([pending.item]);
            pending.resolve(results?.[0] as R);
          } catch (single) {
            pending.reject(single);
          }
        }
      }
    }
    running = false;
  }

  return (item) =>
    new Promise<R>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      // setImmediate lets every request parsed in this turn of the event loop join the batch.
      if (!running) {
        running = true;
        setImmediate(() => void drain());
      }
    });
}
