#!/usr/bin/python3
"""Trains PilotNet on the exported synthetic drive and writes models/pilotnet.onnx + pilotnet.json.

Run from the repo root, after `node dist/src/drive/export-cli.js` has written training/data/:
    /usr/bin/python3 training/train.py [--epochs 14] [--batch 64] [--lr 1e-3]
Uses Debian's python3-torch and python3-onnx; CPU only, 2 threads.
"""
import argparse
import json
import math
import os
import time

import numpy as np
import torch
from torch import nn

# Labels are ~0.01 1/m; the net learns them x100 and the graph's last op scales back, so the ONNX
# output is curvature in 1/m.
LABEL_SCALE = 100.0


class PilotNet(nn.Module):
    """PilotNet (Bojarski et al. 2016): input (N,3,66,200) YUV 0..255, normalisation inside."""

    def __init__(self, conv_bias=False):
        super().__init__()
        # Without biases a uniform patch of road (about 0 after normalisation) gives next to no
        # activation, so the feature maps, and the VisualBackProp masks made from them, light up
        # on edges and markings rather than on the road surface.
        self.features = nn.Sequential(
            nn.Conv2d(3, 24, 5, stride=2, bias=conv_bias), nn.ReLU(),
            nn.Conv2d(24, 36, 5, stride=2, bias=conv_bias), nn.ReLU(),
            nn.Conv2d(36, 48, 5, stride=2, bias=conv_bias), nn.ReLU(),
            nn.Conv2d(48, 64, 3, bias=conv_bias), nn.ReLU(),
            nn.Conv2d(64, 64, 3, bias=conv_bias), nn.ReLU(),
        )
        self.head = nn.Sequential(
            nn.Flatten(),
            nn.Linear(64 * 1 * 18, 100), nn.ReLU(),
            nn.Linear(100, 50), nn.ReLU(),
            nn.Linear(50, 10), nn.ReLU(),
            nn.Linear(10, 1),
        )
        self.register_buffer("output_scale", torch.tensor(1.0 / LABEL_SCALE))

    def scaled(self, x):
        """Output in training units (curvature x LABEL_SCALE)."""
        return self.head(self.features(x / 127.5 - 1.0))

    def scaled_with_activity(self, x):
        """Output in training units, and the mean absolute activation of each ReLU (for the L1 penalty)."""
        h = x / 127.5 - 1.0
        activity = []
        for layer in self.features:
            h = layer(h)
            if isinstance(layer, nn.ReLU):
                activity.append(h.abs().mean())
        return self.head(h), torch.stack(activity).sum()

    def forward(self, x):
        return self.scaled(x) * self.output_scale


def load_onnx_weights(model, path):
    """Copies the initializers of an ONNX model this script exported (named as the state dict) into `model`."""
    import onnx
    from onnx import numpy_helper
    state = model.state_dict()
    found = {i.name: numpy_helper.to_array(i) for i in onnx.load(path).graph.initializer}
    missing = [k for k in state if k not in found]
    if missing:
        raise SystemExit(f"--init {path}: no initializer for {', '.join(missing)}")
    model.load_state_dict({k: torch.from_numpy(found[k].copy()).reshape(state[k].shape) for k in state})


def export_onnx(model, out):
    """Writes `model` as out/pilotnet.onnx (opset 17, dynamic batch) and checks it; returns the path."""
    import onnx
    model.eval()
    os.makedirs(out, exist_ok=True)
    onnx_path = os.path.join(out, "pilotnet.onnx")
    torch.onnx.export(
        model, torch.zeros(1, 3, 66, 200), onnx_path, opset_version=17,
        input_names=["input"], output_names=["curvature"],
        dynamic_axes={"input": {0: "batch"}, "curvature": {0: "batch"}},
    )
    onnx.checker.check_model(onnx.load(onnx_path))
    return onnx_path


def r2(pred, truth):
    return 1.0 - float(np.sum((pred - truth) ** 2) / np.sum((truth - truth.mean()) ** 2))


def predict(model, images, batch=256):
    model.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(images), batch):
            out.append(model(images[i:i + batch].float()).squeeze(1).numpy())
    return np.concatenate(out)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="training/data")
    parser.add_argument("--out", default="models")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--val-seeds", type=int, default=4, help="last N training seeds kept for validation")
    parser.add_argument("--conv-bias", action="store_true", help="give the convolutions biases (PyTorch's default)")
    parser.add_argument("--sparsity", type=float, default=0.1,
                        help="weight of the L1 penalty on the ReLU activations (sparse feature maps, sharper masks)")
    parser.add_argument("--mirror", type=float, default=0.0,
                        help="share of training samples flipped left-right with the label negated")
    parser.add_argument("--init", default=None,
                        help="start from the weights of this ONNX model (one exported by this script) instead of at random")
    parser.add_argument("--threads", type=int, default=2,
                        help="torch threads (on a CPU shared with other jobs 1 can be faster than 2)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the initial weights, the batch order and the mirroring (0 made the shipped model); "
                             "another shows how much a recipe's figures owe to the draw")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    # The sparse, bias-free feature maps hold many denormal floats; flushing them to zero made a
    # training step about 30 % faster here and changes no figure that matters.
    torch.set_flush_denormal(True)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    started = time.time()

    with open(os.path.join(args.data, "meta.json")) as f:
        meta = json.load(f)
    images = torch.from_numpy(np.load(os.path.join(args.data, "images.npy")))
    labels = np.load(os.path.join(args.data, "labels.npy"))
    target = torch.from_numpy(labels[:, 0] * LABEL_SCALE).float().unsqueeze(1)
    per_seed = meta["framesPerSeed"]
    n_val = args.val_seeds * per_seed
    n_train = len(images) - n_val
    print(f"{len(images)} samples from {len(meta['seeds'])} seeds: {n_train} train, {n_val} validation", flush=True)

    model = PilotNet(conv_bias=args.conv_bias)
    if args.init:
        load_onnx_weights(model, args.init)
        print(f"starting from the weights of {args.init}", flush=True)
    optimiser = torch.optim.Adam(model.parameters(), lr=args.lr)
    steps = args.epochs * math.ceil(n_train / args.batch)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=args.lr, total_steps=steps, pct_start=0.15)
    best = (-math.inf, None, 0)
    history = []
    for epoch in range(args.epochs):
        model.train()
        order = torch.from_numpy(rng.permutation(n_train))
        total = 0.0
        for i in range(0, n_train, args.batch):
            idx = order[i:i + args.batch]
            x = images[idx].float()
            # Per-sample brightness jitter on Y only (U/V stay put): more exposure variety for free.
            x[:, 0] = (x[:, 0] * torch.empty(len(idx), 1, 1).uniform_(0.85, 1.15)).clamp_(0, 255)
            y = target[idx]
            if args.mirror > 0:
                # A mirrored frame is the mirrored world (the crop spans the whole, centred width):
                # the road turns and the car sits the other way, so the label changes sign. With
                # the solid line now on either side, no one line can stand for the lane.
                flip = torch.rand(len(idx)) < args.mirror
                x[flip] = x[flip].flip(3)
                y = torch.where(flip.unsqueeze(1), -y, y)
            prediction, activity = model.scaled_with_activity(x)
            loss = nn.functional.smooth_l1_loss(prediction, y, beta=0.5) + args.sparsity * activity
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            total += float(loss) * len(idx)
        val_pred = predict(model, images[n_train:])
        val_label = labels[n_train:, 0]
        val_r2 = r2(val_pred, val_label)
        val_mae = float(np.mean(np.abs(val_pred - val_label)))
        road_r2 = r2(val_pred, labels[n_train:, 1])
        history.append({"epoch": epoch + 1, "trainLoss": total / n_train, "valR2": val_r2, "valMae": val_mae, "valRoadR2": road_r2})
        print(f"epoch {epoch + 1}: loss {total / n_train:.4f}  val R2 {val_r2:.4f}  MAE {val_mae:.5f}  "
              f"R2 vs road curvature {road_r2:.4f}  ({time.time() - started:.0f} s)", flush=True)
        if val_r2 > best[0]:
            best = (val_r2, {k: v.clone() for k, v in model.state_dict().items()}, epoch + 1)
            # Written at once, so a run stopped early still leaves its best model.
            onnx_path = export_onnx(model, args.out)

    model.load_state_dict(best[1])
    onnx_path = export_onnx(model, args.out)
    card = {
        "name": "pilotnet",
        "input": "input",
        "output": "curvature",
        "outputUnits": "1/m",
        "preprocess": meta["preprocess"],
        "frame": meta["frame"],
    }
    with open(os.path.join(args.out, "pilotnet.json"), "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")
    seconds = time.time() - started
    log = {"epochs": args.epochs, "batch": args.batch, "lr": args.lr, "convBias": args.conv_bias,
           "sparsity": args.sparsity, "mirror": args.mirror, "init": args.init, "bestEpoch": best[2], "seconds": round(seconds),
           "trainSamples": n_train, "valSamples": n_val, "history": history}
    with open(os.path.join(args.data, "train-log.json"), "w") as f:
        json.dump(log, f, indent=2)
    print(f"best epoch {best[2]} (val R2 {best[0]:.4f}); wrote {onnx_path} in {seconds:.0f} s", flush=True)


if __name__ == "__main__":
    main()
