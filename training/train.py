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

    def scaled_with_maps(self, x):
        """Output in training units, and the output of each ReLU after a convolution (the feature maps
        VisualBackProp reads, and the L1 penalty's target)."""
        h = x / 127.5 - 1.0
        maps = []
        for layer in self.features:
            h = layer(h)
            if isinstance(layer, nn.ReLU):
                maps.append(h)
        return self.head(h), maps

    def forward(self, x):
        return self.scaled(x) * self.output_scale


# (kernel, stride) of each convolution, in order: what VisualBackProp's transposed convolutions undo.
CONV_STEPS = [(5, 2), (5, 2), (5, 2), (3, 1), (3, 1)]


def vbp_masks(maps, input_size):
    """VisualBackProp masks (N, H, W) of a batch, before the final [0, 1] normalisation, as
    ../shared/golden/vbp/README.md defines them: channel means, deepest first, scaled up by a
    transposed convolution of ones (the convolution's kernel and stride; missing rows and columns
    at the bottom and right are zeros) and multiplied by the next shallower mean. Differentiable, so
    a loss can ask where the masks lie; the shares it asks for do not depend on the normalisation."""
    means = [m.mean(1, keepdim=True) for m in maps]
    mask = means[-1]
    for i in range(len(means) - 1, -1, -1):
        kernel, stride = CONV_STEPS[i]
        mask = nn.functional.conv_transpose2d(mask, torch.ones(1, 1, kernel, kernel, dtype=mask.dtype), stride=stride)
        target = means[i - 1].shape[-2:] if i > 0 else input_size
        mask = nn.functional.pad(mask, (0, target[1] - mask.shape[-1], 0, target[0] - mask.shape[-2]))
        if i > 0:
            mask = mask * means[i - 1]
    return mask[:, 0]


# Bits of the export's regions.npy (src/drive/regions.ts REGION_BIT).
REGION_LANE, REGION_LEFT, REGION_RIGHT = 1, 2, 4
# A line counts as in view when at least this many input pixels show it.
MIN_LINE_PIXELS = 20


def has_bits(regions, bits):
    """1.0 where a region code holds any of `bits`, else 0.0 (same shape as `regions`)."""
    return (regions & bits).bool().float()


def prior_bits(prior_region):
    """The region bits the priors count as "where the masks should be": every lane marking and road
    edge, or only the two lines of the car's lane."""
    return REGION_LANE if prior_region == "lane" else REGION_LEFT | REGION_RIGHT


def mask_shares(mask, regions, focus_bits=REGION_LANE):
    """Per sample: the share of the mask's weight on lane markings, the shares of the weight on
    markings that lie on the left and on the right line of the car's lane, and whether both lines
    are in view (the balance only means something then)."""
    left = has_bits(regions, REGION_LEFT)
    right = has_bits(regions, REGION_RIGHT)
    total = mask.sum((1, 2)) + 1e-20
    on_lane = (mask * has_bits(regions, REGION_LANE)).sum((1, 2))
    lane_share = (mask * has_bits(regions, focus_bits)).sum((1, 2)) / total
    left_share = (mask * left).sum((1, 2)) / (on_lane + 1e-20)
    right_share = (mask * right).sum((1, 2)) / (on_lane + 1e-20)
    both = (left.sum((1, 2)) >= MIN_LINE_PIXELS) & (right.sum((1, 2)) >= MIN_LINE_PIXELS)
    return lane_share, left_share, right_share, both


def prior_loss(mask, regions, line_share, focus_bits=REGION_LANE):
    """The mask prior: the share of the mask off `focus_bits`, plus, where both lines are in view,
    how far each line's share of the marking weight falls short of `line_share`."""
    lane_share, left_share, right_share, both = mask_shares(mask, regions, focus_bits)
    focus = (1.0 - lane_share).mean()
    shortfall = nn.functional.relu(line_share - left_share) + nn.functional.relu(line_share - right_share)
    balance = (shortfall * both).sum() / both.sum().clamp(min=1)
    return focus, balance


def feature_prior_loss(maps, regions, layers=3, focus_bits=REGION_LANE):
    """The share of each of the first `layers` feature maps' activation (all channels, not their mean)
    at positions whose receptive field holds no lane marking or road edge. Where the mask prior only
    asks the channel means, this asks every channel: a model may keep its means on the markings and
    still read the road elsewhere through channels whose mean stays low."""
    near = has_bits(regions, focus_bits).unsqueeze(1)
    total = 0.0
    for i in range(layers):
        kernel, stride = CONV_STEPS[i]
        # Max pooling with a layer's kernel and stride composes the receptive fields exactly.
        near = nn.functional.max_pool2d(near, kernel, stride)
        activation = maps[i].sum(1, keepdim=True)
        off = (activation * (1.0 - near)).sum((1, 2, 3)) / (activation.sum((1, 2, 3)) + 1e-20)
        total = total + off.mean()
    return total


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


def validation_shares(model, images, regions, batch=256):
    """Pooled over the validation set: mask weight on markings, and the left and right lines'
    shares of it where both are in view (the training-time view of eval's figures)."""
    model.eval()
    lane_w = total_w = left_w = right_w = 0.0
    with torch.no_grad():
        for i in range(0, len(images), batch):
            _, maps = model.scaled_with_maps(images[i:i + batch].float())
            mask = vbp_masks(maps, images.shape[-2:])
            # Each mask normalised to sum 1, so every frame weighs the same, as in eval's pooling of
            # [0, 1] masks (near enough: their minimum is about 0).
            mask = mask / (mask.sum((1, 2), keepdim=True) + 1e-20)
            r = regions[i:i + batch].long()
            total_w += float(mask.sum())
            lane_w += float((mask * has_bits(r, REGION_LANE)).sum())
            left_w += float((mask * has_bits(r, REGION_LEFT)).sum())
            right_w += float((mask * has_bits(r, REGION_RIGHT)).sum())
    return lane_w / max(total_w, 1e-20), left_w / max(lane_w, 1e-20), right_w / max(lane_w, 1e-20)


def shifted(x, where, pixels):
    """x (N, C, H, W) moved `pixels` to the right where `where` (N, H, W) holds, edge columns repeated."""
    moved = torch.cat([x[..., :1].expand(*x.shape[:-1], pixels), x[..., :-pixels]], -1)
    return torch.where(where.unsqueeze(1), moved, x)


def validation_shift_ratio(model, images, pixels=10, share=0.1, grow=2, batch=250):
    """eval's shift test on validation frames: the top `share` of each mask, grown by `grow` pixels,
    moved `pixels` sideways, against the rest moved as much; the ratio of the mean steering changes.
    A model whose masks leave out what steers it scores low, however well the masks sit."""
    model.eval()
    salient = background = 0.0
    with torch.no_grad():
        for i in range(0, len(images), batch):
            x = images[i:i + batch].float()
            y, maps = model.scaled_with_maps(x)
            mask = vbp_masks(maps, x.shape[-2:])
            threshold = mask.flatten(1).quantile(1 - share, dim=1).view(-1, 1, 1)
            region = ((mask >= threshold) & (mask > 0)).float().unsqueeze(1)
            region = nn.functional.max_pool2d(region, 2 * grow + 1, 1, grow)[:, 0] > 0
            salient += float((model.scaled(shifted(x, region, pixels)) - y).abs().sum())
            background += float((model.scaled(shifted(x, ~region, pixels)) - y).abs().sum())
    return salient / max(background, 1e-20)


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
    parser.add_argument("--mask-prior", type=float, default=0.0,
                        help="weight of the loss on the VisualBackProp masks' weight off the lane markings "
                             "(needs the export's regions.npy; 0: none, as the shipped model was trained)")
    parser.add_argument("--line-balance", type=float, default=0.0,
                        help="weight of the loss on either line of the car's lane holding less than "
                             "--line-share of the masks' weight on markings, where both lines are in view")
    parser.add_argument("--feature-prior", type=float, default=0.0,
                        help="weight of the loss on the first three feature maps' activation (every channel) "
                             "away from lane markings and road edges (needs regions.npy)")
    parser.add_argument("--prior-region", choices=("lane", "lines"), default="lane",
                        help="where --mask-prior and --feature-prior want the masks and features: every lane "
                             "marking and road edge, or only the two lines of the car's lane")
    parser.add_argument("--line-share", type=float, default=0.35,
                        help="the share of the marking weight each line should hold at least (issue 15 asks 0.25)")
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
    regions_path = os.path.join(args.data, "regions.npy")
    uses_regions = args.mask_prior > 0 or args.line_balance > 0 or args.feature_prior > 0
    if uses_regions and not os.path.exists(regions_path):
        raise SystemExit(f"--mask-prior and --line-balance need {regions_path}: export the data again "
                         "with this version of export-cli.js")
    regions = torch.from_numpy(np.load(regions_path)) if os.path.exists(regions_path) else None
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
        total = prior_total = balance_total = feature_total = 0.0
        for i in range(0, n_train, args.batch):
            idx = order[i:i + args.batch]
            x = images[idx].float()
            # Per-sample brightness jitter on Y only (U/V stay put): more exposure variety for free.
            x[:, 0] = (x[:, 0] * torch.empty(len(idx), 1, 1).uniform_(0.85, 1.15)).clamp_(0, 255)
            y = target[idx]
            r = regions[idx].long() if uses_regions else None
            if args.mirror > 0:
                # A mirrored frame is the mirrored world (the crop spans the whole, centred width):
                # the road turns and the car sits the other way, so the label changes sign. With
                # the solid line now on either side, no one line can stand for the lane.
                flip = torch.rand(len(idx)) < args.mirror
                x[flip] = x[flip].flip(3)
                y = torch.where(flip.unsqueeze(1), -y, y)
                if r is not None:
                    # The prior asks the same share of each line, so the mirrored left and right
                    # lines need not swap bits.
                    r[flip] = r[flip].flip(2)
            prediction, maps = model.scaled_with_maps(x)
            activity = torch.stack([m.abs().mean() for m in maps]).sum()
            loss = nn.functional.smooth_l1_loss(prediction, y, beta=0.5) + args.sparsity * activity
            if r is not None:
                focus, balance = prior_loss(vbp_masks(maps, x.shape[-2:]), r, args.line_share,
                                            prior_bits(args.prior_region))
                loss = loss + args.mask_prior * focus + args.line_balance * balance
                if args.feature_prior > 0:
                    off_features = feature_prior_loss(maps, r, focus_bits=prior_bits(args.prior_region))
                    loss = loss + args.feature_prior * off_features
                    feature_total += float(off_features) * len(idx)
                prior_total += float(focus) * len(idx)
                balance_total += float(balance) * len(idx)
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
        entry = {"epoch": epoch + 1, "trainLoss": total / n_train, "valR2": val_r2, "valMae": val_mae, "valRoadR2": road_r2}
        shift_ratio = validation_shift_ratio(model, images[n_train::4])
        entry["valShiftRatio"] = shift_ratio
        shares = f"  shift ratio {shift_ratio:.2f}"
        if regions is not None:
            lane_share, left_share, right_share = validation_shares(model, images[n_train:], regions[n_train:])
            entry.update({"valLaneShare": lane_share, "valLeftShare": left_share, "valRightShare": right_share,
                          "offLaneLoss": prior_total / n_train, "balanceLoss": balance_total / n_train,
                          "featureOffLoss": feature_total / n_train})
            shares += (f"  masks: {lane_share:.0%} on markings, left/right line {left_share:.0%}/{right_share:.0%}"
                      + (f" (prior {prior_total / n_train:.3f}, balance {balance_total / n_train:.3f}, "
                           f"features off markings {feature_total / n_train:.3f})" if uses_regions else ""))
        history.append(entry)
        print(f"epoch {epoch + 1}: loss {total / n_train:.4f}  val R2 {val_r2:.4f}  MAE {val_mae:.5f}  "
              f"R2 vs road curvature {road_r2:.4f}{shares}  ({time.time() - started:.0f} s)", flush=True)
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
           "sparsity": args.sparsity, "mirror": args.mirror, "maskPrior": args.mask_prior,
           "lineBalance": args.line_balance, "featurePrior": args.feature_prior, "priorRegion": args.prior_region, "lineShare": args.line_share, "seed": args.seed, "init": args.init, "bestEpoch": best[2], "seconds": round(seconds),
           "trainSamples": n_train, "valSamples": n_val, "history": history}
    with open(os.path.join(args.data, "train-log.json"), "w") as f:
        json.dump(log, f, indent=2)
    print(f"best epoch {best[2]} (val R2 {best[0]:.4f}); wrote {onnx_path} in {seconds:.0f} s", flush=True)


if __name__ == "__main__":
    main()
