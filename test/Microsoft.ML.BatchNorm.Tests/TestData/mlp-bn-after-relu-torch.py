"""Writes mlp-bn-after-relu-torch.json: one training step of Linear -> ReLU -> BatchNorm1d -> Linear in PyTorch.

The known answer of MlpBatchNormAfterActivationTorchTests. Run from this folder with Debian's Python (python3-torch):

    /usr/bin/python3 mlp-bn-after-relu-torch.py

The network has D inputs, one hidden layer of H units (dense with bias, ReLU, then batch normalization with
PyTorch's defaults eps = 1e-5 and momentum = 0.1, running statistics from mean 0 / variance 1), and K outputs; the
loss is the mean softmax cross-entropy. One step in training mode on N rows records the logits, the loss, every
parameter's gradient, the batch-norm layer's running statistics after the step, and the parameters after one
torch.optim.SGD step (learning rate 0.1, momentum 0.9; the first step moves by lr * gradient). Then, in eval mode,
the logits of M other rows (batch normalization with the running statistics). Arrays are row-major, float32 values
written exactly; Linear weights are [out, in] as in PyTorch.
"""
import json

import torch

D, H, K, N, M = 5, 6, 3, 8, 5
LEARNING_RATE, MOMENTUM = 0.1, 0.9

torch.manual_seed(20261201)
model = torch.nn.Sequential(
    torch.nn.Linear(D, H), torch.nn.ReLU(), torch.nn.BatchNorm1d(H, eps=1e-5, momentum=0.1), torch.nn.Linear(H, K))
linear1, _, batchnorm, linear2 = model
with torch.no_grad():
    # gamma and beta off their initial 1 and 0, so that their gradients and the fold's shift are exercised.
    batchnorm.weight.copy_(1 + 0.3 * torch.randn(H))
    batchnorm.bias.copy_(0.5 * torch.randn(H))
x = torch.randn(N, D) * 1.5 + 0.3
labels = torch.randint(0, K, (N,))
x_eval = torch.randn(M, D) * 1.5 + 0.3

# Every hidden unit active on some rows and not on others: the ReLU's mask matters in the backward pass.
active = (linear1(x) > 0).sum(dim=0)
assert bool(((active > 0) & (active < N)).all()), f"active rows per unit: {active.tolist()}"

initial = {name: p.detach().clone() for name, p in model.named_parameters()}
optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE, momentum=MOMENTUM)
model.train()
optimizer.zero_grad()
logits = model(x)
loss = torch.nn.functional.cross_entropy(logits, labels)
loss.backward()
gradients = {name: p.grad.detach().clone() for name, p in model.named_parameters()}
optimizer.step()
model.eval()
with torch.no_grad():
    eval_logits = model(x_eval)


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def layers(values):
    return {
        "w1": flat(values["0.weight"]), "b1": flat(values["0.bias"]),
        "gamma": flat(values["2.weight"]), "beta": flat(values["2.bias"]),
        "w2": flat(values["3.weight"]), "b2": flat(values["3.bias"]),
    }


result = {
    "source": f"mlp-bn-after-relu-torch.py, PyTorch {torch.__version__}, float32",
    "d": D, "h": H, "k": K, "n": N, "m": M,
    "eps": 1e-5, "momentum_torch": 0.1, "learning_rate": LEARNING_RATE, "sgd_momentum": MOMENTUM,
    "x": flat(x), "labels": [int(v) for v in labels.tolist()], "x_eval": flat(x_eval),
    "initial": layers(initial),
    "logits": flat(logits), "loss": float(loss),
    "gradients": layers(gradients),
    "running_mean_after": flat(batchnorm.running_mean), "running_var_after": flat(batchnorm.running_var),
    "after_step": layers({name: p for name, p in model.named_parameters()}),
    "eval_logits": flat(eval_logits),
}
with open("mlp-bn-after-relu-torch.json", "w") as f:
    json.dump(result, f, indent=1)
    f.write("\n")
