/**
 * @module card/Sheet — the two sheets a tap may open: the desktop QR code of the card's web
 * link, and on phones, when the host app did not open, the offer to continue in the browser.
 * Modal, labelled, focus moves in and back out, Escape and a tap outside close them.
 */

import { Component, type ComponentChildren } from "preact";
import { isHostUrl } from "@minicard/sdk";
import type { Strings } from "../i18n.js";

/** What a sheet is given. */
export interface SheetProps {
  t: Strings;
  /** The web hop the sheet links to. */
  href: string;
  onClose: () => void;
}

class Sheet extends Component<{ label: string; bottom?: boolean; onClose: () => void; children: ComponentChildren }> {
  private opener: Element | null = null;
  private root: HTMLDivElement | null = null;
  private setRoot = (element: HTMLDivElement | null) => {
    this.root = element;
  };

  override componentDidMount() {
    this.opener = (this.root?.getRootNode() as Document | ShadowRoot | undefined)?.activeElement ?? null;
    this.root?.querySelector("button")?.focus();
  }

  override componentWillUnmount() {
    (this.opener as HTMLElement | null)?.focus?.();
  }

  override render() {
    const { label, bottom, onClose, children } = this.props;
    return (
      <div
        class="ov"
        ref={this.setRoot}
        onClick={(event) => event.target === event.currentTarget && onClose()}
        onKeyDown={(event) => event.key === "Escape" && onClose()}
      >
        <div class={bottom ? "sh bt" : "sh"} role="dialog" aria-modal="true" aria-label={label}>
          {children}
        </div>
      </div>
    );
  }
}

/** An `<a>` to the web hop, only when it is the host's own. */
function WebLink({ href, t }: { href: string; t: Strings }) {
  return isHostUrl(href) ? (
    <a href={href} target="_blank" rel="noopener noreferrer">
      {t.openWeb}
    </a>
  ) : null;
}

/** The QR code of `matrix` as crisp SVG modules with a four-module quiet zone. */
function QrCode({ matrix, label }: { matrix: boolean[][]; label: string }) {
  const size = matrix.length;
  let path = "";
  matrix.forEach((row, y) => row.forEach((dark, x) => dark && (path += `M${x} ${y}h1v1h-1z`)));
  return (
    <svg class="qr" role="img" aria-label={label} viewBox={`-4 -4 ${size + 8} ${size + 8}`} shape-rendering="crispEdges">
      <rect x="-4" y="-4" width={size + 8} height={size + 8} fill="#fff" />
      <path d={path} fill="#000" />
    </svg>
  );
}

/** Desktop: scan the card with the host app. */
export function QrSheet(props: SheetProps & { matrix: boolean[][] | undefined }) {
  const { t } = props;
  return (
    <Sheet label={t.scanTitle} onClose={props.onClose}>
      <h2>{t.scanTitle}</h2>
      {props.matrix ? <QrCode matrix={props.matrix} label={t.scanTitle} /> : <i class="qr" />}
      <p>{t.scanHint}</p>
      <WebLink href={props.href} t={t} />
      <button type="button" onClick={props.onClose}>
        {t.close}
      </button>
    </Sheet>
  );
}

/** Phones: the host app did not open; continue in the browser. */
export function FallbackSheet(props: SheetProps) {
  const { t } = props;
  return (
    <Sheet label={t.notOpened} bottom onClose={props.onClose}>
      <h2>{t.notOpened}</h2>
      <WebLink href={props.href} t={t} />
      <button type="button" onClick={props.onClose}>
        {t.close}
      </button>
    </Sheet>
  );
}
