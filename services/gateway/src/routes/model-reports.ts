import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { type FastifyPluginAsyncTypebox, Type } from "@fastify/type-provider-typebox";
import type { ModelCatalog } from "../domain/ports.js";
import { NotFound } from "../plugins/errors.js";
import { ErrorBody, MAX_ID } from "../schemas.js";

/** What `wren evaluate` writes into a version directory (packages/trainer/src/eval/report.ts). */
const REPORT_FILES = {
  "report.html": "text/html; charset=utf-8",
  "evaluation.json": "application/json; charset=utf-8",
} as const;
type ReportFile = keyof typeof REPORT_FILES;

/**
 * The trainer's report is our own escaped HTML with inline styles and SVG, but it is a file on disk:
 * serve it sandboxed, with no script, no fetch and nothing off-site, framed by our pages only.
 */
const REPORT_CSP =
  "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'";

export interface ModelReportOptions {
  models: ModelCatalog;
  /** Root of the exported models (`<root>/<model>/<version>/`); undefined serves no reports. */
  modelsDir: string | undefined;
}

const ModelParams = {
  model: Type.String({ pattern: "^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", description: "Model name" }),
  version: Type.Integer({ minimum: 1, maximum: MAX_ID, description: "Model version" }),
};

/**
 * A trained model version's evaluation report and its JSON, for the model page. Only files of a model
 * and version the catalogue lists are read, so no path from the URL reaches the file system unchecked.
 */
export const modelReportRoutes: FastifyPluginAsyncTypebox<ModelReportOptions> = async (app, opts) => {
  /** The version's file, or null when it has none; NotFound when the catalogue has no such version. */
  async function readReportFile(model: string, version: number, file: ReportFile): Promise<Buffer | null> {
    const listed = (await opts.models.list()).find((m) => m.name === model);
    if (!listed?.versions.some((v) => v.version === version) || !opts.modelsDir) {
      throw new NotFound("model", `no trained model ${model} version ${version}`);
    }
    try {
      return await readFile(join(opts.modelsDir, model, String(version), file));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw err;
    }
  }

  app.get(
    "/api/models/:model/versions/:version/evaluation",
    {
      schema: {
        summary: "A model version's evaluation (wren evaluate's evaluation.json) and its report's URL",
        tags: ["models"],
        params: Type.Object(ModelParams),
        response: {
          200: Type.Object({
            model: Type.String(),
            version: Type.Integer(),
            reportUrl: Type.Union([Type.String(), Type.Null()]),
            evaluation: Type.Union([Type.Unknown(), Type.Null()], {
              description: "evaluation.json as written by the trainer; null when not evaluated",
            }),
          }),
          400: ErrorBody,
          404: ErrorBody,
        },
      },
    },
    async (req) => {
      const { model, version } = req.params;
      const [json, html] = await Promise.all([
        readReportFile(model, version, "evaluation.json"),
        readReportFile(model, version, "report.html"),
      ]);
      return {
        model,
        version,
        reportUrl: html ? `/models/${model}/${version}/report.html` : null,
        evaluation: json ? JSON.parse(json.toString("utf8")) : null,
      };
    },
  );

  app.get(
    "/models/:model/:version/:file",
    {
      schema: {
        summary: "A model version's evaluation report (report.html) or metrics (evaluation.json)",
        tags: ["models"],
        params: Type.Object({
          ...ModelParams,
          file: Type.Union(Object.keys(REPORT_FILES).map((f) => Type.Literal(f))),
        }),
      },
    },
    async (req, reply) => {
      const { model, version } = req.params;
      const file = req.params.file as ReportFile;
      const body = await readReportFile(model, version, file);
      if (!body) throw new NotFound("file", `${model} version ${version} has no ${file}: run wren evaluate`);
      reply.header("content-type", REPORT_FILES[file]).header("x-content-type-options", "nosniff");
      if (file === "report.html") reply.header("content-security-policy", REPORT_CSP);
      return reply.send(body);
    },
  );
};
