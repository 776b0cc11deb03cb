#!/usr/bin/python3
"""PyTorch's test accuracy of the reference MLP averaged over seeds, the counterpart of our short mode's --seeds.

The network, data, optimizer and training loop are those of shared/bench/torch_reference.py (imported from the
folder given by --shared; only its seed is varied here): seed s seeds torch and the shuffling generator with s.
Prints one JSON line per batch size, in the form our short mode uses for --seeds > 1:
  {"figure": "mlp_test_accuracy/B=..", "value": MEAN, "std": SAMPLE_STD, "seed0": ..., "seeds": K, "epochs": E}
Why: one seed's accuracy after 2 epochs varies by about 0.006 (standard deviation) between seeds, more than the
0.005 the comparison is held to; the mean over K seeds has a standard error of std / sqrt(K).
Usage: torch_accuracy.py --shared DIR [--threads 2] [--epochs 2] [--batches 32,256] [--seeds 10]
Run with OMP_WAIT_POLICY=passive (bench/compare does), as the reference script runs itself.
"""
import argparse, json, statistics, sys

ap = argparse.ArgumentParser()
ap.add_argument("--shared", required=True); ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--epochs", type=int, default=2); ap.add_argument("--batches", default="32,256")
ap.add_argument("--seeds", type=int, default=10)
a = ap.parse_args()
if a.seeds < 2: sys.exit("--seeds needs at least 2 (one seed is torch_reference.py's own figure)")
sys.path.insert(0, a.shared + "/bench")
import torch, torch.nn.functional as F
import torch_reference as ref

torch.set_num_threads(a.threads)
xtr, ytr, xte, yte = ref.fmnist()
rows = xtr.shape[0]
for b in (int(s) for s in a.batches.split(",")):
    accuracies = []
    for seed in range(a.seeds):
        torch.manual_seed(seed); g = torch.Generator().manual_seed(seed)
        m = ref.mlp(); opt = torch.optim.Adam(m.parameters(), lr=1e-3)
        for _ in range(a.epochs):
            m.train()
            p = torch.randperm(rows, generator=g); xs, ys = xtr[p], ytr[p]
            for i in range(0, rows, b):
                opt.zero_grad(set_to_none=True)
                F.cross_entropy(m(xs[i:i + b]), ys[i:i + b]).backward(); opt.step()
        m.eval()
        with torch.no_grad(): accuracies.append((m(xte).argmax(1) == yte).float().mean().item())
    print(json.dumps({"figure": f"mlp_test_accuracy/B={b}", "value": statistics.mean(accuracies),
                      "std": statistics.stdev(accuracies), "seed0": accuracies[0], "seeds": a.seeds,
                      "epochs": a.epochs}), flush=True)
