/**
 * @module @minicard/partner-server — the Node service. Most users run the CLI
 * (`minicard-server start`); embedders and tests build it here.
 */

export { buildApp, BODY_LIMIT } from "./app.js";
export { createServer, restoreLimits, adminTokenFor } from "./server.js";
export type { Server, ServerOptions } from "./server.js";
export { loadConfig, ConfigError } from "./config.js";
export type { Config, ConfigOverrides } from "./config.js";
export { PROBLEMS, Problem } from "./problems.js";
export type { ProblemCode } from "./problems.js";
export { createMemoryStore } from "./store/memory.js";
export { openSqliteStore } from "./store/sqlite.js";
export { openPostgresStore } from "./store/postgres.js";
export { openStore } from "./store/open.js";
export type { Store } from "./store/store.js";
export { createMemoryLimiter } from "./limits/memory.js";
export { createRedisLimiter } from "./limits/redis.js";
export type { RedisLimiterOptions } from "./limits/redis.js";
export { createLimiter } from "./limits/open.js";
export { connectRedis } from "./redis.js";
export { LimitsUnavailableError } from "./limits/limiter.js";
export type { Limiter, LimitCheck, LimitDecision, LimitState } from "./limits/limiter.js";
export { DEFAULT_LIMITS } from "./domain/limits.js";
export { CATEGORIES } from "./domain/model.js";
export type { Brand, Partner, LimitPolicy, Category } from "./domain/model.js";
