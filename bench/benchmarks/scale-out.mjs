// Issuance on three instances vs one, same PostgreSQL + Redis; and one instance on
// PostgreSQL + Redis vs one on the embedded SQLite default, same load.

import os from "node:os";
import { cardJob, repeatLoad } from "../lib/http-load.mjs";
import { record } from "../lib/results.mjs";
import { deleteRedisPrefix, seedBench, startPartnerServer } from "../lib/servers.mjs";
import { stats } from "../lib/stats.mjs";

export async function benchScaleOut() {
  const pg = (await import("pg")).default;
  const base = process.env.MINICARD_BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
  const redisUrl = process.env.MINICARD_BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
  const db = `minicard_bench_${process.pid}`;
  const adminClient = new pg.Client({ connectionString: base });
  await adminClient.connect();
  const results = { one: [], three: [], sqlite: [] };
  const sqlite = await startPartnerServer();
  try {
    results.sqlite = await repeatLoad(cardJob([sqlite.url], await seedBench(sqlite.url)), "issuance on 1 instance, SQLite");
  } finally {
    await sqlite.stop();
  }
  try {
    for (const count of [1, 3]) {
      await adminClient.query(`DROP DATABASE IF EXISTS ${db}`);
      await adminClient.query(`CREATE DATABASE ${db}`);
      const url = new URL(base);
      url.pathname = `/${db}`;
      const prefix = `minicard-bench-${process.pid}-${count}:`;
      const env = { MINICARD_DATABASE_URL: url.href, MINICARD_REDIS_URL: redisUrl, MINICARD_REDIS_PREFIX: prefix };
      const servers = [];
      try {
        for (let i = 0; i < count; i += 1) servers.push(await startPartnerServer({ env }));
        const apiKey = await seedBench(servers[0].url);
        // Let the other instances see the new partner and brand (they cache lookups briefly).
        await new Promise((resolve) => setTimeout(resolve, 1500));
        const runs = await repeatLoad(cardJob(servers.map((s) => s.url), apiKey), `issuance on ${count} instance(s), PostgreSQL + Redis`);
        results[count === 1 ? "one" : "three"] = runs;
      } finally {
        await Promise.all(servers.map((s) => s.stop()));
        await deleteRedisPrefix(redisUrl, prefix);
      }
    }
  } finally {
    await adminClient.query(`DROP DATABASE IF EXISTS ${db}`).catch(() => {});
    await adminClient.end();
  }
  const one = results.one.map((r) => r.perSecond);
  const three = results.three.map((r) => r.perSecond);
  const ratio = stats(three).median / stats(one).median;
  record({
    name: "card issuance on 3 instances, PostgreSQL + Redis, 50 connections",
    unit: "cards/s",
    value: three,
    ceiling: one,
    ceilingName: "one instance, same store",
    target: "≥ 1.6 × one instance",
    met: ratio >= 1.6,
    note: `${os.cpus().length} cores shared by the instances, PostgreSQL, Redis and the load generator`,
  });
  const onSqlite = results.sqlite.map((r) => r.perSecond);
  const versus = stats(one).median / stats(onSqlite).median;
  record({
    name: "card issuance on 1 instance, PostgreSQL + Redis, 50 connections",
    unit: "cards/s",
    value: one,
    ceiling: onSqlite,
    ceilingName: "one instance on SQLite",
    target: "≥ 0.8 × SQLite",
    met: versus >= 0.8,
    extra: { p99Ms: stats(results.one.map((r) => r.p99)), sqliteP99Ms: stats(results.sqlite.map((r) => r.p99)) },
  });
}
