/**
 * Cards for the tests: the demo partner's live cards, fresh cards issued through the real
 * API with the demo brand's key, and tokens spoiled in the ways an attacker would.
 */

import type { APIRequestContext } from "@playwright/test";
import type { DemoServer } from "./server.js";

/** The demo brand's mini-program. */
export const DEMO_APP_ID = "2021000000000001";

/** A card as the demo API lists it. */
export interface DemoCard {
  id: string;
  token: string;
  surface: "dm" | "profile" | "feed";
  sharer: string | null;
  url: string;
}

/** The demo partner's live cards of `surface`. */
export async function demoCards(request: APIRequestContext, server: DemoServer, surface: string, limit = 1000): Promise<DemoCard[]> {
  const response = await request.get(`${server.url}/demo/api/cards?surface=${surface}&limit=${limit}`);
  if (!response.ok()) throw new Error(`demo cards: ${response.status()}`);
  return ((await response.json()) as { cards: DemoCard[] }).cards;
}

/** A card just issued: `POST /v1/cards` answer. */
export interface IssuedCard {
  id: string;
  token: string;
  url: string;
  expiresAt: string;
}

/** Issues a card as the demo brand (`demo-cinema`); `fields` override the defaults (a dm app card). */
export async function issueCard(request: APIRequestContext, server: DemoServer, fields: Record<string, unknown> = {}): Promise<IssuedCard> {
  const response = await request.post(`${server.url}/v1/cards`, {
    headers: { authorization: `Bearer ${server.apiKey}` },
    data: {
      partner: server.partner,
      surface: "dm",
      kind: "app",
      app: { id: DEMO_APP_ID, page: "pages/movie/detail?id=42&seat=A%2F3", query: "from=weibo&q=%E4%B8%8A%E6%B5%B7%20%26%20more" },
      title: "今晚 19:30 IMAX 余票 12 张",
      description: "选座购票，影院取票免排队。",
      image: "https://picsum.photos/seed/e2e/640/360",
      cta: "选座购票",
      ...fields,
    },
  });
  if (response.status() !== 201) throw new Error(`issue card: ${response.status()} ${await response.text()}`);
  return (await response.json()) as IssuedCard;
}

const base64url = {
  decode: (part: string) => JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as Record<string, unknown>,
  encode: (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url"),
};

/** The token's claims, unverified (tests only). */
export function claims(token: string): Record<string, any> {
  return base64url.decode(token.split(".")[1]!);
}

/** The token with its signature's first character changed. */
export function tamperSignature(token: string): string {
  const [header, payload, signature] = token.split(".") as [string, string, string];
  return `${header}.${payload}.${signature[0] === "A" ? "B" : "A"}${signature.slice(1)}`;
}

/** The token with a changed title and the original signature. */
export function tamperPayload(token: string, title: string): string {
  const [header, payload, signature] = token.split(".") as [string, string, string];
  const body = base64url.decode(payload);
  (body.card as Record<string, unknown>).title = title;
  return `${header}.${base64url.encode(body)}.${signature}`;
}

/** An unsigned (`alg: none`) token carrying the same claims. */
export function unsigned(token: string): string {
  const [header, payload] = token.split(".") as [string, string];
  return `${base64url.encode({ ...base64url.decode(header), alg: "none" })}.${payload}.`;
}
