import * as assert from "node:assert/strict";
import { AspectWarning } from "../../src/frame/frame-path";

const spec = { name: "pilotnet", frame: { width: 640, height: 480 } };

describe("frame/frame-path: AspectWarning, the aspect-ratio check every run owns", () => {
  it("says a frame off the spec's aspect ratio once per run, and nothing for frames that match", () => {
    const aspect = new AspectWarning(spec);
    assert.equal(aspect.check(640, 480), undefined);
    // Up to 10 % off is still the spec's shape; a matching frame does not use up the warning.
    assert.equal(aspect.check(700, 480), undefined);
    assert.equal(
      aspect.check(800, 8),
      "a 800x8 frame has aspect ratio 100.000, the model 'pilotnet' was made for 640x480 (1.333); its crop " +
        "assumes that shape, so the masks may show another part of the scene than intended (said once per run)",
    );
    assert.equal(aspect.check(800, 8), undefined, "said once");
    assert.equal(aspect.check(1, 1), undefined, "once for all shapes");
  });

  it("keeps its state per run: another run says it again", () => {
    new AspectWarning(spec).check(1, 1);
    assert.match(new AspectWarning(spec).check(1, 1) ?? "", /^a 1x1 frame has aspect ratio 1\.000/);
  });

  it("says nothing when the spec names no camera frame", () => {
    assert.equal(new AspectWarning({ name: "derived", frame: undefined }).check(800, 8), undefined);
  });
});
