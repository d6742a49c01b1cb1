import type { ParamSpec } from "../params.js";

/** Weight [out, in] (Glorot uniform, Keras' default) and zero bias of a Dense layer named `name`. */
export function denseParams(name: string, nIn: number, nOut: number): ParamSpec[] {
  return [
    { name: `${name}.weight`, shape: [nOut, nIn], sparse: false, init: { kind: "glorot", fanIn: nIn, fanOut: nOut } },
    { name: `${name}.bias`, shape: [nOut], sparse: false, init: { kind: "zeros" } },
  ];
}
