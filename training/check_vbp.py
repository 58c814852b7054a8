#!/usr/bin/python3
"""Checks train.py's differentiable VisualBackProp against the independent reference vectors in
../shared/golden/vbp (the mask prior is only worth its name if it shapes the masks eval measures).
Run from the repo root: /usr/bin/python3 training/check_vbp.py [--golden ../shared/golden/vbp]"""
import argparse
import os
import sys

import numpy as np
import onnx
import torch
from onnx import numpy_helper
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train import vbp_masks  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--golden", default="../shared/golden/vbp")
    args = parser.parse_args()
    weights = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy())
               for i in onnx.load(os.path.join(args.golden, "pilotnet.onnx")).graph.initializer}
    x = torch.from_numpy(np.load(os.path.join(args.golden, "pilotnet.input.npy"))).double()
    expected = np.load(os.path.join(args.golden, "pilotnet.mask.npy"))
    maps = []
    h = x
    for index, stride in zip((0, 2, 4, 6, 8), (2, 2, 2, 1, 1)):
        h = nn.functional.relu(nn.functional.conv2d(
            h, weights[f"layers.{index}.weight"].double(), weights[f"layers.{index}.bias"].double(), stride=stride))
        maps.append(h)
    mask = vbp_masks(maps, x.shape[-2:]).double()
    low = mask.amin((1, 2), keepdim=True)
    high = mask.amax((1, 2), keepdim=True)
    mask = torch.where(high > low, (mask - low) / (high - low), torch.zeros_like(mask))
    error = float(np.abs(mask.numpy() - expected).max())
    print(f"train.py's VisualBackProp against {args.golden}: largest difference {error:.2e} over {expected.shape}")
    if error > 1e-5:
        raise SystemExit("differs from the reference by more than 1e-5")


if __name__ == "__main__":
    main()
