#!/usr/bin/python3
"""PyTorch's Fashion-MNIST test accuracy with batch normalization before or after the ReLU, over seeds.

The peer of the README's placement figures: 784 -> 256 -> 128 -> 10, each hidden layer Linear -> BatchNorm1d -> ReLU
("before") or Linear -> ReLU -> BatchNorm1d ("after"), PyTorch's default initialization (nn.Linear's uniform, as our
trainers' default), Adam 1e-3, mini-batches of 32 shuffled each epoch, 10 epochs, pixels / 255, eval mode with the
running statistics (momentum 0.1, eps 1e-5). The data are read as shared/bench/torch_reference.py reads them (imported
from the folder given by --shared). Prints one JSON line per placement:
  {"figure": "placement_test_accuracy/<before|after>", "value": MEAN, "std": SAMPLE_STD, "accuracies": [...], "seeds": [...], "epochs": E}
Usage: torch_placement.py --shared DIR [--threads 2] [--epochs 10] [--seeds 1,2,3,4,5]
"""
import argparse, json, statistics, sys

ap = argparse.ArgumentParser()
ap.add_argument("--shared", required=True); ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--epochs", type=int, default=10); ap.add_argument("--seeds", default="1,2,3,4,5")
a = ap.parse_args()
sys.path.insert(0, a.shared + "/bench")
import torch, torch.nn as nn, torch.nn.functional as F
import torch_reference as ref

torch.set_num_threads(a.threads)
xtr, ytr, xte, yte = ref.fmnist()
rows = xtr.shape[0]
seeds = [int(s) for s in a.seeds.split(",")]


def network(after):
    layers, width = [], 784
    for hidden in (256, 128):
        block = [nn.ReLU(), nn.BatchNorm1d(hidden)] if after else [nn.BatchNorm1d(hidden), nn.ReLU()]
        layers += [nn.Linear(width, hidden)] + block
        width = hidden
    return nn.Sequential(*layers, nn.Linear(width, 10))


for placement in ("before", "after"):
    accuracies = []
    for seed in seeds:
        torch.manual_seed(seed); g = torch.Generator().manual_seed(seed)
        m = network(placement == "after"); opt = torch.optim.Adam(m.parameters(), lr=1e-3)
        for _ in range(a.epochs):
            m.train()
            p = torch.randperm(rows, generator=g); xs, ys = xtr[p], ytr[p]
            for i in range(0, rows, 32):
                opt.zero_grad(set_to_none=True)
                F.cross_entropy(m(xs[i:i + 32]), ys[i:i + 32]).backward(); opt.step()
        m.eval()
        with torch.no_grad(): accuracies.append((m(xte).argmax(1) == yte).float().mean().item())
    print(json.dumps({"figure": f"placement_test_accuracy/{placement}", "value": statistics.mean(accuracies),
                      "std": statistics.stdev(accuracies) if len(accuracies) > 1 else 0.0, "accuracies": accuracies,
                      "seeds": seeds, "epochs": a.epochs}), flush=True)
