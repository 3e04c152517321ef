/**
 * Widget events. Inserts are group-committed: the events of concurrent requests are stored
 * in one transaction of two steps (`event-statements.ts`), together with what they earn and
 * what they count. Reads come from the rollups (`event-counts.ts`); retention drops old
 * raw events (whole daily partitions on PostgreSQL).
 */

import { randomInt } from "node:crypto";
import { sql, type CompiledQuery, type QueryResult } from "kysely";
import type { EventSlot, IngestOutcome, StoredEvent } from "../../domain/model.js";
import { HALF_LIFE_MS, HOUR_MS, TRENDING_WINDOW_MS, dayOf, hourOf } from "../../domain/counting.js";
import { createBatcher } from "../batch.js";
import type { EventRepository } from "../store.js";
import type { SqlContext } from "./context.js";
import { brandCounts } from "./event-counts.js";
import { createEventStatements } from "./event-statements.js";
import { toEvent } from "./rows.js";

/** One caller's events and, once written, their outcomes. */
interface EventWrite {
  events: readonly StoredEvent[];
  outcomes: IngestOutcome[];
}

/** The SQL event repository. */
export function createEventRepository({ db, guard, options }: SqlContext): EventRepository {
  const { claimStatements, counterStatements } = createEventStatements(db, options.kind);

  /** Days whose `events` partition is known to exist (PostgreSQL). */
  const partitions = new Set<number>();
  /**
   * Creates the daily partitions a batch will write into, before its transaction. Another
   * instance may create one at the same moment, and a day whose rows already went to the
   * default partition cannot get its own: both are fine, the rows land in one or the other.
   */
  async function ensurePartitions(writes: readonly EventWrite[]): Promise<void> {
    if (!options.partitionedEvents) return;
    const days = new Set(writes.flatMap((write) => write.events.map((event) => dayOf(event.at))));
    for (const day of days) {
      if (partitions.has(day)) continue;
      try {
        await sql`CREATE TABLE IF NOT EXISTS ${sql.table(`events_d${day}`)} PARTITION OF events FOR VALUES FROM (${sql.lit(day)}) TO (${sql.lit(day + 1)})`.execute(db);
      } catch (error) {
        if (options.isUnavailable(error)) throw error;
      }
      partitions.add(day);
    }
  }

  /** Runs an event transaction: step one's statements, then what `next` makes of their answers. */
  function eventTransaction<T>(first: CompiledQuery[], next: (answers: QueryResult<unknown>[]) => { statements: CompiledQuery[]; value: T }): Promise<T> {
    if (options.transaction) {
      return options.transaction(async (run) => {
        const { statements, value } = next(await run(first));
        await run(statements);
        return value;
      });
    }
    return db.transaction().execute(async (trx) => {
      const answers: QueryResult<unknown>[] = [];
      for (const statement of first) answers.push(await trx.executeQuery(statement));
      const { statements, value } = next(answers);
      for (const statement of statements) await trx.executeQuery(statement);
      return value;
    });
  }

  const writeEvents = createBatcher<EventWrite>((writes) =>
    guard(async () => {
      const batch = writes.filter((write) => write.events.length > 0);
      if (batch.length === 0) return;
      await ensurePartitions(batch);
      // Unique per transaction: rows of earlier transactions never match it (2^48 values).
      const ingestBatch = randomInt(1, 2 ** 48 - 1);
      const events = batch.flatMap((write) => write.events);
      const { stored, claims } = claimStatements(events, ingestBatch);
      await eventTransaction([...stored, ...claims], (answers) => {
        const rows = (answer: QueryResult<unknown>) => answer.rows as Array<{ id?: string; event_id?: string; scope?: string; item?: string }>;
        const storedIds = new Set(answers.slice(0, stored.length).flatMap((answer) => rows(answer).map((row) => row.id!)));
        const won = answers.slice(stored.length).flatMap(rows).filter((row) => row.event_id !== undefined);
        const wonBy = (scope: string) => new Set(won.filter((row) => row.scope === scope).map((row) => row.event_id!));
        const [visits, debits] = [wonBy("brand"), wonBy("debit")];
        // Each stored row is counted once, for the first write that carried its id.
        const counted: StoredEvent[] = [];
        const byId = new Map<string, StoredEvent>();
        for (const write of batch) {
          write.outcomes.length = 0;
          for (const event of write.events) {
            const isNew = storedIds.delete(event.id);
            const slot: EventSlot = event.slot === "trending" && debits.has(event.id) ? "trending" : "organic";
            write.outcomes.push({ id: event.id, duplicate: !isNew, uv: isNew && visits.has(event.id), slot: isNew ? slot : "organic" });
            if (!isNew) continue;
            const final = slot === event.slot ? event : { ...event, slot };
            counted.push(final);
            byId.set(event.id, final);
          }
        }
        const claimed = won.flatMap((row) => (byId.has(row.event_id!) ? [{ event: byId.get(row.event_id!)!, scope: row.scope!, item: row.item! }] : []));
        return { statements: counterStatements(counted, claimed), value: undefined };
      });
    }),
  );

  return {
    async insert(events) {
      const write: EventWrite = { events, outcomes: [] };
      await writeEvents(write);
      return write.outcomes;
    },
    listByBrand: (brandId, from, to) =>
      guard(async () => {
        const rows = await db
          .selectFrom("events")
          .selectAll()
          .where("brand_id", "=", brandId)
          .where("at", ">=", from)
          .where("at", "<", to)
          .orderBy("at")
          .execute();
        return rows.map(toEvent);
      }),
    counts: (brandId, from, to) => guard(() => brandCounts(db, brandId, from, to)),
    scores: (partnerId, surface, now) =>
      guard(async () => {
        const since = hourOf(now - TRENDING_WINDOW_MS);
        const rows = await sql<{ card_id: string; score: number }>`SELECT card_id,
            SUM(score * power(2, (CAST(hour AS DOUBLE PRECISION) * ${sql.lit(HOUR_MS)} - CAST(${now} AS DOUBLE PRECISION)) / ${sql.lit(HALF_LIFE_MS)})) AS score
          FROM rollup_hours
          WHERE partner_id = ${partnerId} AND hour >= ${since} AND quality = 'credited' AND score > 0 ${surface === undefined ? sql`` : sql`AND surface = ${surface}`}
          GROUP BY card_id`.execute(db);
        return rows.rows.map((row) => ({ cardId: row.card_id, score: Number(row.score) }));
      }),
    ledger: (brandIds) =>
      guard(async () => {
        if (brandIds.length === 0) return [];
        const rows = await db.selectFrom("ledgers").selectAll().where("brand_id", "in", [...new Set(brandIds)]).execute();
        const ledgers = new Map(rows.map((row) => [row.brand_id, row]));
        return brandIds.map((brandId) => ({ brandId, uv: Number(ledgers.get(brandId)?.uv ?? 0), pvDelivered: Number(ledgers.get(brandId)?.pv_delivered ?? 0) }));
      }),
    purge: (beforeDay, limit, now) =>
      guard(async () => {
        // Visit keys are needed only while their day is open (events arrive up to a day late).
        // Bounded like the events below: after a long pause there may be many days of keys.
        await db
          .deleteFrom("visits")
          .where(({ eb, refTuple, selectFrom }) =>
            eb(
              refTuple("brand_id", "day", "viewer", "scope", "item"),
              "in",
              selectFrom("visits").select(["brand_id", "day", "viewer", "scope", "item"]).where("day", "<", dayOf(now) - 1).limit(limit).$asTuple("brand_id", "day", "viewer", "scope", "item"),
            ),
          )
          .execute();
        if (options.partitionedEvents) {
          const old = await sql<{ name: string }>`SELECT c.relname AS name FROM pg_inherits i
            JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
            WHERE p.relname = 'events' AND c.relname ~ '^events_d[0-9]+$'`.execute(db);
          for (const { name } of old.rows) {
            const day = Number(name.slice("events_d".length));
            if (day >= beforeDay) continue;
            await sql`DROP TABLE IF EXISTS ${sql.table(name)}`.execute(db);
            partitions.delete(day);
          }
        }
        // SQLite, and rows PostgreSQL kept in its default partition: bounded deletes.
        const result = await db
          .deleteFrom("events")
          .where(
            "id",
            "in",
            db.selectFrom("events").select("id").where("day", "<", beforeDay).limit(limit),
          )
          .executeTakeFirst();
        return Number(result.numDeletedRows);
      }),
  };
}
