export * from "./keys.js";
export * from "./loader.js";
export * from "./reader.js";
