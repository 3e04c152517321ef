/**
 * Telling every instance about a key rotation at once: the instance (or CLI) that rotated
 * publishes on a Redis channel and every instance reloads its keys when it hears it. Pub/sub
 * messages are not stored, so each instance also reloads on a timer (`keyRefreshSeconds`):
 * without Redis, or when a message is missed while Redis is away, a rotation reaches every
 * instance within that interval. Verifiers never see an unknown `kid` either way, because the
 * next key is published before it signs anything.
 */

import type { Redis } from "ioredis";
import { duplicateRedis } from "../redis.js";

/** The channel rotations are announced on. */
export const rotationChannel = (prefix: string) => `${prefix}signing-keys`;

/** Announces a rotation to every instance listening on `redis`. */
export async function announceRotation(redis: Redis, prefix: string): Promise<void> {
  await redis.publish(rotationChannel(prefix), "rotated");
}

/**
 * Calls `onRotation` whenever a rotation is announced on `redis`; resubscribes by itself after
 * Redis comes back. A subscribed connection can do nothing else, so it listens on a duplicate.
 */
export function watchRotations(redis: Redis, prefix: string, onRotation: () => void): { close(): void } {
  const subscriber = duplicateRedis(redis);
  subscriber.on("ready", () => {
    // Subscribe on every (re)connect; a rotation missed while disconnected is caught up now.
    subscriber.subscribe(rotationChannel(prefix)).then(onRotation, () => {});
  });
  subscriber.on("message", (channel: string) => {
    if (channel === rotationChannel(prefix)) onRotation();
  });
  return { close: () => subscriber.disconnect() };
}
