/**
 * Key rotation across instances: a rotation on one instance (or from the CLI) reaches every
 * instance at once (Redis pub/sub; the periodic reload is set long here so it cannot be what
 * makes the test pass); cards from before and after verify with one SDK verifier; the old
 * public key leaves the JWKS once the last card it signed has expired (60 s cards, 1 s grace).
 */

import { spawn } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { createVerifier } from "@minicard/sdk";
import { CLI, admin, cardInput, postCard, seedWorld } from "../support/server.js";
import { ADMIN_TOKEN, startCluster, type Cluster } from "./cluster.js";

let cluster: Cluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const kidOf = (token: string): string => JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString()).kid;
const jwksKids = async (url: string): Promise<string[]> =>
  ((await (await fetch(`${url}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] }).keys.map((key) => key.kid);

function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk));
    child.stderr.on("data", (chunk: Buffer) => (stdout += chunk));
    child.once("exit", (code) => resolve({ code, stdout }));
  });
}

describe("scale-out: signing-key rotation", { timeout: 150_000 }, () => {
  it("reaches every instance at once, keeps old cards verifiable, and drops the old key after its cards expire", async () => {
    cluster = await startCluster({ env: { MINICARD_KEY_GRACE_SECONDS: "1", MINICARD_KEY_REFRESH_SECONDS: "600", MINICARD_KEY_SECRET: "scale-test-key-secret" } });
    const { apiKey } = await seedWorld(cluster.url, { token: ADMIN_TOKEN });
    const [a, b, c] = cluster.instances;
    const verifier = createVerifier({ issuer: cluster.url, audience: "weibo" });

    const before = await Promise.all([a!, b!, c!].map((instance) => postCard(instance.url, apiKey, cardInput({ ttlSeconds: 60 }))));
    const oldKid = kidOf(before[0]!.body.token);
    for (const result of before) expect(kidOf(result.body.token)).toBe(oldKid);
    for (const result of before) await verifier.verify(result.body.token, { surface: "dm" });
    const published = await jwksKids(a!.url);
    expect(published).toContain(oldKid);

    // Rotate on instance b; the key that was published as "next" signs from now on, everywhere.
    const { kid: newKid } = await admin(b!.url, ADMIN_TOKEN).rotateSigningKey();
    expect(newKid).not.toBe(oldKid);
    expect(published).toContain(newKid);
    await sleep(300);
    const after = await Promise.all([a!, b!, c!].map((instance) => postCard(instance.url, apiKey, cardInput({ ttlSeconds: 60 }))));
    for (const result of after) expect(kidOf(result.body.token)).toBe(newKid);
    // The same verifier, never restarted, accepts cards from before and after.
    for (const result of [...before, ...after]) {
      await expect(verifier.verify(result.body.token, { surface: "dm" })).resolves.toMatchObject({ id: result.body.id });
    }
    for (const instance of cluster.instances) expect(await jwksKids(instance.url)).toEqual(expect.arrayContaining([oldKid, newKid]));

    // A rotation from the CLI, on the store directly, is announced too.
    const cli = await runCli(["keys", "rotate", "--database-url", cluster.databaseUrl], {
      MINICARD_REDIS_URL: "redis://127.0.0.1:6379",
      MINICARD_REDIS_PREFIX: cluster.redisPrefix,
      MINICARD_KEY_SECRET: "scale-test-key-secret",
      MINICARD_KEY_GRACE_SECONDS: "1",
    });
    expect(cli.code, cli.stdout).toBe(0);
    const thirdKid = JSON.parse(cli.stdout).kid as string;
    // The first verifier knows the keys of its one fetch (old, and the then-next key); the
    // key that became next at the first rotation is new to it, and it refetches an unknown
    // kid at most every 30 s (the SDK's cooldown): a second verifier stands in for one whose
    // cache is simply younger.
    const later = createVerifier({ issuer: cluster.url, audience: "weibo" });
    await sleep(300);
    for (const instance of cluster.instances) {
      const card = await postCard(instance.url, apiKey, cardInput({ ttlSeconds: 60 }));
      expect(kidOf(card.body.token)).toBe(thirdKid);
      await later.verify(card.body.token, { surface: "dm" });
    }

    // Private keys are sealed at rest (MINICARD_KEY_SECRET).
    const keys = await cluster.query("select private_key from signing_keys");
    for (const key of keys) expect(key.private_key).toMatch(/^sealed:v1:/);

    // The oldest key's cards expire 60 s after issue (+1 s grace): then it leaves every JWKS.
    const oldestExpiry = Math.max(...before.map((result) => Date.parse(result.body.expiresAt)));
    await sleep(Math.max(0, oldestExpiry + 1500 - Date.now()));
    for (const instance of cluster.instances) {
      const kids = await jwksKids(instance.url);
      expect(kids).not.toContain(oldKid);
      expect(kids).toContain(thirdKid);
    }
  });
});
