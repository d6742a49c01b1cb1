import { describe, expect, it } from "vitest";
import {
  assertValid,
  channelMask,
  channelsOf,
  decodePayload,
  ENDPOINTS,
  encodePayload,
  isValid,
  RecallRequest,
  wireSubject,
} from "../src/index.js";

describe("codec", () => {
  const ids = Array.from({ length: 800 }, (_, i) => i * 7 + 1);
  const floats = ids.map((i) => i / 3);
  const value = {
    userId: 12,
    movieIds: ids,
    movieColumns: { movieAvgRating: floats, movieGenre1: ids.map((i) => `g${i % 5}`), mixed: [1, "a"] },
    short: [1.5, 2],
    nested: [{ deep: ids }],
  };

  it("round-trips ints, floats, strings and nesting exactly with both codecs", () => {
    expect(decodePayload(encodePayload(value, "columnar"))).toEqual(value);
    expect(decodePayload(encodePayload(value, "json"))).toEqual(value);
  });

  it("columnar is smaller than JSON for numeric columns and decodes to plain arrays", () => {
    const col = encodePayload({ movieIds: ids, s: floats }, "columnar");
    const json = encodePayload({ movieIds: ids, s: floats }, "json");
    expect(col.byteLength).toBeLessThan(json.byteLength * 0.7);
    const back = decodePayload(col) as { movieIds: number[] };
    expect(Array.isArray(back.movieIds)).toBe(true);
    expect(back.movieIds[799]).toBe(ids[799]);
  });

  it("decodes from an unaligned view (NATS hands out subarrays)", () => {
    const enc = encodePayload({ a: floats }, "columnar");
    const shifted = new Uint8Array(enc.byteLength + 3);
    shifted.set(enc, 3);
    expect(decodePayload(shifted.subarray(3))).toEqual({ a: floats });
  });

  it("rejects a truncated columnar payload", () => {
    const enc = encodePayload({ a: floats }, "columnar");
    expect(() => decodePayload(enc.subarray(0, enc.byteLength - 8))).toThrow(/truncated/);
  });
});

describe("validation", () => {
  it("names the offending path", () => {
    expect(() => assertValid(RecallRequest, { userId: -3 }, "request")).toThrow(/invalid request: \/userId/);
    expect(() => assertValid(RecallRequest, { userId: 1, extra: 1 }, "request")).toThrow(/extra|additional/i);
    expect(isValid(ENDPOINTS.recallCandidates.request, { userId: 5, size: 800 })).toBe(true);
    expect(isValid(ENDPOINTS.recallCandidates.request, { userId: 1.5 })).toBe(false);
  });
});

describe("subjects and channels", () => {
  it("prefixes subjects and rejects wildcards", () => {
    expect(wireSubject(ENDPOINTS.rankingRank.subject, "test-1")).toBe("test-1.wren.ranking.v1.rank");
    expect(wireSubject("wren.x.v1.y")).toBe("wren.x.v1.y");
    expect(() => wireSubject("wren.x", "a.*")).toThrow(/prefix/);
  });

  it("every subject is versioned, lowercase and unique", () => {
    const subjects = Object.values(ENDPOINTS).map((e) => e.subject);
    expect(new Set(subjects).size).toBe(subjects.length);
    for (const s of subjects) expect(s).toMatch(/^wren\.[a-z]+\.v\d+\.[a-z-]+$/);
  });

  it("channel masks round-trip", () => {
    expect(channelsOf(channelMask(["genre", "i2v"]))).toEqual(["genre", "i2v"]);
    expect(channelsOf(0)).toEqual([]);
  });
});
