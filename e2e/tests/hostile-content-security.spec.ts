// Hostile content in the browser. OWASP filter-evasion vectors in every text field of a card
// signed with the real server's key (the issuance API refuses some of them; signing them
// directly proves the widget itself is safe), in the image/icon/logo URLs, in the `src`
// attribute, through the real issuance API into the widget and the server's own landing and
// embed pages, and cards in a host page that sabotages Element.prototype, fetch and
// customElements after load. Nothing runs: no dialog, no `window.__xss`, no CSP violation
// under a strict policy; every card either shows its text as text or is "unavailable".

import type { Page } from "@playwright/test";
import { validateCard } from "@minicard/sdk";
import { forgeTokens, genuineToken, type ForgeKit } from "../../test-corpus/forged-tokens.js";
import { XSS_TEXT, XSS_URLS } from "../fixtures/xss-vectors.js";
import { issueCard } from "../support/cards.js";
import { serverKit } from "../support/signing.js";
import { expect, test } from "../support/fixtures.js";
import type { CardPage } from "../pages/card-page.js";

const BATCH = 12;
/** Elements card text could have become if it were parsed as HTML. */
const FOREIGN = ["script", "iframe", "object", "embed", "style", "link", "meta", "base", "form", "input", "a", "math", "video", "audio", "source", "marquee", "details", "template", "noscript", "frame", "frameset", "table", "bgsound", "xss", "body", "title", "textarea", "xmp", "mglyph", "mtext", "x", "br", "ul", "li"];

function recordCodes() {
  const codes: Record<number, string> = {};
  (window as unknown as { __codes: typeof codes }).__codes = codes;
  document.addEventListener("minicard:error", (event) => {
    const index = [...document.querySelectorAll("mini-program-card")].indexOf(event.target as Element);
    codes[index] = (event as CustomEvent<{ code: string }>).detail.code;
  });
}

/** Listens for anything that would show a vector ran. */
function watchExecution(page: Page) {
  const dialogs: string[] = [];
  const pageErrors: string[] = [];
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  // The hostile-host test makes attachShadow throw on purpose; that error is the page's own.
  page.on("pageerror", (error) => !/sabotaged/.test(error.message) && pageErrors.push(error.message));
  return {
    async expectNothingRan() {
      await page.waitForTimeout(300);
      expect(dialogs, "dialogs").toEqual([]);
      expect(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss), "window.__xss").toBeUndefined();
      expect(pageErrors, "page errors").toEqual([]);
    },
  };
}

const fit = (text: string, max: number) => [...text].slice(0, max).join("");

/** A card carrying `vector` in every text field (cut to each field's length). */
function hostileCard(vector: string, surface: "dm" | "feed", images: Record<string, string> = {}): Record<string, unknown> {
  return {
    kind: "membership",
    surface,
    title: fit(vector, 64),
    description: fit(vector, 140),
    cta: fit(vector, 16),
    brand: { name: fit(vector, 64), ...(images.logo ? { logo: images.logo } : {}) },
    membership: { benefit: fit(vector, 64), trialDays: 7 },
    ...(images.image ? { image: images.image } : {}),
    ...(images.icon ? { icon: images.icon } : {}),
  };
}

async function shadowFacts(cards: CardPage, index: number) {
  return cards.card(index).evaluate((element) => {
    const root = element.shadowRoot!;
    const all = [...root.querySelectorAll("*")];
    return {
      text: root.textContent ?? "",
      tags: [...new Set(all.map((node) => node.localName))].sort(),
      handlers: all.flatMap((node) => [...node.attributes].filter((a) => /^on/i.test(a.name)).map((a) => `${node.localName}[${a.name}]`)),
      // URL-bearing attributes only (an aria-label may well read "javascript:…" as text).
      scriptUrls: all.flatMap((node) =>
        [...node.attributes]
          .filter((a) => /^(href|src|srcset|action|formaction|xlink:href|data|background|poster|style)$/i.test(a.name) && /(javascript|vbscript|data):|expression\(/i.test(a.value))
          .map((a) => `${node.localName}[${a.name}]`),
      ),
    };
  });
}

/** Opens `entries` in batches and checks each card: text as text (when valid) or unavailable. */
async function checkCards(page: Page, cards: CardPage, kit: ForgeKit, entries: Array<{ card: Record<string, unknown>; label: string }>, csp?: string) {
  const controlFacts: Record<string, string[]> = {};
  let verified = 0;
  let unavailable = 0;
  for (let start = 0; start < entries.length; start += BATCH) {
    const batch = entries.slice(start, start + BATCH);
    const specs = [];
    for (const entry of batch) specs.push({ token: await genuineToken(kit, entry.card), surface: entry.card.surface as string });
    await cards.open(specs, csp ? { csp } : {});
    for (const [index, entry] of batch.entries()) {
      await cards.card(index).scrollIntoViewIfNeeded();
      const full = { v: 1, app: { id: kit.appId, page: "pages/index/index" }, ...entry.card };
      if (validateCard(full).length === 0) {
        await cards.expectVerified(index);
        const facts = await shadowFacts(cards, index);
        const card = entry.card as { title: string; description: string; cta: string; brand: { name: string }; membership: { benefit: string } };
        // Each field the layout shows, whole and as text (dm bubbles show fewer fields than feed cards).
        await expect(cards.card(index).locator(".t")).toHaveText(card.title);
        await expect(cards.card(index).locator(".n")).toHaveText(card.brand.name);
        await expect(cards.card(index).locator(".of")).toContainText(card.membership.benefit);
        if (entry.card.surface === "feed") {
          await expect(cards.card(index).locator(".d")).toHaveText(card.description);
          await expect(cards.card(index).locator(".cta")).toHaveText(card.cta);
        }
        expect(facts.tags.filter((tag) => FOREIGN.includes(tag)), entry.label).toEqual([]);
        expect(facts.handlers, entry.label).toEqual([]);
        expect(facts.scriptUrls, entry.label).toEqual([]);
        // The same elements as a benign card of the same surface: no structure came from the text.
        const key = `${entry.card.surface} ${Object.keys(entry.card).join(",")}`;
        controlFacts[key] ??= facts.tags;
        expect(facts.tags, entry.label).toEqual(controlFacts[key]);
        verified += 1;
      } else {
        await cards.expectUnavailable(index);
        await expect.poll(() => page.evaluate((i) => (window as unknown as { __codes: Record<number, string> }).__codes[i], index), { message: entry.label }).toBe("malformed");
        unavailable += 1;
      }
    }
    // Tap the first card of the batch when it verified: the sheet shows the title too.
    if (await cards.button(0).count()) {
      await cards.tap(0);
      await expect(cards.qrDialog()).toBeVisible();
      await page.keyboard.press("Escape");
    }
  }
  return { verified, unavailable };
}

test.describe("hostile card content", () => {
  test.describe.configure({ timeout: 240_000 });

  test(`${XSS_TEXT.length} OWASP vectors in every text field of signed dm and feed cards stay text`, async ({ cards, server, page }) => {
    const kit = await serverKit(server);
    const watch = watchExecution(page);
    await page.addInitScript(recordCodes);
    const entries = XSS_TEXT.flatMap((vector, i) => [
      { card: hostileCard(vector, i % 2 ? "dm" : "feed"), label: `#${i} ${vector}` },
    ]);
    const { verified, unavailable } = await checkCards(page, cards, kit, entries);
    expect(verified + unavailable).toBe(XSS_TEXT.length);
    expect(verified).toBeGreaterThan(XSS_TEXT.length * 0.8);
    await watch.expectNothingRan();
    console.info(`[xss text] ${XSS_TEXT.length} vectors × 5 text fields: ${verified} shown as text, ${unavailable} unavailable (control characters), 0 executed`);
  });

  test("the same vectors under a strict CSP cause no violation at all (nothing even tried to run)", async ({ cards, server, page }) => {
    const kit = await serverKit(server);
    const watch = watchExecution(page);
    await page.addInitScript(recordCodes);
    const csp = `default-src 'none'; script-src ${server.url}; connect-src ${server.url}; img-src https:; style-src 'none'; base-uri 'none'; object-src 'none'; form-action 'none'; frame-src 'none'`;
    const entries = XSS_TEXT.map((vector, i) => ({ card: hostileCard(vector, i % 2 ? "feed" : "dm"), label: `#${i} ${vector}` }));
    await checkCards(page, cards, kit, entries, csp);
    expect((await cards.recorded()).violations).toEqual([]);
    await watch.expectNothingRan();
  });

  test(`${XSS_URLS.length} URL vectors in image, icon and logo: refused unless plain https, never loaded as script`, async ({ cards, server, page }) => {
    const kit = await serverKit(server);
    const watch = watchExecution(page);
    await page.addInitScript(recordCodes);
    await page.context().route("https://xss.example/**", (route) => route.fulfill({ status: 404, body: "" }));
    const entries = XSS_URLS.flatMap((url, i) => [
      { card: { ...hostileCard("Cover", "feed", { image: url }), title: "Cover" }, label: `image ${url}` },
      { card: { ...hostileCard("Icon", "dm", { icon: url }), title: "Icon" }, label: `icon ${url}` },
      { card: { ...hostileCard("Logo", i % 2 ? "feed" : "dm", { logo: url }), title: "Logo" }, label: `logo ${url}` },
    ]);
    const { verified, unavailable } = await checkCards(page, cards, kit, entries);
    expect(verified + unavailable).toBe(XSS_URLS.length * 3);
    // Only the https vectors without credentials can verify; every other scheme is refused.
    expect(unavailable).toBeGreaterThanOrEqual((XSS_URLS.length - 3) * 3);
    expect(verified).toBeGreaterThan(0);
    await watch.expectNothingRan();
    console.info(`[xss urls] ${XSS_URLS.length} URL vectors × 3 fields: ${verified} shown (https), ${unavailable} unavailable, 0 executed`);
  });

  test("hostile src attributes are never followed off the issuer nor run", async ({ cards, server, page, request }) => {
    const watch = watchExecution(page);
    await page.addInitScript(recordCodes);
    const card = await issueCard(request, server, { title: "Real share link" });
    const sources = [
      "javascript:window.__xss=1",
      "JaVaScRiPt:alert(1)",
      "java\tscript:alert(2)",
      " javascript:alert(3)",
      "data:text/html,<script>alert(4)</script>",
      "data:application/json,{\"token\":\"x\"}",
      "vbscript:msgbox(5)",
      "//xss.example/c/" + card.id,
      "https://xss.example/c/" + card.id,
      `${server.url}@xss.example/c/${card.id}`,
      `http://127.0.0.1:${server.port}/c/${card.id}`,
      `${server.url}/c/${card.id}"><img src=x onerror=alert(6)>`,
      `${server.url}/c/../v1/admin/partners`,
      `${server.url}/oembed?url=${encodeURIComponent(card.url)}`,
      `${server.url}/.well-known/jwks.json`,
      `${server.url}/c/<script>alert(7)</script>`,
      "",
      "about:blank",
      "blob:" + server.url + "/00000000-0000-0000-0000-000000000000",
      "file:///etc/passwd",
    ];
    const outbound: string[] = [];
    await page.context().route("https://xss.example/**", (route) => {
      outbound.push(route.request().url());
      return route.fulfill({ status: 200, contentType: "application/json", body: JSON.stringify({ token: card.token }) });
    });
    await cards.open(sources.map((src) => ({ src, surface: "dm" })));
    for (const [index, src] of sources.entries()) {
      await cards.card(index).scrollIntoViewIfNeeded();
      await cards.expectUnavailable(index);
      await expect.poll(() => page.evaluate((i) => (window as unknown as { __codes: Record<number, string> }).__codes[i], index), { message: src }).toBeTruthy();
    }
    expect(outbound).toEqual([]);
    expect((await cards.recorded()).renders).toEqual([]);
    await watch.expectNothingRan();
    console.info(`[xss src] ${sources.length} src vectors: 0 followed off the issuer, 0 rendered, 0 executed`);
  });

  test("vectors the issuance API accepts stay text in the widget and on the server's landing and embed pages", async ({ cards, server, page, request }) => {
    const watch = watchExecution(page);
    let accepted = 0;
    let refused = 0;
    const issued: Array<{ id: string; token: string; title: string }> = [];
    for (const vector of XSS_TEXT) {
      const response = await request.post(`${server.url}/v1/cards`, {
        headers: { authorization: `Bearer ${server.apiKey}` },
        data: { partner: server.partner, surface: "dm", kind: "app", app: { id: "2021000000000001", page: "pages/index/index" }, title: fit(vector, 64), description: fit(vector, 140), cta: fit(vector, 16) },
      });
      if (response.status() === 201) {
        accepted += 1;
        const body = (await response.json()) as { id: string; token: string };
        issued.push({ ...body, title: fit(vector, 64) });
      } else {
        expect(response.status(), vector).toBe(400);
        expect(((await response.json()) as { code: string }).code).toBe("validation_failed");
        refused += 1;
      }
    }
    expect(accepted).toBeGreaterThan(XSS_TEXT.length * 0.8);
    for (let start = 0; start < issued.length; start += BATCH) {
      const batch = issued.slice(start, start + BATCH);
      await cards.open(batch.map((card) => ({ token: card.token, surface: "dm" })));
      for (const [index, card] of batch.entries()) {
        await cards.card(index).scrollIntoViewIfNeeded();
        await cards.expectVerified(index);
        await expect(cards.card(index).locator(".t")).toHaveText(card.title);
      }
    }
    for (const card of issued) {
      for (const path of [`/c/${card.id}`, `/e/${card.id}`]) {
        const response = await page.goto(`${server.url}${path}`);
        expect(response?.status(), path).toBe(200);
        const injected = await page.evaluate(() =>
          [...document.querySelectorAll("script:not([src]), [onerror], [onload], [onmouseover], iframe[srcdoc], svg[onload], img[src='x'], base, meta[http-equiv]")].map((node) => node.outerHTML),
        );
        expect(injected, `${path} ${card.title}`).toEqual([]);
        if (path.startsWith("/c/")) {
          const ogTitle = await page.locator('meta[property="og:title"]').getAttribute("content");
          expect(ogTitle, path).toContain(card.title);
        }
      }
    }
    await watch.expectNothingRan();
    console.info(`[xss api] ${XSS_TEXT.length} vectors: ${accepted} issued (shown as text in the widget, /c/ and /e/), ${refused} refused with validation_failed, 0 executed`);
  });

  test("a host page that sabotages Element.prototype, fetch and customElements after load: nothing runs, cards are text or unavailable", async ({ cards, server, page, request }) => {
    const kit = await serverKit(server);
    const watch = watchExecution(page);
    await page.addInitScript(recordCodes);
    // embed.js loads (and the widget with it); no key has been fetched yet: the only card is malformed.
    await cards.open([{ token: "not-a-token", surface: "dm" }]);
    await cards.expectUnavailable(0);
    const genuine = await issueCard(request, server, { title: "Issued after the sabotage" });

    // The attacker's own key, published through a sabotaged fetch.
    const attackerKit: ForgeKit = await (async () => {
      const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
      return { ...kit, kid: "attacker-1", privateKey: pair.privateKey, publicJwk: { ...(await crypto.subtle.exportKey("jwk", pair.publicKey)), kid: "attacker-1" } };
    })();
    const forgedByAttacker = await genuineToken(attackerKit, { title: "FORGED-TITLE by the page" });
    const forgedSameKid = await genuineToken({ ...attackerKit, kid: kit.kid }, { title: "FORGED-TITLE same kid" });
    const hostileText = await genuineToken(kit, hostileCard(`<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>`, "dm"));
    const forged = (await forgeTokens(kit)).filter((entry) => entry.code === "invalid_signature" || entry.code === "unsupported_algorithm").slice(0, 6);

    await page.evaluate((jwk) => {
      const w = window as unknown as Record<string, unknown>;
      const jwks = JSON.stringify({ keys: [jwk] });
      window.fetch = async () => new Response(jwks, { status: 200, headers: { "content-type": "application/json" } });
      const define = customElements.define.bind(customElements);
      customElements.define = (() => {
        w.__redefined = true;
      }) as typeof customElements.define;
      customElements.get = (() => undefined) as typeof customElements.get;
      void define;
      Element.prototype.setAttribute = function () {
        w.__setAttribute = true;
      };
      Element.prototype.insertAdjacentHTML = function (_where: InsertPosition, html: string) {
        w.__insertedHtml = html;
      };
      Object.defineProperty(Element.prototype, "innerHTML", {
        configurable: true,
        set(value: string) {
          w.__innerHtml = value;
        },
        get() {
          return "";
        },
      });
    }, attackerKit.publicJwk);

    // Card 1 is genuine, 2 and 3 are signed by the attacker (whose JWKS the sabotaged fetch
    // serves: the widget must fetch keys with the fetch it loaded with), 4 carries hostile text.
    const tokens = [genuine.token, forgedByAttacker, forgedSameKid, hostileText, ...forged.map((entry) => entry.token)];
    await page.evaluate((list) => {
      for (const token of list) {
        const element = document.createElement("mini-program-card");
        const attributes = [["token", token], ["surface", "dm"], ["partner", document.querySelector("mini-program-card")!.getAttribute("partner")!]];
        for (const [name, value] of attributes) {
          // setAttribute is sabotaged: use the attribute nodes directly.
          const attribute = document.createAttribute(name!);
          attribute.value = value!;
          element.attributes.setNamedItem(attribute);
        }
        document.body.append(element);
      }
    }, tokens);
    const codeOf = (i: number) => page.evaluate((n) => (window as unknown as { __codes: Record<number, string> }).__codes[n], i);
    const textOf = (i: number) => cards.card(i).evaluate((element) => element.shadowRoot?.textContent ?? "");
    // The genuine card verifies with the issuer's real keys, fetched after the sabotage.
    await expect.poll(() => textOf(1)).toContain("Issued after the sabotage");
    for (let index = 2; index <= tokens.length; index += 1) {
      if (index === 4) continue;
      await expect.poll(() => codeOf(index), { message: `card ${index}` }).toBeTruthy();
    }
    expect(await codeOf(2)).toBe("unknown_key");
    expect(await codeOf(3)).toBe("invalid_signature");
    for (let index = 1; index <= tokens.length; index += 1) {
      const facts = await cards.card(index).evaluate((element) => ({
        text: element.shadowRoot?.textContent ?? "",
        tags: [...(element.shadowRoot?.querySelectorAll("*") ?? [])].map((node) => node.localName),
      }));
      expect(facts.text, `card ${index}`).not.toContain("FORGED-TITLE");
      // Only the genuine card has images (its cover and logo, https).
      expect(facts.tags.filter((tag) => FOREIGN.includes(tag) || (index !== 1 && tag === "img")), `card ${index}`).toEqual([]);
    }
    // The hostile-text card, signed by the issuer, shows its text as text.
    await expect.poll(() => textOf(4)).toContain('<img src=x onerror="window.__xss=1">');
    // The widget never handed card text to an HTML sink the page could see.
    const sinks = await page.evaluate(() => {
      const w = window as unknown as Record<string, unknown>;
      return [w.__insertedHtml, w.__innerHtml].filter((value) => typeof value === "string" && /onerror|<script/i.test(value as string));
    });
    expect(sinks).toEqual([]);

    // Last, attachShadow itself breaks: a new card cannot render, the page keeps working.
    await page.evaluate(() => {
      Element.prototype.attachShadow = function () {
        throw new Error("attachShadow sabotaged");
      };
      const element = document.createElement("mini-program-card");
      document.body.append(element);
    });
    await page.waitForTimeout(500);
    expect(await page.evaluate(() => document.querySelectorAll("mini-program-card").length)).toBe(tokens.length + 2);
    await watch.expectNothingRan();
  });
});
