import * as assert from "node:assert/strict";
import { formatDuration, progressBar, ProgressReporter, progressText } from "../../src/offline/progress";

describe("offline/progress: what a long run shows on stderr", () => {
  it("formats durations, bars and lines", () => {
    assert.equal(formatDuration(4.4), "0:04");
    assert.equal(formatDuration(3725), "1:02:05");
    assert.equal(formatDuration(Number.NaN), "?");
    assert.equal(progressBar(0.5, 10), "[#####-----]");
    assert.equal(
      progressText({ frames: 120, total: 300, elapsedMs: 4000 }),
      "120/300 frames (40 %), 30.0 frames/s, 0:06 left",
    );
    assert.equal(progressText({ frames: 10, total: 0, elapsedMs: 1000 }), "10 frames, 10.0 frames/s");
  });

  it("redraws one bar line on a terminal and ends it with a newline", () => {
    const out: string[] = [];
    const reporter = new ProgressReporter({ write: (t) => out.push(t), tty: true, columns: 100 });
    reporter.update({ frames: 10, total: 100, elapsedMs: 1000 });
    reporter.update({ frames: 20, total: 100, elapsedMs: 2000 });
    reporter.finish();
    assert.equal(out.length, 3);
    assert.ok(out[1].startsWith("\r\x1b[K"), JSON.stringify(out[1]));
    assert.match(out[1].slice(4), /^\[#+-+\] 20\/100 frames \(20 %\), 10\.0 frames\/s, 0:08 left$/);
    assert.equal(out[2], "\n");
  });

  it("prints a plain line every tenth of the way (or every few seconds) otherwise", () => {
    const out: string[] = [];
    const reporter = new ProgressReporter({ write: (t) => out.push(t), tty: false, lineIntervalMs: 60000 });
    for (let frames = 4; frames <= 100; frames += 4)
      reporter.update({ frames, total: 100, elapsedMs: frames * 10 });
    reporter.finish();
    assert.ok(out.every((line) => line.startsWith("bag: ") && line.endsWith("\n")));
    assert.equal(out.length, 11, out.join(""));
    const unknown: string[] = [];
    const untimed = new ProgressReporter({ write: (t) => unknown.push(t), tty: false, lineIntervalMs: 1000 });
    for (let s = 0; s <= 5; s++) untimed.update({ frames: s * 30, total: 0, elapsedMs: s * 500 });
    assert.equal(unknown.length, 3);
  });
});
