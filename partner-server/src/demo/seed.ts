/**
 * The demo world `npm start` seeds: a partner (`weibo-demo`) whose origins are this server
 * itself (the demo partner app is served at `/demo/`) and whose pass key the demo API signs
 * viewer passes with, six brands across categories and
 * card kinds, a whitelist of sharers, and enough live cards for a DM thread, a profile and a
 * feed of 200+. Seeding goes through the real issuance path (validation, policy, limits,
 * signing, storage) with the clock moved back, so demo cards are real cards.
 *
 * Idempotent: a second start reuses what is there and only tops the feed up when cards
 * have expired. Demo credentials are kept in `<data dir>/demo.json` (mode 600).
 */

import { generateKeyPairSync, randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { CardInput } from "@minicard/sdk";
import type { AppContext } from "../context.js";
import type { Category, EventQuality, EventSlot, StoredCard, StoredEvent } from "../domain/model.js";
import { newId } from "../domain/ids.js";
import { addPartnerKey, createBrand, createPartner, putSharer, setRollout, rotateApiKey, type AdminContext } from "../services/admin.js";
import { issueCard } from "../services/issue-card.js";

/** The demo partner's id. */
export const DEMO_PARTNER = "weibo-demo";
/** The brand whose key `npm start` prints. */
export const DEMO_BRAND = "demo-cinema";
/** How many live feed cards the demo keeps. */
export const DEMO_FEED_SIZE = 220;

interface DemoBrand {
  id: string;
  name: string;
  category: Category;
  app: string;
  logo: string;
  invited: boolean;
  cards: Array<Pick<CardInput, "kind" | "title" | "description" | "cta" | "price" | "membership"> & { page: string; query?: string }>;
}

/** Demo images are served by this server: https is required for card images, so they use the issuer when it is https and a public placeholder host otherwise. */
function image(name: string): string {
  return `https://picsum.photos/seed/minicard-${name}/640/360`;
}

const BRANDS: DemoBrand[] = [
  {
    id: DEMO_BRAND,
    name: "星光影城 Starlight Cinema",
    category: "commercial-brand",
    app: "2021000000000001",
    logo: "https://picsum.photos/seed/minicard-cinema-logo/96/96",
    invited: true,
    cards: [
      { kind: "app", title: "今晚 19:30《流浪地球3》IMAX 余票 12 张", description: "选座购票，影院取票免排队。", cta: "选座购票", page: "pages/movie/detail?id=1042", query: "from=weibo" },
      { kind: "product", title: "双人观影套餐：2 张电影票 + 大桶爆米花", description: "周末通用，限时特价。", cta: "立即抢购", price: { amount: "79.90", currency: "CNY" }, page: "pages/combo/detail?id=7" },
      { kind: "membership", title: "星光会员：先享后付，首月免费", description: "每月 2 张免费票，会员日半价。", cta: "开通会员", membership: { benefit: "每月 2 张免费电影票", trialDays: 30 }, page: "pages/member/join" },
    ],
  },
  {
    id: "demo-burger",
    name: "汉堡研究所 Burger Lab",
    category: "smart-retail",
    app: "2021000000000002",
    logo: "https://picsum.photos/seed/minicard-burger-logo/96/96",
    invited: false,
    cards: [
      { kind: "product", title: "招牌双层牛肉堡套餐", description: "到店自取 15 分钟内出餐。", cta: "下单自取", price: { amount: "32.50", currency: "CNY" }, page: "pages/menu/item?sku=B2", query: "store=sh-001" },
      { kind: "app", title: "新店开业：前 100 名送薯条", description: "上海静安店，本周六开业。", cta: "领取优惠", page: "pages/coupon/claim?campaign=open" },
    ],
  },
  {
    id: "demo-campus",
    name: "校园通 Campus Link",
    category: "campus",
    app: "2021000000000003",
    logo: "https://picsum.photos/seed/minicard-campus-logo/96/96",
    invited: false,
    cards: [
      { kind: "app", title: "图书馆座位预约已开放", description: "期末周座位紧张，提前两天可约。", cta: "预约座位", page: "pages/library/seats" },
      { kind: "app", title: "Campus shuttle: live arrival times", description: "See where the next bus is before you leave the dorm.", cta: "Track bus", page: "pages/bus/live", query: "line=2" },
    ],
  },
  {
    id: "demo-coffee",
    name: "山野咖啡 Hill Coffee",
    category: "livelihood",
    app: "2021000000000004",
    logo: "https://picsum.photos/seed/minicard-coffee-logo/96/96",
    invited: false,
    cards: [
      { kind: "product", title: "冷萃燕麦拿铁 第二杯半价", description: "每日限量 200 杯。", cta: "去点单", price: { amount: "18.00", currency: "CNY" }, page: "pages/order/menu?cat=cold" },
      { kind: "membership", title: "咖啡月卡：先喝后付", description: "每天一杯，月底再付款。", cta: "先享后付", membership: { benefit: "每天一杯任意咖啡", trialDays: 30 }, price: { amount: "199.00", currency: "CNY" }, page: "pages/card/monthly" },
    ],
  },
  {
    id: "demo-mcn",
    name: "好物研究社 Goodies MCN",
    category: "mcn-agency",
    app: "2021000000000005",
    logo: "https://picsum.photos/seed/minicard-mcn-logo/96/96",
    invited: true,
    cards: [
      { kind: "product", title: "主播同款便携榨汁杯", description: "直播间专属价，小程序内下单包邮。", cta: "马上买", price: { amount: "59.00", currency: "CNY" }, page: "pages/goods/detail?id=9981", query: "live=20261124" },
      { kind: "product", title: "Travel pillow, memory foam", description: "The one from last night's stream, shipped in 48 hours.", cta: "Buy now", price: { amount: "89.00", currency: "CNY" }, page: "pages/goods/detail?id=1203" },
    ],
  },
  {
    id: "demo-city",
    name: "城市服务 City Services",
    category: "government-affairs",
    app: "2021000000000006",
    logo: "https://picsum.photos/seed/minicard-city-logo/96/96",
    invited: false,
    cards: [
      { kind: "app", title: "社保查询与电子社保卡", description: "一键查询缴费记录。", cta: "去查询", page: "pages/social/insurance" },
      { kind: "app", title: "Renew your residence permit online", description: "Book a slot and upload documents in minutes.", cta: "Start", page: "pages/permit/renew" },
    ],
  },
];

/** Whitelisted sharers of the demo partner. */
export const DEMO_SHARERS = ["demo-alice", "demo-bob", "demo-carol", "demo-dave", "demo-erin", "demo-frank", "demo-grace", "demo-heidi", "demo-ivan", "demo-judy", "demo-kim", "demo-leo"];

/** Credentials kept in `demo.json`. */
export interface DemoCredentials {
  partner: string;
  brands: Record<string, string>;
  /**
   * The demo partner's pass key: its backend (the demo API) signs viewer passes for its
   * signed-in readers with it; the public half is registered with the partner.
   */
  passKey?: { kid: string; privateJwk: Record<string, unknown>; pseudonymSecret: string };
}

function credentialsFile(dataDir: string): string {
  return join(dataDir, "demo.json");
}

/** Reads the demo credentials, if the demo was seeded in this data folder. */
export function readDemoCredentials(dataDir: string): DemoCredentials | undefined {
  const file = credentialsFile(dataDir);
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, "utf8")) as DemoCredentials;
}

/** Seeds (or tops up) the demo world; answers the demo credentials. */
export async function seedDemo(context: AppContext, origins: string[]): Promise<DemoCredentials> {
  const admin: AdminContext = { store: context.store, now: context.now, onPartnersChanged: () => context.origins.invalidate() };
  const dataDir = context.config.dataDir;
  const credentials: DemoCredentials = readDemoCredentials(dataDir) ?? { partner: DEMO_PARTNER, brands: {} };

  const partner = await context.store.partners.get(DEMO_PARTNER);
  if (!partner) {
    await createPartner(admin, { id: DEMO_PARTNER, name: "微博 Weibo (demo)", origins, surfaces: ["dm", "profile", "feed"] });
  } else {
    const missing = origins.filter((origin) => !partner.origins.includes(origin));
    if (missing.length > 0) {
      await context.store.partners.update(DEMO_PARTNER, { origins: [...partner.origins, ...missing] });
      context.origins.invalidate();
    }
  }
  for (const sharer of DEMO_SHARERS) await putSharer(admin, DEMO_PARTNER, sharer);
  // The partner's backend signs viewer passes, so its readers' visits earn the brands credit.
  if (!credentials.passKey) {
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const privateJwk = { ...privateKey.export({ format: "jwk" }), alg: "ES256", kid: "weibo-demo-passes-1" };
    credentials.passKey = { kid: privateJwk.kid, privateJwk, pseudonymSecret: randomBytes(32).toString("base64url") };
  }
  const { d: _private, ...publicJwk } = credentials.passKey.privateJwk;
  await addPartnerKey(admin, DEMO_PARTNER, { jwk: publicJwk });
  // The internal-test phase opened at the start of the year; the beta opens next year.
  await setRollout(admin, {
    categories: {
      "government-affairs": "2026-01-01",
      livelihood: "2026-01-01",
      "public-welfare": "2026-01-01",
      campus: "2026-01-01",
      "smart-retail": "2026-01-01",
      "commercial-brand": "2027-06-01",
      "government-agency": "2027-06-01",
      "mcn-agency": "2027-06-01",
    },
  });

  for (const brand of BRANDS) {
    if (!(await context.store.brands.get(brand.id))) {
      const { apiKey } = await createBrand(admin, {
        id: brand.id,
        name: brand.name,
        category: brand.category,
        apps: [brand.app],
        surfaces: ["dm", "profile", "feed"],
        invited: brand.invited,
        logo: brand.logo,
      });
      credentials.brands[brand.id] = apiKey;
    } else if (!credentials.brands[brand.id]) {
      // The data folder lost demo.json: issue a fresh key rather than guess.
      credentials.brands[brand.id] = await rotateApiKey(admin, brand.id);
    }
  }
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(credentialsFile(dataDir), `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });

  await topUpCards(context);
  await seedEngagement(context);
  return credentials;
}

/**
 * Beacons of the past week on a few feed cards, so the hot list, the stats and the brand
 * console have something to show on first start: every brand but City Services brings
 * visitors (and so earns exposure); City Services' card is seen but never opened, so it has
 * no balance and stays out of the hot list's paid slots. Skipped when the partner's cards
 * already have credited engagement this week (a restart).
 */
async function seedEngagement(context: AppContext): Promise<void> {
  const now = context.now();
  if ((await context.store.events.scores(DEMO_PARTNER, undefined, now)).length > 0) return;
  const cards = await context.store.cards.listActive(DEMO_PARTNER, "feed", now, 400);
  const events: StoredEvent[] = [];
  const add = (card: StoredCard, type: "impression" | "click", visitor: string, at: number, quality: EventQuality, slot: EventSlot = "organic") =>
    events.push({
      id: newId(at),
      type,
      cardId: card.id,
      brandId: card.brandId,
      partnerId: card.partnerId,
      surface: card.surface,
      slot,
      quality,
      visitor,
      viewer: quality === "credited" ? `p_demo-${visitor}` : undefined,
      // Seeded paid impressions stand for a placement each (one hot-list read per visit).
      placement: slot === "trending" ? `seed-${newId(at)}` : undefined,
      at,
      dedupKey: type === "impression" ? `${card.id}|${visitor}|${slot}|${Math.floor(at / 60_000)}` : undefined,
    });
  BRANDS.forEach((brand, b) => {
    const own = cards.filter((card) => card.brandId === brand.id).slice(0, brand.id === DEMO_BRAND ? 4 : 2);
    own.forEach((card, c) => {
      const days = brand.id === DEMO_BRAND ? 7 : 1;
      const seen = 12 + ((b * 7 + c * 5) % 17);
      for (let day = 0; day < days; day++) {
        for (let i = 0; i < seen; i++) {
          const at = now - day * 24 * 3600 * 1000 - ((i * 37 + c * 11) % 1200) * 60_000 - 60_000;
          // Most traffic comes from signed-in readers (credited); some from logged-out pages
          // (unverified), link-preview bots and one over-eager client (suspect).
          const quality: EventQuality = i % 9 === 4 ? "unverified" : i % 13 === 7 ? "bot" : i % 17 === 11 ? "suspect" : "credited";
          const trending = i % 6 === 0 && brand.id !== "demo-city" && quality === "credited";
          add(card, "impression", `demo-v${(i * 3 + day) % 40}`, at, quality, trending ? "trending" : "organic");
          if (brand.id !== "demo-city" && i % 5 === c % 5) add(card, "click", `demo-v${(i + day * 2) % 40}`, at + 30_000, quality);
        }
      }
    });
  });
  await context.store.events.insert(events);
}

/** Issues backdated demo cards until the feed has {@link DEMO_FEED_SIZE} live ones (and DMs and profiles a few). */
async function topUpCards(context: AppContext): Promise<void> {
  const now = context.now();
  const want = { feed: DEMO_FEED_SIZE, profile: 24, dm: 24 } as const;
  for (const surface of ["feed", "profile", "dm"] as const) {
    const live = (await context.store.cards.listActive(DEMO_PARTNER, surface, now, want[surface])).length;
    let missing = want[surface] - live;
    const planned = missing;
    // Spread cards over the past days, oldest first (a rolling window only looks back), at
    // least an hour apart per sharer, so they sit outside today's hourly windows and leave the
    // demo sharers their real quota.
    let slot = 0;
    while (missing > 0) {
      const round = Math.floor(Math.max(0, planned - 1 - slot) / DEMO_SHARERS.length);
      const at = now - Math.round((2 + round * 1.5 + (surface === "feed" ? 0 : 0.5)) * 3600 * 1000) + (slot % DEMO_SHARERS.length) * 1000;
      const brand = BRANDS[slot % BRANDS.length]!;
      const template = brand.cards[Math.floor(slot / BRANDS.length) % brand.cards.length]!;
      const sharer = DEMO_SHARERS[slot % DEMO_SHARERS.length]!;
      const brandRecord = (await context.store.brands.get(brand.id))!;
      const input: CardInput = {
        partner: DEMO_PARTNER,
        surface,
        kind: template.kind,
        sharer,
        app: { id: brand.app, page: template.page, ...(template.query ? { query: template.query } : {}) },
        title: template.title,
        image: image(`${brand.id}-${slot % 7}`),
        icon: brand.logo,
        ttlSeconds: 30 * 24 * 3600,
        ...(template.description ? { description: template.description } : {}),
        ...(template.cta ? { cta: template.cta } : {}),
        ...(template.price ? { price: template.price } : {}),
        ...(template.membership ? { membership: template.membership } : {}),
      };
      try {
        await issueCard(
          { store: context.store, limiter: context.limiter, keys: context.keys, passes: context.traffic.passes, issuer: context.config.issuer, now: () => at },
          brandRecord,
          input,
          undefined,
        );
        missing--;
      } catch (error) {
        // A seeded slot already used (a restart inside the same hour): move on to the next.
        if ((error as { code?: string }).code !== "rate_limited") throw error;
      }
      slot++;
      if (slot > want[surface] * 20) break;
    }
  }
}
