"""Writes update-bn-torch.json: PyTorch's torch.optim.swa_utils.update_bn (Algorithm 2's population statistics as a
cumulative average, momentum=None) as known answers for MlpPopulationStatistics.

Run from the repository root with Debian's python3-torch:
    /usr/bin/python3 test/Microsoft.ML.BatchNorm.Tests/TestData/update_bn_reference.py
Case "known-answer/<name>": the rows of every training step of ../shared/reference/batchnorm-torch.json, in order, as
update_bn's mini-batches through one BatchNorm1d. Case "network": a Linear -> BN -> ReLU -> Linear -> BN -> ReLU ->
Linear network with random weights over random rows in mini-batches of 8 (the last one smaller), as our trainer splits.
"""
import json
import os
import sys

import torch
from torch.optim.swa_utils import update_bn

HERE = os.path.dirname(os.path.abspath(__file__))
KNOWN = os.path.join(HERE, "batchnorm-torch.json")


def flat(t):
    return [float(v) for v in t.detach().reshape(-1)]


def known_answer_cases():
    with open(KNOWN) as f:
        reference = json.load(f)
    cases = []
    for case in reference["cases"]:
        n, d = case["n"], case["d"]
        bn = torch.nn.BatchNorm1d(d, eps=case["eps"], momentum=case["momentum_torch"])
        # Running statistics that are not the reset values, so the test sees that update_bn replaces them.
        bn.running_mean.fill_(3.0)
        bn.running_var.fill_(7.0)
        batches = [torch.tensor(step["x"], dtype=torch.float32).reshape(n, d) for step in case["steps"]]
        update_bn(batches, torch.nn.Sequential(bn))
        cases.append({
            "name": "known-answer/" + case["name"], "n": n, "d": d, "eps": case["eps"],
            "x": [v for step in case["steps"] for v in step["x"]],
            "running_mean": flat(bn.running_mean), "running_var": flat(bn.running_var),
        })
    return cases


def network_case():
    torch.manual_seed(20261130)
    d, h1, h2, c, rows, batch = 6, 5, 4, 3, 37, 8
    eps = 1e-5
    net = torch.nn.Sequential(
        torch.nn.Linear(d, h1, bias=False), torch.nn.BatchNorm1d(h1, eps=eps), torch.nn.ReLU(),
        torch.nn.Linear(h1, h2, bias=False), torch.nn.BatchNorm1d(h2, eps=eps), torch.nn.ReLU(),
        torch.nn.Linear(h2, c))
    with torch.no_grad():
        for bn in (net[1], net[4]):
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.uniform_(-0.5, 0.5)
    x = torch.randn(rows, d) * 2.0 + 1.0
    update_bn([x[i:i + batch] for i in range(0, rows, batch)], net)
    return {
        "name": "network", "rows": rows, "batch_size": batch, "d": d, "eps": eps, "x": flat(x),
        "layers": [
            {"weights": flat(net[0].weight), "gamma": flat(net[1].weight), "beta": flat(net[1].bias),
             "running_mean": flat(net[1].running_mean), "running_var": flat(net[1].running_var)},
            {"weights": flat(net[3].weight), "gamma": flat(net[4].weight), "beta": flat(net[4].bias),
             "running_mean": flat(net[4].running_mean), "running_var": flat(net[4].running_var)},
            {"weights": flat(net[6].weight), "bias": flat(net[6].bias)},
        ],
    }


def main():
    out = {
        "source": f"torch.optim.swa_utils.update_bn, torch {torch.__version__}, float32",
        "known_answer": known_answer_cases(),
        "network": network_case(),
    }
    path = os.path.join(HERE, "update-bn-torch.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
    print("wrote", path, file=sys.stderr)


if __name__ == "__main__":
    main()
