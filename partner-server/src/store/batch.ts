/**
 * Group commit: writes that arrive while a transaction is being written wait and go into the
 * next one together, so one fsync acknowledges many cards. Every caller's promise resolves
 * only after its own write is committed; if a batch fails, its writes are retried one by one
 * so one bad write cannot fail its neighbours.
 */

interface Pending<T> {
  item: T;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Queues writes and commits them in batches of at most `maxBatch`, one batch at a time. */
export function createBatcher<T>(write: (items: T[]) => Promise<void>, maxBatch = 256): (item: T) => Promise<void> {
  let queue: Pending<T>[] = [];
  let running = false;

  async function drain(): Promise<void> {
    running = true;
    while (queue.length > 0) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(batch.length);
      try {
        await write(batch.map((pending) => pending.item));
        for (const pending of batch) pending.resolve();
      } catch (error) {
        if (batch.length === 1) {
          batch[0]!.reject(error);
          continue;
        }
        for (const pending of batch) {
          try {
            await write([pending.item]);
            pending.resolve();
          } catch (single) {
            pending.reject(single);
          }
        }
      }
    }
    running = false;
  }

  return (item) =>
    new Promise<void>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      // setImmediate lets every request parsed in this turn of the event loop join the batch.
      if (!running) {
        running = true;
        setImmediate(() => void drain());
      }
    });
}
