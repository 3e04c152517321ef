/**
 * Prometheus metrics in the text exposition format. Written by hand: a few counters and one
 * histogram do not justify a dependency, and the format is a dozen lines.
 */

/** Counters and a latency histogram. */
export interface Metrics {
  /** Adds 1 (or `by`) to a counter with labels. */
  count(name: string, labels?: Record<string, string>, by?: number): void;
  /** Records one request duration, seconds. */
  observe(name: string, seconds: number, labels?: Record<string, string>): void;
  /** Sets a gauge. */
  gauge(name: string, value: number, labels?: Record<string, string>): void;
  /** The exposition text. */
  render(): string;
}

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

const HELP: Record<string, string> = {
  minicard_http_requests_total: "HTTP requests by route, method and status.",
  minicard_http_request_duration_seconds: "HTTP request duration by route.",
  minicard_cards_issued_total: "Cards issued by partner and surface.",
  minicard_issuance_refused_total: "Issuance requests refused, by code.",
  minicard_events_total: "Widget events accepted, by type.",
  minicard_signing_keys: "Signing keys published in the JWKS.",
  minicard_events_backlog: "Beacon batches in the event stream not yet folded into the store (Redis only).",
  minicard_events_stream_fallback_total: "Beacon batches stored directly because the event stream could not take them.",
};

function labelText(labels: Record<string, string> = {}): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return "";
  return `{${entries.map(([key, value]) => `${key}="${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`).join(",")}}`;
}

/** Creates an empty registry. */
export function createMetrics(): Metrics {
  const counters = new Map<string, Map<string, number>>();
  const gauges = new Map<string, Map<string, number>>();
  const histograms = new Map<string, Map<string, { buckets: number[]; sum: number; count: number }>>();

  const series = <T>(map: Map<string, Map<string, T>>, name: string) => {
    let entry = map.get(name);
    if (!entry) map.set(name, (entry = new Map()));
    return entry;
  };

  return {
    count(name, labels, by = 1) {
      const entry = series(counters, name);
      const key = labelText(labels);
      entry.set(key, (entry.get(key) ?? 0) + by);
    },
    gauge(name, value, labels) {
      series(gauges, name).set(labelText(labels), value);
    },
    observe(name, seconds, labels) {
      const entry = series(histograms, name);
      const key = labelText(labels);
      let histogram = entry.get(key);
      if (!histogram) entry.set(key, (histogram = { buckets: BUCKETS.map(() => 0), sum: 0, count: 0 }));
      BUCKETS.forEach((bound, i) => {
        if (seconds <= bound) histogram!.buckets[i]!++;
      });
      histogram.sum += seconds;
      histogram.count++;
    },
    render() {
      const lines: string[] = [];
      const head = (name: string, type: string) => {
        if (HELP[name]) lines.push(`# HELP ${name} ${HELP[name]}`);
        lines.push(`# TYPE ${name} ${type}`);
      };
      for (const [name, entry] of counters) {
        head(name, "counter");
        for (const [labels, value] of entry) lines.push(`${name}${labels} ${value}`);
      }
      for (const [name, entry] of gauges) {
        head(name, "gauge");
        for (const [labels, value] of entry) lines.push(`${name}${labels} ${value}`);
      }
      for (const [name, entry] of histograms) {
        head(name, "histogram");
        for (const [labels, histogram] of entry) {
          const inner = labels.slice(1, -1);
          const join = (extra: string) => `{${inner ? `${inner},` : ""}${extra}}`;
          BUCKETS.forEach((bound, i) => lines.push(`${name}_bucket${join(`le="${bound}"`)} ${histogram.buckets[i]}`));
          lines.push(`${name}_bucket${join('le="+Inf"')} ${histogram.count}`);
          lines.push(`${name}_sum${labels} ${histogram.sum}`);
          lines.push(`${name}_count${labels} ${histogram.count}`);
        }
      }
      return `${lines.join("\n")}\n`;
    },
  };
}
