import { createMemoryLimiter } from "../../src/limits/memory.js";
import { limiterContract } from "./limiter.contract.js";

limiterContract("in-process", async () => createMemoryLimiter());
