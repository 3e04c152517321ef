// A probe, not a benchmark: what one Redis limit decision costs Redis itself. The limiter
// bench's load (three windows: 1000 sharers, 10 brands, one partner; 64 decisions in flight),
// beside a no-op EVALSHA at 64 in flight, with Redis's CPU read from `INFO cpu`
// (used_cpu_user + used_cpu_sys, every part of Redis: the script, its commands, the network)
// and this process's from `process.cpuUsage()`, each divided by the decisions made. Redis is
// single-threaded, so its CPU per decision bounds the decisions one Redis can make a second.
//
// WINDOW sets the windows' length: 3600 (the default, as the bench: nothing leaves a window
// during the run) or 1 (every batch trims every window it touches: the steady state of a busy
// window). The configurations run ROUNDS times (default 3), in an order rotated each round.
//
//   npm run build && node bench/probes/limiter-redis-cpu.mjs
//   WINDOW=1 node bench/probes/limiter-redis-cpu.mjs
import { createRedisLimiter } from "../../partner-server/dist/limits/redis.js";
import { connectRedis, whenReady } from "../../partner-server/dist/redis.js";
import { limiterChecks, runInFlight } from "../lib/limiter-load.mjs";
import { deleteRedisPrefix } from "../lib/servers.mjs";
import { rotated, stats } from "../lib/stats.mjs";

const url = process.env.MINICARD_BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
const windowSeconds = Number(process.env.WINDOW ?? 3600);
const rounds = Number(process.env.ROUNDS ?? 3);
const M = 100_000;
const IN_FLIGHT = 64;
const prefix = `minicard-probe-${process.pid}:`;

const connection = connectRedis(url);
await whenReady(connection, 3000);
const limiter = createRedisLimiter(connection, { prefix, history: async () => [] });
const Redis = (await import("ioredis")).default;
const raw = new Redis(url);
const noop = await raw.script("LOAD", "return 1");

async function redisCpuSeconds() {
  const info = await raw.info("cpu");
  return Number(/used_cpu_user:([\d.]+)/.exec(info)[1]) + Number(/used_cpu_sys:([\d.]+)/.exec(info)[1]);
}

/** Runs M operations, IN_FLIGHT at a time: the rate, and Redis's and this process's CPU per operation (µs). */
async function drive(operation) {
  const redisBefore = await redisCpuSeconds();
  const ownBefore = process.cpuUsage();
  const seconds = await runInFlight(M, IN_FLIGHT, operation);
  const own = process.cpuUsage(ownBefore);
  const redis = (await redisCpuSeconds()) - redisBefore;
  return { rate: M / seconds, redisUs: (redis * 1e6) / M, clientUs: (own.user + own.system) / M };
}

const configurations = {
  "EVALSHA no-op": () => raw.evalsha(noop, 0),
  "limiter decision": async (i) => {
    const decision = await limiter.acquire(limiterChecks(i, windowSeconds), `p${i}`, Date.now());
    if (!decision.allowed) throw new Error("the limiter refused");
  },
};
const results = Object.fromEntries(Object.keys(configurations).map((name) => [name, []]));
try {
  for (let round = 0; round < rounds; round += 1) {
    for (const name of rotated(Object.keys(configurations), round)) results[name].push(await drive(configurations[name]));
  }
} finally {
  await deleteRedisPrefix(url, prefix);
  await raw.quit();
  await limiter.close();
  connection.disconnect();
}
console.log(`windows of ${windowSeconds} s, ${rounds} rounds of ${M.toLocaleString("en")} operations, ${IN_FLIGHT} in flight (medians):`);
const noopRate = stats(results["EVALSHA no-op"].map((r) => r.rate)).median;
for (const [name, runs] of Object.entries(results)) {
  const rate = stats(runs.map((r) => r.rate)).median;
  const redisUs = stats(runs.map((r) => r.redisUs)).median;
  const clientUs = stats(runs.map((r) => r.clientUs)).median;
  console.log(`  ${name}: ${Math.round(rate).toLocaleString("en")}/s (${(rate / noopRate).toFixed(2)} × the no-op), Redis ${redisUs.toFixed(1)} µs and client ${clientUs.toFixed(1)} µs of CPU each`);
}
