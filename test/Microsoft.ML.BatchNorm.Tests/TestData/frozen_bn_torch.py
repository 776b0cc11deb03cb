"""Known answers for fine-tuning with frozen batch normalization: one SGD step of a small PyTorch MLP whose
BatchNorm1d layers are in eval() mode (running statistics used and not updated) while the rest trains.

    /usr/bin/python3 test/Microsoft.ML.BatchNorm.Tests/TestData/frozen_bn_torch.py > test/Microsoft.ML.BatchNorm.Tests/TestData/frozen-bn-torch.json

Network: Linear(5, 4, bias=False) -> BatchNorm1d(4) -> ReLU -> Linear(4, 3, bias=False) -> BatchNorm1d(3) -> ReLU
-> Linear(3, 3) (the layout of the MultilayerPerceptron trainers), cross-entropy on 7 rows, SGD (momentum 0).
The running statistics are not the defaults (0, 1) but drawn (mean in [-0.5, 0.5], variance in [0.3, 2]), so a kernel
that normalized with the batch statistics, or with (0, 1), would not match. Cases:
  statistics:             bn.eval(); gamma and beta train (PyTorch's usual fine-tuning of a frozen BN)
  statistics_and_affine:  bn.eval() and bn.weight/bias.requires_grad_(False) (Keras' trainable=False)
Arrays are row-major; Linear weights are (out, in) as in our layers.
"""
import json

import torch

torch.manual_seed(20261201)
torch.set_default_dtype(torch.float32)


def build():
    torch.manual_seed(7)
    layers = torch.nn.Sequential(
        torch.nn.Linear(5, 4, bias=False), torch.nn.BatchNorm1d(4, eps=1e-5, momentum=0.1), torch.nn.ReLU(),
        torch.nn.Linear(4, 3, bias=False), torch.nn.BatchNorm1d(3, eps=1e-5, momentum=0.1), torch.nn.ReLU(),
        torch.nn.Linear(3, 3))
    with torch.no_grad():
        for bn in (layers[1], layers[4]):
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.uniform_(-0.3, 0.3)
            bn.running_mean.uniform_(-0.5, 0.5)  # non-default running statistics (a trained model's)
            bn.running_var.uniform_(0.3, 2.0)
    return layers


def state(layers):
    def flat(t):
        return [float(v) for v in t.detach().reshape(-1)]
    out = []
    for index in (0, 3):
        bn = layers[index + 1]
        out.append({"weights": flat(layers[index].weight), "gamma": flat(bn.weight), "beta": flat(bn.bias),
                    "running_mean": flat(bn.running_mean), "running_var": flat(bn.running_var)})
    out.append({"weights": flat(layers[6].weight), "bias": flat(layers[6].bias)})
    return out


g = torch.Generator().manual_seed(23)
x = torch.randn(7, 5, generator=g) * 1.2 + 0.3
labels = torch.tensor([0, 2, 1, 1, 0, 2, 2])
cases = []
for name, freeze_affine in (("statistics", False), ("statistics_and_affine", True)):
    layers = build()
    before = state(layers)
    layers.train()
    for bn in (layers[1], layers[4]):
        bn.eval()
        if freeze_affine:
            bn.weight.requires_grad_(False)
            bn.bias.requires_grad_(False)
    optimizer = torch.optim.SGD([p for p in layers.parameters() if p.requires_grad], lr=0.5, momentum=0.0)
    optimizer.zero_grad()
    loss = torch.nn.functional.cross_entropy(layers(x), labels)
    loss.backward()
    optimizer.step()
    cases.append({"name": name, "learning_rate": 0.5, "epsilon": 1e-5, "loss": float(loss), "before": before,
                  "after": state(layers)})

print(json.dumps({"source": f"frozen_bn_torch.py, PyTorch {torch.__version__}, float32",
                  "x": [float(v) for v in x.reshape(-1)], "labels": [int(v) for v in labels],
                  "rows": 7, "features": 5, "classes": 3, "cases": cases}, indent=1))
