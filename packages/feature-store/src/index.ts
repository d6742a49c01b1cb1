export type { Redis } from "ioredis";
export * from "./connect.js";
export * from "./embedding-files.js";
export * from "./keys.js";
export * from "./loader.js";
export * from "./reader.js";
export * from "./realtime.js";
