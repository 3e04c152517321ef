/**
 * The server's stored beacons, read straight from its SQLite file (`<data dir>/minicard.db`,
 * table `events`), read-only: what arrived is what the server accepted.
 */

import Database from "better-sqlite3";
import type { DemoServer } from "./server.js";

/** One stored event. */
export interface StoredEvent {
  type: "impression" | "click";
  card_id: string;
  visitor: string;
  surface: string;
}

/** The events stored for `cardId`. */
export function eventsOf(server: DemoServer, cardId: string): StoredEvent[] {
  const db = new Database(`${server.dataDir}/minicard.db`, { readonly: true, fileMustExist: true });
  try {
    return db.prepare("select type, card_id, visitor, surface from events where card_id = ? order by at").all(cardId) as StoredEvent[];
  } finally {
    db.close();
  }
}
