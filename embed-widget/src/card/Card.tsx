/**
 * @module card/Card — `MiniProgramCard`, the Preact component behind `<mini-program-card>`.
 *
 * Its life: a cheap placeholder of the layout's height until it comes near the viewport;
 * then a skeleton while the token (or `src` share link) is verified in the browser; then the
 * layout for its surface, or the neutral "unavailable" state. Once shown it counts an
 * impression (half visible for a second), watches for revocation, and handles taps.
 * Events bubble from its root and cross the shadow boundary (`composed`), so listeners on
 * the element see them: `minicard:render`, `minicard:error` (`detail.code`), `minicard:open`.
 *
 * Longer than most files because it is the one place the card's lifecycle is written down;
 * each step calls out to its own module (verify, near, beacons, status, open).
 */

import { h, Component } from "preact";
import type { VerifiedCard } from "@minicard/sdk";
import { hostOf, track, watchImpression } from "../beacons.js";
import { config, warn, warnOnce, type StatusModule } from "../config.js";
import { codeOf, type WidgetErrorCode } from "../errors.js";
import { pickLang, strings } from "../i18n.js";
import { watchNear } from "../near.js";
import { loadPlanner, loadedPlanner, showSheet, type OpenPlan } from "../open.js";
import { watchStatus } from "../status.js";
import { adoptStyles } from "../styles.js";
import { loadCard, prefetchKeys } from "../verify.js";
import { Dm } from "./Dm.js";
import { Feed } from "./Feed.js";
import { Profile } from "./Profile.js";
import { Skeleton, Unavailable } from "./states.js";

/** The component's props: the element's attributes. */
export interface MiniProgramCardProps {
  /** The signed card (a compact JWS). */
  token?: string | null;
  /** Or a share link (`<issuer>/c/<id>`) to resolve the token from; the issuer's origin only. */
  src?: string | null;
  /** `dm`, `profile` or `feed`: where the card is shown; it must match the card's own. */
  surface?: string | null;
  /** The partner platform's id: the audience every card must carry. */
  partner?: string | null;
  /** The partner server's base URL; default the origin `embed.js` came from. */
  issuer?: string | null;
  /** `zh-CN` or `en`; default the page's language. */
  lang?: string | null;
  /** `light`, `dark` or `auto` (the reader's colour scheme, the default). */
  theme?: string | null;
  /** No beacons from this card (also `data-no-track` on an ancestor, `<html>` or the script tag). */
  noTrack?: boolean;
  /**
   * The viewer pass (a compact JWS) the partner's server minted for its signed-in user, sent
   * with this card's beacons; default the page's `<meta name="minicard-viewer">`.
   */
  viewer?: string | null;
}

type Status = "idle" | "loading" | "ready" | "unavailable";

interface State {
  status: Status;
  verified?: VerifiedCard | undefined;
}

const SOURCE_PROPS = ["token", "src", "surface", "partner", "issuer"] as const;
const LAYOUTS = { dm: Dm, profile: Profile, feed: Feed };

/**
 * A verified mini-program card. Framework users render it directly (its stylesheet is
 * adopted by the document or shadow root it lands in); pages use `<mini-program-card>`.
 *
 * @example
 * ```tsx
 * // MiniProgramCard, from the package @minicard/widget
 * <MiniProgramCard token={token} surface="feed" partner="weibo" issuer="https://cards.example" />
 * ```
 */
export class MiniProgramCard extends Component<MiniProgramCardProps, State> {
  override state: State = { status: "idle" };
  #near = false;
  #generation = 0;
  #cleanups: Array<() => void> = [];
  #unwatchNear: (() => void) | undefined;
  #statusWatch: { near: boolean } | undefined;
  /** The root element (Preact 11 has no `this.base`). */
  #root: HTMLDivElement | null = null;
  #setRoot = (element: HTMLDivElement | null) => {
    this.#root = element;
  };

  override componentDidMount() {
    const root = this.#root;
    if (!root) return;
    adoptStyles(root.getRootNode());
    prefetchKeys(this.#issuer());
    this.#unwatchNear = watchNear(root, (near) => {
      this.#near = near;
      if (this.#statusWatch) this.#statusWatch.near = near;
      if (near && this.state.status === "idle") this.#load();
    });
  }

  override componentDidUpdate(previous: MiniProgramCardProps) {
    if (SOURCE_PROPS.some((name) => previous[name] !== this.props[name])) {
      this.#reset();
      if (this.#near) this.#load();
      else this.setState({ status: "idle", verified: undefined });
    }
  }

  override componentWillUnmount() {
    this.#unwatchNear?.();
    this.#reset();
  }

  override componentDidCatch(error: unknown) {
    warn("a card failed to render", error);
    this.#fail("malformed", error);
  }

  #issuer(): string | undefined {
    return (this.props.issuer || config.issuer)?.replace(/\/+$/, "");
  }

  #reset() {
    this.#generation++;
    for (const cleanup of this.#cleanups.splice(0)) cleanup();
    this.#statusWatch = undefined;
  }

  #emit(name: string, detail: object, cancelable = false): boolean {
    const event = new CustomEvent(name, { detail, bubbles: true, composed: true, cancelable });
    return this.#root?.dispatchEvent(event) !== false && !event.defaultPrevented;
  }

  #load() {
    const generation = ++this.#generation;
    this.setState({ status: "loading", verified: undefined });
    const { token, src, partner, surface } = this.props;
    const issuer = this.#issuer();
    loadCard({ token, src, partner, surface, issuer })
      .then((verified) => {
        if (generation !== this.#generation) return;
        this.setState({ status: "ready", verified });
        this.#watch(verified, issuer!);
        loadPlanner().catch(() => {}); // before the first tap; a failure is reported by the tap
        this.#emit("minicard:render", { id: verified.id, surface: verified.surface, card: verified.card });
      })
      .catch((error: unknown) => generation === this.#generation && this.#fail(codeOf(error), error));
  }

  #watch(verified: VerifiedCard, issuer: string) {
    const unseen = watchImpression(this.#root!, () => {
      unseen();
      track(issuer, "impression", verified.id, this.#root, this.props);
    });
    this.#statusWatch = { near: this.#near };
    const unstatus = watchStatus(
      Object.assign(this.#statusWatch, { issuer, id: verified.id, onGone: (state: "revoked" | "expired") => this.#fail(state) }),
    );
    // The card also expires on its own, without asking the issuer.
    const expiry = setTimeout(() => this.#fail("expired"), Math.min(verified.expiresAt.getTime() - Date.now(), 2 ** 31 - 1));
    this.#cleanups.push(unseen, unstatus, () => clearTimeout(expiry));
  }

  #fail(code: WidgetErrorCode, cause?: unknown) {
    this.#reset();
    this.setState({ status: "unavailable", verified: undefined });
    const message = (cause as Error | undefined)?.message ?? code;
    // Why, for the page's developer: once per page and code, not once per card.
    warnOnce(code, `card unavailable: ${code}${cause ? `: ${message}` : ""}`);
    this.#emit("minicard:error", { code, message });
  }

  /**
   * A tap: planned and launched by the planner, in the same task as the tap when it is loaded
   * (it is asked for once the card is verified), else as soon as it loads.
   */
  #open = () => {
    const planner = loadedPlanner();
    if (planner) this.#launch(planner);
    else loadPlanner().then((loaded) => this.#launch(loaded), (error: unknown) => warn("could not open the card", error));
  };

  #launch({ planOpen, launch }: StatusModule) {
    try {
      const verified = this.state.verified;
      if (!verified) return;
      const issuer = this.#issuer();
      const plan = planOpen(verified.card.app, `${issuer}/c/${verified.id}`);
      if (!plan) return this.#fail("malformed");
      if (issuer) track(issuer, "click", verified.id, this.#root, this.props);
      const detail = { href: plan.href, id: verified.id, card: verified.card, links: plan.links, platform: plan.platform };
      if (!this.#emit("minicard:open", detail, true)) return;
      if (plan.platform === "desktop") this.#sheet("qr", plan);
      else this.#cleanups.push(launch(plan, () => this.#sheet("fallback", plan)));
    } catch (error) {
      warn("could not open the card", error);
    }
  }

  /** Shows a sheet of the plan's web fallback over the page; it closes by itself when the card resets or unmounts. */
  #sheet(kind: "qr" | "fallback", { links, host, landing }: OpenPlan) {
    const card = this.#root;
    if (!card) return;
    const generation = this.#generation;
    const lang = pickLang(this.props.lang, hostOf(card));
    showSheet({ kind, lang, href: links.web, host, landing, card }).then(
      (close) => close && (generation === this.#generation ? this.#cleanups.push(close) : close()),
      (error: unknown) => warn("could not load the sheet", error),
    );
  }

  override render() {
    const { status, verified } = this.state;
    const surface = this.props.surface ?? "";
    const lang = pickLang(this.props.lang, hostOf(this.#root));
    const t = strings(lang);
    const theme = this.props.theme === "light" || this.props.theme === "dark" ? this.props.theme : "auto";
    const Layout = verified ? LAYOUTS[verified.surface] : undefined;
    return (
      <div class={`mc ${surface} ${theme}${status === "idle" ? " idle" : ""}`} lang={lang} part="root" ref={this.#setRoot}>
        {status === "loading" ? <Skeleton surface={surface} t={t} /> : null}
        {status === "unavailable" ? <Unavailable t={t} /> : null}
        {Layout && verified ? <Layout verified={verified} t={t} lang={lang} onOpen={this.#open} /> : null}
      </div>
    );
  }
}
