/** The routes a Fastify app registered, read from its route tree (`app.printRoutes()`). */

/** `METHOD /path` of every route in Fastify's route tree (HEAD and OPTIONS left out). */
export function registeredRoutes(tree: string): string[] {
  const routes: string[] = [];
  const parents: string[] = [];
  for (const line of tree.split("\n")) {
    const match = /^((?:│ {3}| {4})*)(?:├── |└── )(\S+) \(([^)]+)\)$/.exec(line);
    if (!match) continue;
    const level = match[1]!.length / 4;
    const path = (parents[level - 1] ?? "") + match[2]!;
    parents[level] = path;
    for (const method of match[3]!.split(", ")) {
      if (method !== "HEAD" && method !== "OPTIONS") routes.push(`${method} ${path}`);
    }
  }
  return routes;
}
