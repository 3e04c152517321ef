/** Opens the limiter the configuration asks for. */

import { ConfigError } from "../config.js";
import type { Limiter } from "./limiter.js";
import { createMemoryLimiter } from "./memory.js";

/** In-process without a Redis URL. */
export async function openLimiter(config: { redisUrl: string | undefined }): Promise<Limiter> {
  if (config.redisUrl) throw new ConfigError("MINICARD_REDIS_URL is set, but this build has no Redis limiter yet");
  return createMemoryLimiter();
}
