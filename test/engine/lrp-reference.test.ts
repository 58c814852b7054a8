import * as assert from "node:assert/strict";
import { Engine } from "../../src/engine/engine";
import { referenceGradient } from "../../src/engine/gradient-reference";
import { referenceLrp } from "../../src/engine/lrp-reference";
import { buildCnn, buildPilotNet } from "../../src/onnx/cnn-builder";
import { maxAbsDiff } from "../support/arrays";
import { BACKWARD_CASES } from "./backward-cases";
import {
  assertForwardMatches,
  assertUnitRange,
  chainOf,
  randomInput,
  runWithActivations,
} from "./backward-helpers";

describe("in-graph LRP and input gradient against the float64 references on generated models", () => {
  for (const { name, spec } of BACKWARD_CASES) {
    for (const [method, batch, opset, outputIndex] of [
      ["lrp", 1, 13, 0],
      ["lrp", 3, 18, 1],
      ["gradient", 1, 17, 0],
      ["gradient", 2, 13, 1],
    ] as const) {
      it(`${method}: ${name}, batch ${batch}, opset ${opset}, output ${outputIndex}`, async () => {
        // Seeds whose random weights leave no layer entirely dead (a dead layer makes every map constant).
        const bytes = buildCnn({ ...spec, seed: name.length * 17 + batch + 6, opsetVersion: opset });
        const index = Math.min(outputIndex, spec.head[spec.head.length - 1] - 1);
        const chain = chainOf(bytes, index);
        const engine = await Engine.create({
          modelBytes: bytes,
          provider: "cpu",
          method,
          outputIndex: index,
          featureMaps: true,
          epsilon: 1e-4,
        });
        try {
          const input = randomInput(chain, batch, batch + 11);
          const { masks, activations, output } = await runWithActivations(engine, chain, input, batch);
          assertForwardMatches(chain, input, batch, output);
          const reference =
            method === "lrp"
              ? referenceLrp(chain, activations, batch, { epsilon: 1e-4, outputIndex: index })
              : referenceGradient(chain, activations, batch, index);
          assert.equal(masks.length, batch * chain.input.shape[1] * chain.input.shape[2]);
          assert.ok(
            maxAbsDiff(masks, reference.masks) < 1e-4,
            `mask differs by ${maxAbsDiff(masks, reference.masks)}`,
          );
          assertUnitRange(masks);
          assert.ok(
            masks.some((v) => v === 1),
            "a non-constant map reaches 1",
          );
        } finally {
          await engine.release();
        }
      });
    }
  }

  it("PilotNet: both methods, batch 2, default epsilon", async () => {
    const bytes = buildPilotNet(3);
    const chain = chainOf(bytes);
    for (const method of ["lrp", "gradient"] as const) {
      const engine = await Engine.create({ modelBytes: bytes, provider: "cpu", method, featureMaps: true });
      try {
        const input = randomInput(chain, 2, 5).map((v) => (v + 1) * 127.5);
        const { masks, activations } = await runWithActivations(engine, chain, input, 2);
        const reference =
          method === "lrp" ? referenceLrp(chain, activations, 2) : referenceGradient(chain, activations, 2);
        assert.ok(
          maxAbsDiff(masks, reference.masks) < 1e-4,
          `${method}: ${maxAbsDiff(masks, reference.masks)}`,
        );
      } finally {
        await engine.release();
      }
    }
  });
});
