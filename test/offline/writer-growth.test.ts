import * as assert from "node:assert/strict";
import { CdrWriter } from "@foxglove/cdr";
import { ByteBuilder } from "../../src/bag/mcap-build";

describe("bag writers: values written just as a buffer grows (fixed with the bag tool)", () => {
  it("ByteBuilder keeps a uint64 that makes it grow", () => {
    const b = new ByteBuilder(64);
    b.raw(new Uint8Array(60));
    b.uint64(0x0102030405060708n).uint32(0xdeadbeef).uint16(0xbeef).uint8(7);
    const view = new DataView(b.bytes.buffer, b.bytes.byteOffset, b.bytes.byteLength);
    assert.equal(view.getBigUint64(60, true), 0x0102030405060708n);
    assert.equal(view.getUint32(68, true), 0xdeadbeef);
    assert.equal(view.getUint16(72, true), 0xbeef);
    assert.equal(view.getUint8(74), 7);
  });

  it("CdrWriter (@foxglove/cdr, which the serializer writes with) keeps a value that makes it grow", () => {
    const w = new CdrWriter({ size: 16 });
    for (let i = 0; i < 40; i++) w.uint32(i * 1000);
    const data = w.data;
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    for (let i = 0; i < 40; i++) assert.equal(view.getUint32(4 + i * 4, true), i * 1000);
  });
});
