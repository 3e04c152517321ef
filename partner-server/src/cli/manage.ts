/**
 * The management commands: migrate the database, and manage partners, brands, sharers, the
 * rollout and signing keys from a shell. They work on the store directly (no running server
 * needed); a running server picks up key rotations within seconds (it reloads its keys on a
 * timer, and hears rotations over Redis when it has Redis).
 */

import { adminTokenFor } from "../server.js";
import { loadConfig, type Config } from "../config.js";
import { openStore } from "../store/open.js";
import type { Store } from "../store/store.js";
import { openKeyRing } from "../keys/keyring.js";
import { announceRotation } from "../keys/announce.js";
import { connectRedis, whenReady } from "../redis.js";
import {
  addBrandKey,
  addPartnerKey,
  addPartnerOrigin,
  createBrand,
  createPartner,
  putSharer,
  removePartnerKey,
  removePartnerOrigin,
  removeSharer,
  requirePartner,
  rotateApiKey,
  setRollout,
  updateBrand,
  updatePartner,
  type AdminContext,
} from "../services/admin.js";
import { Problem } from "../problems.js";
import { brandStats, resolveRange } from "../services/brand-stats.js";
import { overrides, print, UsageError, type Command } from "./command.js";

async function withStore<T>(values: Record<string, unknown>, use: (store: Store, config: Config) => Promise<T>): Promise<T> {
  const config = loadConfig(overrides(values));
  const store = await openStore(config);
  try {
    return await use(store, config);
  } finally {
    await store.close();
  }
}

const admin = (store: Store): AdminContext => ({ store, now: Date.now });
const list = (value: unknown) => (typeof value === "string" ? value.split(",").map((item) => item.trim()).filter(Boolean) : undefined);
const strings = (value: unknown) => (Array.isArray(value) ? value.map(String) : list(value));

function required(values: Record<string, unknown>, ...names: string[]): void {
  const missing = names.filter((name) => values[name] === undefined);
  if (missing.length > 0) throw new UsageError(`missing ${missing.map((name) => `--${name}`).join(", ")}`);
}

/** `<noun> add-key --id ID --jwk JSON`: registers a public key with `add` (brands and partners alike). */
function addKeyCommand(noun: string, summary: string, add: (context: AdminContext, id: string, body: unknown) => Promise<{ kid: string }>): Command {
  return {
    summary,
    usage: `${noun} add-key --id ID --jwk '{"kty":"EC",…}'`,
    options: { id: { type: "string" }, jwk: { type: "string" } },
    async run(values) {
      required(values, "id", "jwk");
      let jwk: unknown;
      try {
        jwk = JSON.parse(String(values.jwk));
      } catch {
        throw new UsageError("--jwk must be JSON");
      }
      await withStore(values, async (store) => print(await add(admin(store), String(values.id), { jwk })));
    },
  };
}

/** The flags `partners create` and `partners update` take. */
const PARTNER_OPTIONS: Command["options"] = {
  id: { type: "string" },
  name: { type: "string" },
  origin: { type: "string", multiple: true },
  surfaces: { type: "string" },
  "require-sharer-pass": { type: "string" },
};

/**
 * `--apps` as the admin API's `apps`: `2021000000000001` is an Alipay app (as it always was),
 * `HOST:APPID` (`wechat:wx0123456789abcdef`) an app of that host.
 */
function apps(value: unknown): (string | { id: string; host: string })[] | undefined {
  return list(value)?.map((entry) => {
    const colon = entry.indexOf(":");
    return colon < 0 ? entry : { id: entry.slice(colon + 1), host: entry.slice(0, colon) };
  });
}

/** `<name> --id ID`: runs `act` on the store for that id and prints what it answers. */
function idCommand(name: string, summary: string, act: (context: AdminContext, id: string) => Promise<unknown>): Command {
  return {
    summary,
    usage: `${name} --id ID`,
    options: { id: { type: "string" } },
    async run(values) {
      required(values, "id");
      await withStore(values, async (store) => print(await act(admin(store), String(values.id))));
    },
  };
}

/** `--flag true|false` as `{ field: boolean }`, or nothing when the flag is absent. */
function optionalBoolean(values: Record<string, unknown>, flag: string, field: string): Record<string, boolean> {
  const value = values[flag];
  if (value === undefined) return {};
  if (value === "true" || value === "false") return { [field]: value === "true" };
  throw new UsageError(`--${flag} must be true or false`);
}

/** Every management command, by name. */
export const MANAGE_COMMANDS: Record<string, Command> = {
  migrate: {
    summary: "create or upgrade the database schema, then exit",
    usage: "migrate [--data-dir DIR] [--database-url URL]",
    options: {},
    async run(values) {
      await withStore(values, async (store) => print({ migrated: store.kind }));
    },
  },
  "partners list": {
    summary: "list partners",
    usage: "partners list",
    options: {},
    run: (values) => withStore(values, async (store) => print(await store.partners.list())),
  },
  "partners create": {
    summary: "create a partner",
    usage: "partners create --id ID --name NAME --origin URL [--origin URL…] [--surfaces dm,profile,feed] [--require-sharer-pass true]",
    options: PARTNER_OPTIONS,
    async run(values) {
      required(values, "id", "name", "origin");
      await withStore(values, async (store) =>
        print(
          await createPartner(admin(store), {
            id: values.id,
            name: values.name,
            origins: strings(values.origin),
            surfaces: list(values.surfaces) ?? ["dm", "profile", "feed"],
            ...optionalBoolean(values, "require-sharer-pass", "requireSharerPass"),
          }),
        ),
      );
    },
  },
  "partners update": {
    summary: "change a partner's name, surfaces or origins (--origin replaces the whole list: see partners origins add)",
    usage: "partners update --id ID [--name NAME] [--origin URL…] [--surfaces dm,feed] [--require-sharer-pass true|false]",
    options: PARTNER_OPTIONS,
    async run(values) {
      required(values, "id");
      const patch = {
        ...Object.fromEntries(
          Object.entries({ name: values.name, origins: strings(values.origin), surfaces: list(values.surfaces) }).filter(([, value]) => value !== undefined),
        ),
        ...optionalBoolean(values, "require-sharer-pass", "requireSharerPass"),
      };
      await withStore(values, async (store) => print(await updatePartner(admin(store), String(values.id), patch)));
    },
  },
  "partners origins list": {
    summary: "list the web origins a partner's pages are served from (events are taken from those only)",
    usage: "partners origins list PARTNER",
    options: {},
    positionals: ["PARTNER"],
    async run(values, [partner]) {
      await withStore(values, async (store) => print((await requirePartner(store, partner!)).origins));
    },
  },
  "partners origins add": {
    summary: "add a web origin to a partner's origins (the others stay; adding one it has changes nothing)",
    usage: "partners origins add PARTNER https://weibo.example",
    options: {},
    positionals: ["PARTNER", "ORIGIN"],
    async run(values, [partner, origin]) {
      await withStore(values, async (store) => print((await addPartnerOrigin(admin(store), partner!, origin!)).origins));
    },
  },
  "partners origins remove": {
    summary: "remove one web origin from a partner's origins",
    usage: "partners origins remove PARTNER https://weibo.example",
    options: {},
    positionals: ["PARTNER", "ORIGIN"],
    async run(values, [partner, origin]) {
      await withStore(values, async (store) => print((await removePartnerOrigin(admin(store), partner!, origin!)).origins));
    },
  },
  "partners add-key": addKeyCommand("partners", "register a public JWK the partner signs viewer and sharer passes with (ES256 or EdDSA)", addPartnerKey),
  "partners keys": idCommand("partners keys", "list the public keys a partner signs passes with", async ({ store }, id) => {
    await requirePartner(store, id);
    return (await store.partners.keys(id)).map((key) => key.jwk);
  }),
  "partners remove-key": {
    summary: "remove a partner's pass key: passes it signed stop counting within a minute",
    usage: "partners remove-key --id ID --kid KID",
    options: { id: { type: "string" }, kid: { type: "string" } },
    async run(values) {
      required(values, "id", "kid");
      await withStore(values, async (store) => {
        await removePartnerKey(admin(store), String(values.id), String(values.kid));
        print({ id: values.id, removed: values.kid });
      });
    },
  },
  "brands list": {
    summary: "list brands",
    usage: "brands list",
    options: {},
    run: (values) => withStore(values, async (store) => print(await store.brands.list())),
  },
  "brands create": {
    summary: "put a brand on the whitelist; prints its API key once",
    usage: "brands create --id ID --name NAME --category CATEGORY --apps APPID[,wechat:WXAPPID] [--surfaces dm,profile,feed] [--invited] [--logo URL]",
    options: {
      id: { type: "string" },
      name: { type: "string" },
      category: { type: "string" },
      apps: { type: "string" },
      surfaces: { type: "string" },
      invited: { type: "boolean" },
      logo: { type: "string" },
    },
    async run(values) {
      required(values, "id", "name", "category", "apps");
      await withStore(values, async (store) => {
        const { brand, apiKey } = await createBrand(admin(store), {
          id: values.id,
          name: values.name,
          category: values.category,
          apps: apps(values.apps),
          surfaces: list(values.surfaces) ?? ["dm", "profile", "feed"],
          invited: values.invited === true,
          ...(values.logo ? { logo: values.logo } : {}),
        });
        print({ ...brand, apiKey });
      });
    },
  },
  "brands update": {
    summary: "change a brand's name, apps or surfaces (--apps replaces the whole list)",
    usage: "brands update --id ID [--name NAME] [--apps APPID[,wechat:WXAPPID]] [--surfaces dm,feed]",
    options: { id: { type: "string" }, name: { type: "string" }, apps: { type: "string" }, surfaces: { type: "string" } },
    async run(values) {
      required(values, "id");
      const patch = Object.fromEntries(
        Object.entries({ name: values.name, apps: apps(values.apps), surfaces: list(values.surfaces) }).filter(([, value]) => value !== undefined),
      );
      await withStore(values, async (store) => print(await updateBrand(admin(store), String(values.id), patch)));
    },
  },
  "brands suspend": idCommand("brands suspend", "suspend a brand: all of its cards read revoked from now on", (context, id) =>
    updateBrand(context, id, { status: "suspended" }),
  ),
  "brands activate": idCommand("brands activate", "lift a brand's suspension", (context, id) => updateBrand(context, id, { status: "active" })),
  "brands rotate-key": idCommand("brands rotate-key", "replace a brand's API key; prints the new one once", async (context, id) => ({
    id,
    apiKey: await rotateApiKey(context, id),
  })),
  "brands stats": {
    summary: "a brand's impressions, clicks, UV and traffic-exchange ledger over a range",
    usage: "brands stats --id ID [--from 2026-11-01] [--to 2026-11-30]",
    options: { id: { type: "string" }, from: { type: "string" }, to: { type: "string" } },
    async run(values) {
      required(values, "id");
      await withStore(values, async (store, config) => {
        if (!(await store.brands.get(String(values.id)))) throw new Problem("not_found", `no brand ${values.id}`);
        const range = resolveRange({ from: values.from as string | undefined, to: values.to as string | undefined }, Date.now());
        print(await brandStats(store, String(values.id), range, config.exchangeRatio));
      });
    },
  },
  "brands add-key": addKeyCommand("brands", "register a public JWK for private_key_jwt", addBrandKey),
  "sharers list": {
    summary: "list a partner's whitelisted sharers",
    usage: "sharers list --partner ID",
    options: { partner: { type: "string" } },
    async run(values) {
      required(values, "partner");
      await withStore(values, async (store) => print(await store.sharers.list(String(values.partner))));
    },
  },
  "sharers add": {
    summary: "whitelist sharers for feed and profile shares",
    usage: "sharers add --partner ID --sharer NAME [--sharer NAME…]",
    options: { partner: { type: "string" }, sharer: { type: "string", multiple: true } },
    async run(values) {
      required(values, "partner", "sharer");
      await withStore(values, async (store) => {
        for (const sharer of strings(values.sharer) ?? []) await putSharer(admin(store), String(values.partner), sharer);
        print(await store.sharers.list(String(values.partner)));
      });
    },
  },
  "sharers remove": {
    summary: "take a sharer off the whitelist",
    usage: "sharers remove --partner ID --sharer NAME",
    options: { partner: { type: "string" }, sharer: { type: "string" } },
    async run(values) {
      required(values, "partner", "sharer");
      await withStore(values, async (store) => {
        await removeSharer(admin(store), String(values.partner), String(values.sharer));
        print(await store.sharers.list(String(values.partner)));
      });
    },
  },
  "rollout show": {
    summary: "show when each category opens",
    usage: "rollout show",
    options: {},
    run: (values) => withStore(values, async (store) => print(await store.rollout.get())),
  },
  "rollout set": {
    summary: "set the date a category opens",
    usage: "rollout set --category CATEGORY --opens 2026-12-01",
    options: { category: { type: "string" }, opens: { type: "string" } },
    async run(values) {
      required(values, "category", "opens");
      await withStore(values, async (store) =>
        print(await setRollout(admin(store), { categories: { [String(values.category)]: values.opens } })),
      );
    },
  },
  "keys list": {
    summary: "show the published signing keys",
    usage: "keys list",
    options: {},
    async run(values) {
      await withStore(values, async (store, config) => {
        const keys = await openKeyRing(store, { alg: config.signingAlg, secret: config.keySecret });
        print({ current: keys.current.kid, jwks: keys.jwks(Date.now()) });
      });
    },
  },
  "keys rotate": {
    summary: "rotate the signing key (the next key becomes current; old keys stay published until their cards expire)",
    usage: "keys rotate",
    options: {},
    async run(values) {
      await withStore(values, async (store, config) => {
        // Tell running instances at once when they share a Redis; they also poll the store.
        const redis = config.redisUrl ? connectRedis(config.redisUrl) : undefined;
        try {
          const keys = await openKeyRing(store, {
            alg: config.signingAlg,
            secret: config.keySecret,
            graceMs: config.keyGraceSeconds * 1000,
            ...(redis
              ? {
                  announce: async () => {
                    await whenReady(redis, 3000);
                    await announceRotation(redis, config.redisPrefix);
                  },
                }
              : {}),
          });
          print(await keys.rotate());
        } finally {
          redis?.disconnect();
        }
      });
    },
  },
  "admin-token": {
    summary: "print the admin token (generating it into the data folder if needed)",
    usage: "admin-token [--data-dir DIR]",
    options: {},
    async run(values) {
      process.stdout.write(`${adminTokenFor(loadConfig(overrides(values)))}\n`);
    },
  },
};
