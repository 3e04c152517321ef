/**
 * The demo world `npm start` seeds: a partner (`weibo-demo`) whose origins are this server
 * itself (the demo partner app is served at `/demo/`) and whose pass key the demo API signs
 * viewer passes with, six brands across categories and
 * card kinds, a whitelist of sharers, and enough live cards for a DM thread, a profile and a
 * feed of 200+, and a month of engagement (a seeded, deterministic history: see
 * {@link demoHistory}). Seeding goes through the real issuance path (validation, policy,
 * limits, signing, storage) with the clock moved back, so demo cards are real cards.
 *
 * Idempotent: a second start reuses what is there and only tops the feed up when cards
 * have expired. Demo credentials are kept in `<data dir>/demo.json` (mode 600).
 */

import { generateKeyPairSync, randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { CardInput, Surface } from "@minicard/sdk";
import type { AppContext } from "../context.js";
import type { Category, EventQuality, EventSlot, StoredEvent } from "../domain/model.js";
import { DAY_MS, HOUR_MS, dedupKey } from "../domain/counting.js";
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
      { kind: "app", title: "周三下午场《封神第三部》特惠 29.9 元", description: "工作日 14:00 前开场的场次。", cta: "选座购票", page: "pages/movie/detail?id=1077" },
      { kind: "product", title: "观影储值卡：充 200 送 40", description: "全国门店通用，永久有效。", cta: "去充值", price: { amount: "200.00", currency: "CNY" }, page: "pages/card/topup" },
      { kind: "app", title: "杜比全景声厅 本周新片排片表", description: "查看本周所有杜比场次。", cta: "看排片", page: "pages/schedule/dolby" },
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

  // First start (no credited engagement this week): a month of history. A restart keeps what
  // is there and only tops the feed up.
  const fresh = (await context.store.events.scores(DEMO_PARTNER, undefined, context.now())).length === 0;
  if (fresh) await issueHistoryCards(context);
  await topUpCards(context);
  if (fresh) await seedEngagement(context);
  return credentials;
}

/**
 * A small seeded PRNG (mulberry32): the same seed gives the same sequence, so the demo's
 * history is the same on every machine (and in the tests).
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed of the demo's history. */
export const DEMO_HISTORY_SEED = 20261124;
/** How many UTC days of history the demo seeds (today included): the stats' default range. */
export const DEMO_HISTORY_DAYS = 30;

/** A card the history gives traffic to, and how much. */
export interface HistoryCard {
  id: string;
  brandId: string;
  partnerId: string;
  surface: Surface;
  issuedAt: number;
  /** When the card stopped being shown: its expiry or revocation. */
  endsAt: number;
  /** Relative popularity: impressions a day at its peak. */
  weight: number;
  /** Click-through rate of its attested readers (0: seen, never opened). */
  ctr: number;
}

/**
 * Traffic by day of the week (Sunday first): people go out, and share, at the weekend.
 * Chinese evenings are UTC afternoons, so UTC days are close enough to local ones.
 */
const WEEKDAY = [1.5, 0.74, 0.8, 0.86, 0.95, 1.25, 1.75];
/** Traffic by UTC hour: readers in UTC+8, busiest from lunch to late evening (12:00–23:00 local). */
const HOURS = [4, 5, 6, 5, 6, 8, 9, 10, 11, 12, 12, 11, 10, 8, 6, 4, 2, 1, 1, 1, 1, 1, 2, 3];
const HOURS_TOTAL = HOURS.reduce((sum, weight) => sum + weight, 0);

/**
 * The demo's engagement history: impressions and clicks of `cards` over the last `days` UTC
 * days up to `now`, deterministic for a `seed`. Each card peaks the day after it is issued
 * and fades over about a week; weekends bring about twice a Monday; a day's traffic follows
 * its readers' evenings. Most events come from attested readers (credited); each day some
 * come without a pass (unverified), from link-preview bots, and on a few days a burst from
 * one NAT'd address over the per-IP cap (suspect). Only events while a card was shown, and
 * before `now`, are made. Sorted by time.
 */
export function demoHistory(cards: readonly HistoryCard[], options: { now: number; seed?: number; days?: number }): StoredEvent[] {
  const random = seededRandom(options.seed ?? DEMO_HISTORY_SEED);
  const { now } = options;
  const days = options.days ?? DEMO_HISTORY_DAYS;
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  // Each day's share of invalid traffic, the same for every card that day.
  const daily = Array.from({ length: days }, () => ({
    unverified: 0.05 + random() * 0.06,
    bot: 0.02 + random() * 0.04,
    suspect: random() < 0.15 ? 0.06 + random() * 0.08 : random() * 0.01,
    noise: 0.85 + random() * 0.3,
  }));
  const hourOf = () => {
    let pick = random() * HOURS_TOTAL;
    for (let hour = 0; hour < 24; hour++) if ((pick -= HOURS[hour]!) < 0) return hour;
    return 23;
  };
  const events: Array<Omit<StoredEvent, "id">> = [];
  for (const card of cards) {
    for (let back = days - 1; back >= 0; back--) {
      const start = today - back * DAY_MS;
      if (start + DAY_MS <= card.issuedAt || start >= card.endsAt) continue;
      const age = (start - card.issuedAt) / DAY_MS;
      // Discovered on its first day, peaks on its second, fades by about a fifth a day.
      const life = age < 0 ? 0.7 : age < 1 ? 1 : Math.max(0.15, 0.8 ** (age - 1));
      const day = daily[days - 1 - back]!;
      const expected = card.weight * life * WEEKDAY[new Date(start).getUTCDay()]! * day.noise * (0.9 + random() * 0.2);
      const count = Math.round(expected);
      for (let n = 0; n < count; n++) {
        const at = start + hourOf() * HOUR_MS + Math.floor(random() * HOUR_MS);
        if (at < card.issuedAt || at >= card.endsAt || at >= now) continue;
        const roll = random();
        const quality: EventQuality =
          roll < day.bot ? "bot" : roll < day.bot + day.suspect ? "suspect" : roll < day.bot + day.suspect + day.unverified ? "unverified" : "credited";
        // Returning readers are common: a skewed pick from a pool of 6000.
        const visitor = quality === "suspect" ? `demo-nat${Math.floor(random() * 40)}` : `demo-v${Math.floor(random() ** 1.6 * 6000)}`;
        const trending = quality === "credited" && card.ctr > 0 && random() < 0.06;
        const slot: EventSlot = trending ? "trending" : "organic";
        const common = { cardId: card.id, brandId: card.brandId, partnerId: card.partnerId, surface: card.surface, quality, visitor, viewer: quality === "credited" ? `p_demo-${visitor}` : undefined };
        events.push({
          ...common,
          type: "impression",
          slot,
          // A seeded paid impression stands for a placement of its own (one hot-list read).
          placement: trending ? `seed-${card.id}-${at}-${n}` : undefined,
          at,
          dedupKey: dedupKey(card.id, visitor, slot, at),
        });
        // Bots rarely follow a link; everyone else at the card's rate.
        const clickAt = at + 5_000 + Math.floor(random() * 90_000);
        if (random() < card.ctr * (quality === "bot" ? 0.3 : 1) && clickAt < now && clickAt < card.endsAt) {
          events.push({ ...common, type: "click", slot: "organic", placement: undefined, at: clickAt, dedupKey: undefined });
        }
      }
    }
  }
  events.sort((a, b) => a.at - b.at);
  return events.map((event) => ({ id: newId(event.at), ...event }));
}

/** The demo brand's past campaigns, oldest first: some expired, one withdrawn early. */
const CAMPAIGNS: Array<{
  daysAgo: number;
  ttlDays: number;
  revokedAfterDays?: number;
  surface: Surface;
  sharer: string;
  weight: number;
  ctr: number;
  card: DemoBrand["cards"][number];
}> = [
  { daysAgo: 29, ttlDays: 12, surface: "feed", sharer: "demo-bob", weight: 260, ctr: 0.06, card: { kind: "app", title: "《流浪地球3》预售开启：首日购票赠海报", description: "IMAX、杜比影厅同步开售。", cta: "立即预售", page: "pages/movie/presale?id=1042" } },
  { daysAgo: 26, ttlDays: 7, surface: "profile", sharer: "demo-carol", weight: 70, ctr: 0.035, card: { kind: "membership", title: "会员日：每周二半价观影", description: "星光会员专享。", cta: "开通会员", membership: { benefit: "每周二电影票半价", trialDays: 7 }, page: "pages/member/day" } },
  { daysAgo: 22, ttlDays: 10, surface: "feed", sharer: "demo-dave", weight: 120, ctr: 0.045, card: { kind: "app", title: "周末亲子场：动画电影 9.9 元起", description: "周六、周日上午场。", cta: "选座购票", page: "pages/movie/list?tag=family" } },
  { daysAgo: 19, ttlDays: 30, surface: "dm", sharer: "demo-erin", weight: 190, ctr: 0.08, card: { kind: "product", title: "情侣套餐：2 张票 + 双人饮品", description: "全天可用，限时特价。", cta: "立即抢购", price: { amount: "88.00", currency: "CNY" }, page: "pages/combo/detail?id=12" } },
  { daysAgo: 15, ttlDays: 7, revokedAfterDays: 3, surface: "feed", sharer: "demo-frank", weight: 90, ctr: 0.02, card: { kind: "app", title: "午夜场 5 折（活动已提前结束）", description: "周五 23:30 场次。", cta: "选座购票", page: "pages/movie/list?tag=midnight" } },
  { daysAgo: 12, ttlDays: 30, surface: "feed", sharer: "demo-grace", weight: 340, ctr: 0.055, card: { kind: "app", title: "IMAX 经典重映《星际穿越》", description: "仅限本月，巨幕重温。", cta: "选座购票", page: "pages/movie/detail?id=880" } },
  { daysAgo: 8, ttlDays: 30, surface: "profile", sharer: "demo-heidi", weight: 60, ctr: 0.03, card: { kind: "membership", title: "学生认证：全年观影 8 折", description: "绑定学信网即可享受。", cta: "去认证", membership: { benefit: "全年电影票 8 折", trialDays: 30 }, page: "pages/member/student" } },
  { daysAgo: 5, ttlDays: 30, surface: "feed", sharer: "demo-ivan", weight: 210, ctr: 0.05, card: { kind: "product", title: "爆米花大桶 + 可乐 买一送一", description: "到店出示券码即可。", cta: "领券", price: { amount: "29.90", currency: "CNY" }, page: "pages/snack/coupon?id=3" } },
  { daysAgo: 2, ttlDays: 30, surface: "dm", sharer: "demo-judy", weight: 150, ctr: 0.07, card: { kind: "app", title: "好友拼场：3 人同行 1 人免单", description: "邀请好友一起选座。", cta: "发起拼场", page: "pages/group/create" } },
];

/** Issues `template` for `brand` as of `at`, through the same issuance as the API. */
async function issueDemoCard(
  context: AppContext,
  brand: DemoBrand,
  template: DemoBrand["cards"][number],
  { at, surface, sharer, image: imageKey, ttlSeconds }: { at: number; surface: Surface; sharer: string; image: string; ttlSeconds: number },
) {
  const input: CardInput = {
    partner: DEMO_PARTNER,
    surface,
    kind: template.kind,
    sharer,
    app: { id: brand.app, page: template.page, ...(template.query ? { query: template.query } : {}) },
    title: template.title,
    image: image(imageKey),
    icon: brand.logo,
    ttlSeconds,
    ...(template.description ? { description: template.description } : {}),
    ...(template.cta ? { cta: template.cta } : {}),
    ...(template.price ? { price: template.price } : {}),
    ...(template.membership ? { membership: template.membership } : {}),
  };
  const record = (await context.store.brands.get(brand.id))!;
  return issueCard(
    { store: context.store, limiter: context.limiter, keys: context.keys, passes: context.traffic.passes, issuer: context.config.issuer, now: () => at },
    record,
    input,
    undefined,
  );
}

/**
 * Issues the demo brand's past campaigns (backdated, oldest first, before the live cards,
 * so card ids stay in time order), and one earlier card for each other brand.
 */
async function issueHistoryCards(context: AppContext): Promise<void> {
  const now = context.now();
  const issue = async (brand: DemoBrand, at: number, ttlDays: number, surface: Surface, sharer: string, template: DemoBrand["cards"][number], index: number) =>
    (await issueDemoCard(context, brand, template, { at, surface, sharer, image: `${brand.id}-h${index}`, ttlSeconds: Math.round(ttlDays * 24 * 3600) })).card.id;
  const cinema = BRANDS.find((brand) => brand.id === DEMO_BRAND)!;
  const planned: Array<{ at: number; run: () => Promise<unknown> }> = CAMPAIGNS.map((campaign, index) => {
    const at = now - campaign.daysAgo * DAY_MS - 3 * HOUR_MS;
    return {
      at,
      run: async () => {
        const id = await issue(cinema, at, campaign.ttlDays, campaign.surface, campaign.sharer, campaign.card, index);
        if (campaign.revokedAfterDays !== undefined) await context.store.cards.revoke(id, DEMO_BRAND, at + campaign.revokedAfterDays * DAY_MS);
      },
    };
  });
  BRANDS.filter((brand) => brand.id !== DEMO_BRAND).forEach((brand, b) => {
    const at = now - (6 + b * 3) * DAY_MS - 5 * HOUR_MS;
    planned.push({ at, run: () => issue(brand, at, 30, "feed", DEMO_SHARERS[(b + 1) % DEMO_SHARERS.length]!, brand.cards[0]!, 0) });
  });
  planned.sort((a, b) => a.at - b.at);
  for (const step of planned) await step.run();
}

/**
 * Engagement on first start, so the hot list, the stats and the brand console have a month
 * to show ({@link demoHistory}): the demo brand's past campaigns carry most of it, a few of
 * its live cards do well and the rest form a long tail; every other brand brings some
 * visitors (and so earns exposure) but City Services, whose cards are seen and never opened,
 * so it has no balance and stays out of the hot list's paid slots.
 */
async function seedEngagement(context: AppContext): Promise<void> {
  const now = context.now();
  const random = seededRandom(DEMO_HISTORY_SEED + 1);
  const history: HistoryCard[] = [];
  const campaigns = new Map(CAMPAIGNS.map((campaign) => [campaign.card.title, campaign]));
  for (const brand of BRANDS) {
    const cards = await context.store.cards.listByBrand(brand.id, { limit: 200 });
    const city = brand.id === "demo-city";
    cards
      .filter((card) => card.partnerId === DEMO_PARTNER)
      .forEach((card, index) => {
        const campaign = campaigns.get(card.card.title);
        // Live cards: a Zipf-like tail, a few stars at the top (the newest, index 0…).
        const weight = campaign?.weight ?? (brand.id === DEMO_BRAND ? 180 / (1 + index) ** 1.2 : 120 / (1 + index) ** 1.3) * (0.6 + random() * 0.8);
        history.push({
          id: card.id,
          brandId: card.brandId,
          partnerId: card.partnerId,
          surface: card.surface,
          issuedAt: card.issuedAt,
          endsAt: Math.min(card.expiresAt, card.revokedAt ?? Infinity),
          weight,
          ctr: city ? 0 : (campaign?.ctr ?? 0.02 + random() * 0.05),
        });
      });
  }
  const events = demoHistory(history, { now });
  for (let index = 0; index < events.length; index += 5000) await context.store.events.insert(events.slice(index, index + 5000));
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
      try {
        await issueDemoCard(context, brand, template, { at, surface, sharer, image: `${brand.id}-${slot % 7}`, ttlSeconds: 30 * 24 * 3600 });
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
