import * as assert from "node:assert/strict";
import { CdrWriter } from "@foxglove/cdr";

describe("bag writers: values written just as a buffer grows (fixed with the bag tool)", () => {
  it("CdrWriter (@foxglove/cdr, which the serializer writes with) keeps a value that makes it grow", () => {
    const w = new CdrWriter({ size: 16 });
    for (let i = 0; i < 40; i++) w.uint32(i * 1000);
    const data = w.data;
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    for (let i = 0; i < 40; i++) assert.equal(view.getUint32(4 + i * 4, true), i * 1000);
  });
});
