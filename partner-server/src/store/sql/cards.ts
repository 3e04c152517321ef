/**
 * Issued cards. Inserts are group-committed: the cards (and the idempotency keys they
 * complete) of concurrent requests are written in one transaction.
 */

import type { Surface } from "@minicard/sdk";
import { CompiledQuery, sql } from "kysely";
import type { SigningJob } from "../../keys/signer.js";
import type { IdempotencyCompletion, StoredCard } from "../../domain/model.js";
import { createBatcher } from "../batch.js";
import type { Database } from "../schema.js";
import type { CardRepository } from "../store.js";
import { chunks, type SqlContext } from "./context.js";
import { cardRow, json, num, optNum, toCard } from "./rows.js";

interface CardWrite {
  card: Omit<StoredCard, "token">;
  /** The signed card's token; absent when the thread signs it (`signing`). */
  token?: string;
  idempotency: IdempotencyCompletion | undefined;
  /** Set when the thread is to sign the card: its token is then filled in there. */
  signing?: SigningJob;
}

/** The SQL card repository. */
export function createCardRepository({ db, guard, options }: SqlContext): CardRepository {
  /**
   * The SQL of a multi-row insert of `rows.length` cards, compiled once per batch size: the text
   * depends only on the size (every row has every column, in `cardRow`'s order), and compiling
   * a batch's tree of values again cost more than the rest of its write on the main thread.
   */
  const insertSql = new Map<number, string>();
  const insertCards = (rows: Database["cards"][]): CompiledQuery => {
    let sql = insertSql.get(rows.length);
    if (sql === undefined) insertSql.set(rows.length, (sql = db.insertInto("cards").values(rows).compile().sql));
    return CompiledQuery.raw(sql, rows.flatMap((row) => Object.values(row)));
  };

  /**
   * The statements of one batch of card writes: the cards, then their idempotency keys. A card
   * the thread signs has the parameter `{ $token: i }` (its place among the batch's signing
   * jobs) for its token, and its idempotency response gets the token with `json_set` (SQLite's;
   * only the SQLite thread signs).
   */
  const cardStatements = (writes: CardWrite[]): CompiledQuery[] => {
    let signed = 0;
    const tokens = writes.map((write) => (write.signing ? { $token: signed++ } : write.token!));
    return [
      insertCards(writes.map((write, i) => cardRow(write.card, tokens[i] as string))),
      ...writes.flatMap(({ idempotency, signing }, i) =>
        idempotency
          ? [
              db
                .updateTable("idempotency_keys")
                .set({
                  state: "done",
                  response: signing ? sql<string>`json_set(${json(idempotency.response)}, '$.body.token', ${tokens[i]})` : json(idempotency.response),
                })
                .where("brand_id", "=", idempotency.brandId)
                .where("key", "=", idempotency.key)
                .compile(),
            ]
          : [],
      ),
    ];
  };

  const { transact, transactSigned } = options;
  const writeCards = createBatcher<CardWrite, string>((writes) =>
    guard(async () => {
      const statements = cardStatements(writes);
      const jobs = writes.flatMap((write) => (write.signing ? [write.signing] : []));
      let signed: string[] = [];
      if (jobs.length > 0) signed = await transactSigned!(statements, jobs);
      else if (transact) await transact(statements);
      // One statement is atomic on its own: one round trip instead of BEGIN, INSERT, COMMIT.
      else if (statements.length === 1) await db.executeQuery(statements[0]!);
      else await db.transaction().execute(async (trx) => {
        for (const statement of statements) await trx.executeQuery(statement);
      });
      // Each write's token: the one the thread signed, or the one it came with.
      let next = 0;
      return writes.map((write) => (write.signing ? signed[next++]! : write.token!));
    }),
  );

  return {
    insert: async (card, idempotency) => {
      await writeCards({ card, token: card.token, idempotency });
    },
    ...(transactSigned && {
      insertSigned: (card, signing, idempotency) => writeCards({ card, idempotency, signing }),
    }),
    get: (id) =>
      guard(async () => {
        const row = await db.selectFrom("cards").selectAll().where("id", "=", id).executeTakeFirst();
        return row && toCard(row);
      }),
    getMany: (ids) =>
      guard(async () => {
        const rows = [];
        for (const chunk of chunks([...new Set(ids)], 500)) rows.push(...(await db.selectFrom("cards").selectAll().where("id", "in", chunk).execute()));
        return rows.map(toCard);
      }),
    revoke: (id, brandId, now) =>
      guard(async () => {
        const row = await db.selectFrom("cards").select(["brand_id"]).where("id", "=", id).executeTakeFirst();
        if (!row || row.brand_id !== brandId) return false;
        await db.updateTable("cards").set({ revoked_at: now }).where("id", "=", id).where("revoked_at", "is", null).execute();
        return true;
      }),
    statuses: (ids) =>
      guard(async () => {
        if (ids.length === 0) return [];
        const rows = await db
          .selectFrom("cards")
          .innerJoin("brands", "brands.id", "cards.brand_id")
          .select(["cards.id", "cards.brand_id", "cards.partner_id", "cards.surface", "cards.expires_at", "cards.revoked_at", "brands.status"])
          .where("cards.id", "in", [...ids])
          .execute();
        return rows.map((row) => ({
          id: row.id,
          brandId: row.brand_id,
          partnerId: row.partner_id,
          surface: row.surface as Surface,
          expiresAt: num(row.expires_at),
          revokedAt: optNum(row.revoked_at),
          brandStatus: row.status === "suspended" ? ("suspended" as const) : ("active" as const),
        }));
      }),
    issuedSince: (since) =>
      guard(async () => {
        const rows = await db
          .selectFrom("cards")
          .select(["id", "brand_id", "partner_id", "surface", "sharer", "issued_at"])
          .where("issued_at", ">=", since)
          .orderBy("issued_at")
          .execute();
        return rows.map((row) => ({
          id: row.id,
          brandId: row.brand_id,
          partnerId: row.partner_id,
          surface: row.surface as Surface,
          sharer: row.sharer ?? undefined,
          issuedAt: num(row.issued_at),
        }));
      }),
    lastExpiryForKey: (kid) =>
      guard(async () => {
        const row = await db
          .selectFrom("cards")
          .select(({ fn }) => fn.max("expires_at").as("last"))
          .where("kid", "=", kid)
          .executeTakeFirst();
        return row?.last == null ? 0 : Number(row.last);
      }),
    listByBrand: (brandId, listOptions = {}) =>
      guard(async () => {
        let query = db.selectFrom("cards").selectAll().where("brand_id", "=", brandId);
        if (listOptions.before !== undefined) query = query.where("id", "<", listOptions.before);
        const rows = await query.orderBy("id", "desc").limit(listOptions.limit ?? 100).execute();
        return rows.map(toCard);
      }),
    listActive: (partnerId, surface, now, limit) =>
      guard(async () => {
        let query = db
          .selectFrom("cards")
          .innerJoin("brands", "brands.id", "cards.brand_id")
          .selectAll("cards")
          .where("cards.partner_id", "=", partnerId)
          .where("cards.revoked_at", "is", null)
          .where("cards.expires_at", ">", now)
          .where("brands.status", "=", "active");
        if (surface !== undefined) query = query.where("cards.surface", "=", surface);
        const rows = await query.orderBy("cards.id", "desc").limit(limit).execute();
        return rows.map(toCard);
      }),
  };
}
