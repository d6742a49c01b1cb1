/**
 * A reader for protobuf text format, enough for TF Serving's ModelServerConfig and BatchingParameters
 * files: `field: value`, `field { … }`, `field: { … }`, repeated fields, '…' or "…" strings, # comments.
 */
export type TextValue = string | number | boolean | TextMessage;
export type TextMessage = Map<string, TextValue[]>;

export function parseTextProto(text: string, where: string): TextMessage {
  const tokens: Array<{ t: string; line: number }> = [];
  const re = /\s+|#[^\n]*|("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')|([{}:;,[\]])|([^\s{}:;,#[\]'"]+)|(.)/gy;
  let line = 1;
  for (let m = re.exec(text); m && m[0] !== ""; m = re.exec(text)) {
    if (m[4] !== undefined) throw new Error(`${where}:${line}: unexpected character ${JSON.stringify(m[4])}`);
    const tok = m[1] ?? m[2] ?? m[3];
    if (tok !== undefined) tokens.push({ t: tok, line });
    line += (m[0].match(/\n/g) ?? []).length;
    if (re.lastIndex >= text.length) break;
  }
  let i = 0;
  const fail = (msg: string): never => {
    throw new Error(`${where}:${tokens[Math.min(i, tokens.length - 1)]?.line ?? line}: ${msg}`);
  };
  const scalar = (tok: string): TextValue => {
    if (tok.startsWith('"') || tok.startsWith("'"))
      return tok.slice(1, -1).replace(/\\(.)/g, (_, c: string) => ({ n: "\n", t: "\t", r: "\r" })[c] ?? c);
    if (tok === "true") return true;
    if (tok === "false") return false;
    if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(tok)) return Number(tok);
    return tok; // enum identifiers
  };
  const message = (closing: string | undefined): TextMessage => {
    const msg: TextMessage = new Map();
    while (i < tokens.length && tokens[i].t !== closing) {
      const name = tokens[i++].t;
      if (!/^[A-Za-z_][\w.]*$/.test(name)) fail(`expected a field name, got ${name}`);
      if (tokens[i]?.t === ":") i++;
      const tok = tokens[i++]?.t;
      if (tok === undefined) fail(`missing value for ${name}`);
      let value: TextValue;
      if (tok === "{" || tok === "<") {
        value = message(tok === "{" ? "}" : ">");
        i++;
      } else value = scalar(tok as string);
      const list = msg.get(name) ?? [];
      list.push(value);
      msg.set(name, list);
      if (tokens[i]?.t === ";" || tokens[i]?.t === ",") i++;
    }
    if (closing && tokens[i]?.t !== closing) fail(`missing ${closing}`);
    return msg;
  };
  return message(undefined);
}
