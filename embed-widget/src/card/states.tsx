/**
 * @module card/states — what a card shows before and instead of its content: the loading
 * skeleton (the layout's shape, so nothing jumps when the card arrives) and the neutral
 * "card unavailable" state, which never shows anything from an unverified token.
 */

import { h, Fragment } from "preact";
import type { Strings } from "../i18n.js";

/** The loading skeleton of `surface`. */
export function Skeleton({ surface, t }: { surface: string; t: Strings }) {
  const lines = [<i class="w4" />, <i />, <i class="w6" />];
  return (
    <div class="sk" role="status" aria-busy="true" aria-label={t.loading}>
      <span class="card">
        {surface === "profile" ? (
          <span class="in">{lines}</span>
        ) : (
          <>
            {surface === "feed" ? <span class="hd">{lines[0]}</span> : null}
            <i class="img" />
            <span class="in">{lines}</span>
          </>
        )}
      </span>
    </div>
  );
}

/** The neutral state of a card that failed to load or verify, or was revoked. */
export function Unavailable({ t }: { t: Strings }) {
  return (
    <div class="un" role="note">
      <svg viewBox="0 0 24 24" aria-hidden="true">
        <circle cx="12" cy="12" r="9.5" fill="none" stroke="currentColor" stroke-width="1.5" />
        <path d="M12 7v6M12 16.5v.5" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" />
      </svg>
      <span>
        <strong>{t.unavailable}</strong>
        {t.unavailableHint}
      </span>
    </div>
  );
}
