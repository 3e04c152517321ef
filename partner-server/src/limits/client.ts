/**
 * The client a request counts as, for per-client guards and caps: its IP address (`request.ip`,
 * which honours `X-Forwarded-For` only when `MINICARD_TRUST_PROXY` is set), IPv6 by its /64
 * prefix: one subscriber gets a whole /64, and counting its addresses one by one would let it
 * be a new client at will.
 */

import { isIPv6 } from "node:net";

/** The client an IP address counts as: IPv4 as is, IPv6 by its /64. */
export function clientOf(ip: string): string {
  const address = ip.startsWith("::ffff:") && ip.includes(".") ? ip.slice(7) : ip;
  // Without a colon it is not IPv6, and `isIPv6`'s long expression need not run (every request).
  if (!address.includes(":") || !isIPv6(address)) return address;
  // Expand `::` and keep the first four groups.
  const [head = "", tail = ""] = address.split("::");
  const left = head ? head.split(":") : [];
  const right = address.includes("::") ? (tail ? tail.split(":") : []) : [];
  const groups = [...left, ...Array(8 - left.length - right.length).fill("0"), ...right];
  return `${groups.slice(0, 4).map((group) => group.toLowerCase().replace(/^0+(?=.)/, "")).join(":")}::/64`;
}

