import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyPluginAsync } from "fastify";

export const PUBLIC_DIR = fileURLToPath(new URL("../../public/", import.meta.url));

/**
 * The web pages: static HTML + ES modules built on /api (no bundler, no CDN). A strict content security
 * policy backs up the pages' rule of inserting data as text only: no inline script, nothing off-site.
 */
export const pageRoutes: FastifyPluginAsync = async (app) => {
  await app.register(fastifyStatic, {
    root: PUBLIC_DIR,
    index: "index.html",
    setHeaders(res) {
      res.header(
        "content-security-policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'",
      );
    },
  });
  // The reference's genre page URL.
  app.get("/collection.html", { schema: { hide: true } }, async (req, reply) => {
    const q = req.query as Record<string, string | undefined>;
    return reply.redirect(`/genre.html?${new URLSearchParams({ genre: q.value ?? "" })}`);
  });
};
