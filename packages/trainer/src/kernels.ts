/**
 * The three matrix products of a dense layer, register-blocked (4 rows × 2 columns of accumulators)
 * because V8 does not vectorise: blocking cuts loads per multiply-add roughly threefold. Row-major
 * throughout; W is [nOut, nIn] starting at wOff. Edge rows/columns fall back to plain loops.
 */

/** Y[b, j] = bias[j] + Σ_i X[b, i] · W[j, i]  for b < n. */
export function matmulForward(
  x: Float32Array,
  w: Float32Array,
  wOff: number,
  bOff: number,
  y: Float32Array,
  n: number,
  nIn: number,
  nOut: number,
): void {
  const jEnd = nOut & ~1;
  let b = 0;
  for (; b + 3 < n; b += 4) {
    const x0 = b * nIn;
    const x1 = x0 + nIn;
    const x2 = x1 + nIn;
    const x3 = x2 + nIn;
    const y0 = b * nOut;
    const y1 = y0 + nOut;
    const y2 = y1 + nOut;
    const y3 = y2 + nOut;
    let j = 0;
    for (; j < jEnd; j += 2) {
      const ba = w[bOff + j];
      const bb = w[bOff + j + 1];
      let a0 = ba;
      let a1 = ba;
      let a2 = ba;
      let a3 = ba;
      let c0 = bb;
      let c1 = bb;
      let c2 = bb;
      let c3 = bb;
      const wa = wOff + j * nIn;
      const wb = wa + nIn;
      for (let i = 0; i < nIn; i++) {
        const u = w[wa + i];
        const v = w[wb + i];
        const p0 = x[x0 + i];
        const p1 = x[x1 + i];
        const p2 = x[x2 + i];
        const p3 = x[x3 + i];
        a0 += p0 * u;
        a1 += p1 * u;
        a2 += p2 * u;
        a3 += p3 * u;
        c0 += p0 * v;
        c1 += p1 * v;
        c2 += p2 * v;
        c3 += p3 * v;
      }
      y[y0 + j] = a0;
      y[y1 + j] = a1;
      y[y2 + j] = a2;
      y[y3 + j] = a3;
      y[y0 + j + 1] = c0;
      y[y1 + j + 1] = c1;
      y[y2 + j + 1] = c2;
      y[y3 + j + 1] = c3;
    }
    for (; j < nOut; j++) {
      const bj = w[bOff + j];
      let a0 = bj;
      let a1 = bj;
      let a2 = bj;
      let a3 = bj;
      const wa = wOff + j * nIn;
      for (let i = 0; i < nIn; i++) {
        const u = w[wa + i];
        a0 += x[x0 + i] * u;
        a1 += x[x1 + i] * u;
        a2 += x[x2 + i] * u;
        a3 += x[x3 + i] * u;
      }
      y[y0 + j] = a0;
      y[y1 + j] = a1;
      y[y2 + j] = a2;
      y[y3 + j] = a3;
    }
  }
  for (; b < n; b++) {
    const xo = b * nIn;
    for (let j = 0; j < nOut; j++) {
      let s = w[bOff + j];
      const wa = wOff + j * nIn;
      for (let i = 0; i < nIn; i++) s += x[xo + i] * w[wa + i];
      y[b * nOut + j] = s;
    }
  }
}

/** GX[b, i] += Σ_j G[b, j] · W[j, i]  for b < n. */
export function matmulInputGrad(
  g: Float32Array,
  w: Float32Array,
  wOff: number,
  gx: Float32Array,
  n: number,
  nIn: number,
  nOut: number,
): void {
  const iEnd = nIn & ~1;
  let b = 0;
  for (; b + 3 < n; b += 4) {
    const g0 = b * nOut;
    const g1 = g0 + nOut;
    const g2 = g1 + nOut;
    const g3 = g2 + nOut;
    const x0 = b * nIn;
    const x1 = x0 + nIn;
    const x2 = x1 + nIn;
    const x3 = x2 + nIn;
    let i = 0;
    for (; i < iEnd; i += 2) {
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      let c0 = 0;
      let c1 = 0;
      let c2 = 0;
      let c3 = 0;
      for (let j = 0; j < nOut; j++) {
        const wo = wOff + j * nIn + i;
        const u = w[wo];
        const v = w[wo + 1];
        const q0 = g[g0 + j];
        const q1 = g[g1 + j];
        const q2 = g[g2 + j];
        const q3 = g[g3 + j];
        a0 += q0 * u;
        a1 += q1 * u;
        a2 += q2 * u;
        a3 += q3 * u;
        c0 += q0 * v;
        c1 += q1 * v;
        c2 += q2 * v;
        c3 += q3 * v;
      }
      gx[x0 + i] += a0;
      gx[x1 + i] += a1;
      gx[x2 + i] += a2;
      gx[x3 + i] += a3;
      gx[x0 + i + 1] += c0;
      gx[x1 + i + 1] += c1;
      gx[x2 + i + 1] += c2;
      gx[x3 + i + 1] += c3;
    }
    for (; i < nIn; i++) {
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      for (let j = 0; j < nOut; j++) {
        const u = w[wOff + j * nIn + i];
        a0 += g[g0 + j] * u;
        a1 += g[g1 + j] * u;
        a2 += g[g2 + j] * u;
        a3 += g[g3 + j] * u;
      }
      gx[x0 + i] += a0;
      gx[x1 + i] += a1;
      gx[x2 + i] += a2;
      gx[x3 + i] += a3;
    }
  }
  for (; b < n; b++) {
    for (let i = 0; i < nIn; i++) {
      let s = 0;
      for (let j = 0; j < nOut; j++) s += g[b * nOut + j] * w[wOff + j * nIn + i];
      gx[b * nIn + i] += s;
    }
  }
}

/** GW[j, i] = Σ_b G[b, j] · X[b, i] and GB[j] = Σ_b G[b, j]  over b < n (overwrites GW and GB). */
export function matmulWeightGrad(
  g: Float32Array,
  x: Float32Array,
  gw: Float32Array,
  gb: Float32Array,
  n: number,
  nIn: number,
  nOut: number,
): void {
  const iEnd = nIn & ~3;
  for (let j = 0; j < nOut; j++) {
    let s = 0;
    for (let b = 0; b < n; b++) s += g[b * nOut + j];
    gb[j] = s;
  }
  let j = 0;
  for (; j + 1 < nOut; j += 2) {
    let i = 0;
    for (; i < iEnd; i += 4) {
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      let c0 = 0;
      let c1 = 0;
      let c2 = 0;
      let c3 = 0;
      for (let b = 0; b < n; b++) {
        const go = b * nOut + j;
        const ga = g[go];
        const gc = g[go + 1];
        const xo = b * nIn + i;
        const p0 = x[xo];
        const p1 = x[xo + 1];
        const p2 = x[xo + 2];
        const p3 = x[xo + 3];
        a0 += ga * p0;
        a1 += ga * p1;
        a2 += ga * p2;
        a3 += ga * p3;
        c0 += gc * p0;
        c1 += gc * p1;
        c2 += gc * p2;
        c3 += gc * p3;
      }
      const wa = j * nIn + i;
      const wc = wa + nIn;
      gw[wa] = a0;
      gw[wa + 1] = a1;
      gw[wa + 2] = a2;
      gw[wa + 3] = a3;
      gw[wc] = c0;
      gw[wc + 1] = c1;
      gw[wc + 2] = c2;
      gw[wc + 3] = c3;
    }
    for (; i < nIn; i++) {
      let a = 0;
      let c = 0;
      for (let b = 0; b < n; b++) {
        const p = x[b * nIn + i];
        a += g[b * nOut + j] * p;
        c += g[b * nOut + j + 1] * p;
      }
      gw[j * nIn + i] = a;
      gw[(j + 1) * nIn + i] = c;
    }
  }
  for (; j < nOut; j++) {
    for (let i = 0; i < nIn; i++) {
      let a = 0;
      for (let b = 0; b < n; b++) a += g[b * nOut + j] * x[b * nIn + i];
      gw[j * nIn + i] = a;
    }
  }
}
