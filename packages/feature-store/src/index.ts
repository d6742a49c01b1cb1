export * from "./keys.js";
export * from "./reader.js";
