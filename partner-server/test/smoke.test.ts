import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cardInput, postCard, seedWorld, startServer, type LocalServer } from "./support/server.js";

describe("smoke", () => {
  let server: LocalServer;
  let apiKey: string;
  beforeAll(async () => {
    server = await startServer();
    ({ apiKey } = await seedWorld(server.url));
  });
  afterAll(() => server.close());

  it("issues a card over HTTP", async () => {
    const response = await postCard(server.url, apiKey, cardInput());
    expect(response.status).toBe(201);
    expect(response.body.url).toBe(`${server.url}/c/${response.body.id}`);
  });
});
