/**
 * Many instances, one stream: with Redis configured, `POST /v1/events` appends each checked
 * batch to a Redis Stream and answers 202 once the append is done; a consumer group, in which
 * every instance is a consumer, folds the stream into the store (raw events, claims, rollups,
 * ledgers) in the store's own transactions.
 *
 * Exactly-once counting comes from the store, not from the stream: every event gets its id
 * before it is appended, and the store skips an id it has stored before, so folding an entry
 * twice counts it once. The stream only has to deliver at least once:
 * - an entry is acknowledged (`XACK`) after the store committed it;
 * - an instance killed mid-fold leaves its entries pending; after `claimIdleMs` another
 *   consumer takes them over (`XAUTOCLAIM`) and folds them again, and what the dead one had
 *   committed is skipped as already stored;
 * - acknowledged entries are trimmed (`XTRIM MINID`) only below what every consumer group
 *   has delivered and acknowledged, so a second group (a column store's feeder, say) reads
 *   the same stream without losing entries.
 *
 * When Redis cannot take the append, the batch is written to the store directly (the same
 * transaction the fold would run), so beacons keep flowing; the answer then reports outcomes
 * as without a stream. The backlog (entries not yet folded) is the `minicard_events_backlog`
 * gauge. Redis must keep the stream: see docs/scale.md for the persistence it needs.
 */

import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import type { StoredEvent } from "../domain/model.js";
import { duplicateRedis } from "../redis.js";
import type { Store } from "../store/store.js";

/** The consumer group every instance joins. */
export const FOLD_GROUP = "fold";
/** Entries one consumer takes per read. */
const READ_COUNT = 200;
/** How long a read waits for new entries. */
const BLOCK_MS = 1000;

/** Options of {@link createEventStream}. */
export interface EventStreamOptions {
  /** The connection appends use (commands never block on it). */
  redis: Redis;
  /** Key prefix (`minicard:`): the stream is `<prefix>events`. */
  prefix: string;
  store: Store;
  /** Pending entries idle this long are claimed by another consumer; default 30 s. */
  claimIdleMs?: number;
  /** Reports a fold that failed (it is retried) and an entry that cannot be read (it is set aside). */
  onError?: (error: unknown, context: string) => void;
  /** Reports the backlog after each maintenance pass. */
  onBacklog?: (backlog: number) => void;
}

/** The stream of checked beacon batches, and this instance's consumer. */
export interface EventStream {
  /** The stream's key. */
  readonly key: string;
  /** This consumer's name in the group. */
  readonly consumer: string;
  /** Appends one batch; resolves once Redis has it. Throws when Redis cannot take it. */
  append(events: readonly StoredEvent[]): Promise<void>;
  /** Entries not yet folded by the group: undelivered plus delivered and not acknowledged. */
  backlog(): Promise<number>;
  /** Joins the group and folds until `close()`. */
  start(): void;
  /** Stops folding (the entry in hand is finished and acknowledged first). */
  close(): Promise<void>;
}

type Entry = [id: string, fields: string[]];

/** Creates the stream over `redis`; call `start()` to fold. */
export function createEventStream(options: EventStreamOptions): EventStream {
  const key = `${options.prefix}events`;
  const consumer = `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
  const claimIdleMs = options.claimIdleMs ?? 30_000;
  // A blocking read holds its connection: the consumer gets its own.
  const reader = duplicateRedis(options.redis, { commandTimeout: BLOCK_MS + 5000 });
  let running: Promise<void> | undefined;
  let closed = false;

  async function ensureGroup(): Promise<void> {
    try {
      // From the stream's start: entries appended before any instance joined are folded too.
      await reader.xgroup("CREATE", key, FOLD_GROUP, "0", "MKSTREAM");
    } catch (error) {
      if (!/BUSYGROUP/.test((error as Error).message)) throw error;
    }
  }

  /** Folds entries into the store in one write, then acknowledges them. */
  async function fold(entries: Entry[]): Promise<void> {
    if (entries.length === 0) return;
    const events: StoredEvent[] = [];
    const unreadable: string[] = [];
    for (const [id, fields] of entries) {
      try {
        const batch = JSON.parse(fields[1] ?? "") as StoredEvent[];
        if (!Array.isArray(batch)) throw new Error("not a list of events");
        events.push(...batch.map((event) => ({ ...event, viewer: event.viewer ?? undefined, placement: event.placement ?? undefined, dedupKey: event.dedupKey ?? undefined })));
      } catch (error) {
        unreadable.push(id);
        options.onError?.(error, `stream entry ${id} cannot be read; moved to ${key}:unreadable`);
      }
    }
    for (const id of unreadable) {
      const entry = entries.find(([entryId]) => entryId === id)!;
      await reader.xadd(`${key}:unreadable`, "*", "id", id, ...entry[1]);
    }
    await options.store.events.insert(events);
    await reader.xack(key, FOLD_GROUP, ...entries.map(([id]) => id));
  }

  /** Trims what every group has acknowledged; reports the backlog. */
  async function maintain(): Promise<void> {
    const groups = await groupsOf();
    let floor: string | undefined;
    for (const group of groups) {
      const pending = (await reader.xpending(key, group.name)) as [number, string | null, string | null, unknown];
      const below = pending[0] > 0 && pending[1] ? pending[1] : nextId(group.lastDelivered);
      if (floor === undefined || compareIds(below, floor) < 0) floor = below;
    }
    if (floor !== undefined) await reader.xtrim(key, "MINID", floor);
    options.onBacklog?.(await backlogOf(groups));
  }

  async function groupsOf(): Promise<Array<{ name: string; pending: number; lastDelivered: string; lag: number | null }>> {
    const raw = (await reader.xinfo("GROUPS", key)) as unknown[][];
    return raw.map((fields) => {
      const info = new Map<string, unknown>();
      for (let i = 0; i < fields.length; i += 2) info.set(String(fields[i]), fields[i + 1]);
      const lag = info.get("lag");
      return {
        name: String(info.get("name")),
        pending: Number(info.get("pending")),
        lastDelivered: String(info.get("last-delivered-id")),
        lag: lag === null || lag === undefined ? null : Number(lag),
      };
    });
  }

  async function backlogOf(groups: Awaited<ReturnType<typeof groupsOf>>): Promise<number> {
    const fold = groups.find((group) => group.name === FOLD_GROUP);
    if (!fold) return Number(await options.redis.xlen(key));
    // Redis cannot tell the lag after some trims: then the stream's length is the bound (it
    // holds only what some group has not acknowledged yet, trimmed every few seconds).
    if (fold.lag === null) return Number(await options.redis.xlen(key));
    return fold.lag + fold.pending;
  }

  async function loop(): Promise<void> {
    let lastMaintenance = 0;
    let lastClaim = 0;
    // After a failed fold, this consumer's own pending entries are read again first ("0").
    let retryOwn = true;
    while (!closed) {
      try {
        await ensureGroup();
        const now = Date.now();
        if (now - lastClaim >= Math.min(claimIdleMs, 5000)) {
          lastClaim = now;
          // Entries another consumer (or this one, before a failure) took and never acknowledged.
          let cursor = "0-0";
          do {
            const [next, claimed] = (await reader.xautoclaim(key, FOLD_GROUP, consumer, claimIdleMs, cursor, "COUNT", READ_COUNT)) as [string, Entry[]];
            await fold(claimed.filter((entry) => entry[1] !== null));
            cursor = next;
          } while (cursor !== "0-0" && !closed);
        }
        if (now - lastMaintenance >= 2000) {
          lastMaintenance = now;
          await maintain();
        }
        const from = retryOwn ? "0" : ">";
        const read = (await reader.xreadgroup("GROUP", FOLD_GROUP, consumer, "COUNT", READ_COUNT, "BLOCK", BLOCK_MS, "STREAMS", key, from)) as Array<[string, Entry[]]> | null;
        const entries = read?.[0]?.[1] ?? [];
        if (retryOwn && entries.length === 0) retryOwn = false;
        await fold(entries);
      } catch (error) {
        if (closed) return;
        retryOwn = true;
        // Redis or the store is down: what was read stays pending and is claimed again later.
        options.onError?.(error, "folding the event stream failed; retrying");
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  return {
    key,
    consumer,
    async append(events) {
      await options.redis.xadd(key, "*", "events", JSON.stringify(events));
    },
    async backlog() {
      return backlogOf(await groupsOf());
    },
    start() {
      running ??= loop();
    },
    async close() {
      closed = true;
      await running;
      reader.disconnect();
    },
  };
}

function compareIds(a: string, b: string): number {
  const [ams, aseq] = a.split("-").map(BigInt) as [bigint, bigint];
  const [bms, bseq] = b.split("-").map(BigInt) as [bigint, bigint];
  return ams === bms ? (aseq < bseq ? -1 : aseq > bseq ? 1 : 0) : ams < bms ? -1 : 1;
}

function nextId(id: string): string {
  const [ms, seq] = id.split("-") as [string, string];
  return `${ms}-${BigInt(seq) + 1n}`;
}
