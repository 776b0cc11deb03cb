#!/usr/bin/python3
"""Known answers for Batch Renormalization: writes batch-renorm-reference.json next to this script.

A direct transcription of Ioffe (2017, arXiv:1702.03275), Algorithm 1, in float64 PyTorch (1.13): for each training
step, from the moving mean mu = 0 and moving standard deviation sigma = 1,
    mu_B = mean(x), sigma_B = sqrt(eps + mean((x - mu_B)^2))
    r = stop_gradient(clip(sigma_B / sigma, 1/rmax, rmax)), d = stop_gradient(clip((mu_B - mu) / sigma, -dmax, dmax))
    y = gamma * ((x - mu_B) / sigma_B * r + d) + beta
    mu += alpha (mu_B - mu), sigma += alpha (sigma_B - sigma)
and, separately, the inference running statistics as PyTorch's BatchNorm1d keeps them (momentum m, unbiased batch
variance), which Batch Renormalization leaves as they are. The gradients dx, dgamma, dbeta of sum(y * dy) come from
autograd through that forward (r and d detached), not from a hand-derived formula. Inputs are drawn in float64 and
rounded to float32, so the C# side reads exactly the same inputs.

Run from anywhere with /usr/bin/python3 (needs torch); the file is committed, so the tests do not need Python.
"""
import json
import os

import torch

torch.manual_seed(20170209)


def f32(t):
    return t.to(torch.float32).to(torch.float64)


def case(name, n, d, steps, rmax, dmax, alpha, momentum, eps, offset, spread):
    gamma = f32(1 + 0.3 * torch.randn(d, dtype=torch.float64))
    beta = f32(0.5 * torch.randn(d, dtype=torch.float64))
    mu, sigma = torch.zeros(d, dtype=torch.float64), torch.ones(d, dtype=torch.float64)
    running_mean, running_var = torch.zeros(d, dtype=torch.float64), torch.ones(d, dtype=torch.float64)
    # Per-feature offsets and spreads, so that some features are clipped and others are not.
    feature_offset = f32(offset * torch.randn(d, dtype=torch.float64))
    feature_spread = f32(spread * torch.exp(0.8 * torch.randn(d, dtype=torch.float64)))
    out = {"name": name, "n": n, "d": d, "rmax": rmax, "dmax": dmax, "renorm_momentum": alpha,
           "momentum_torch": momentum, "eps": eps, "gamma": gamma.tolist(), "beta": beta.tolist(), "steps": []}
    for _ in range(steps):
        x = f32(feature_offset + feature_spread * torch.randn(n, d, dtype=torch.float64))
        dy = f32(torch.randn(n, d, dtype=torch.float64))
        xg, g, b = x.clone().requires_grad_(True), gamma.clone().requires_grad_(True), beta.clone().requires_grad_(True)
        mu_b = xg.mean(0)
        sigma_b = torch.sqrt(eps + ((xg - mu_b) ** 2).mean(0))
        r = torch.clamp(sigma_b / sigma, 1 / rmax, rmax).detach()
        dd = torch.clamp((mu_b - mu) / sigma, -dmax, dmax).detach()
        y = g * ((xg - mu_b) / sigma_b * r + dd) + b
        (y * dy).sum().backward()
        step = {"x": x.flatten().tolist(), "dy": dy.flatten().tolist(), "y": y.detach().flatten().tolist(),
                "r": r.tolist(), "d": dd.tolist(), "dx": xg.grad.flatten().tolist(), "dgamma": g.grad.tolist(),
                "dbeta": b.grad.tolist()}
        mu = mu + alpha * (mu_b.detach() - mu)
        sigma = sigma + alpha * (sigma_b.detach() - sigma)
        running_mean = (1 - momentum) * running_mean + momentum * x.mean(0)
        running_var = (1 - momentum) * running_var + momentum * x.var(0, unbiased=True)
        step.update({"mu_after": mu.tolist(), "sigma_after": sigma.tolist(),
                     "running_mean_after": running_mean.tolist(), "running_var_after": running_var.tolist()})
        out["steps"].append(step)
    return out


cases = [
    # Batch of 4: sigma_B / sigma and (mu_B - mu) / sigma far from 1 and 0, clipped in part of the features.
    case("small-batch", n=4, d=6, steps=3, rmax=2.0, dmax=1.5, alpha=0.3, momentum=0.1, eps=1e-5, offset=1.5, spread=1.5),
    # The paper's final bounds, a wider batch, features near their moving statistics after the first steps.
    case("paper-bounds", n=16, d=5, steps=4, rmax=3.0, dmax=5.0, alpha=0.5, momentum=0.2, eps=1e-3, offset=0.5, spread=0.8),
]
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "batch-renorm-reference.json")
with open(path, "w") as f:
    json.dump({"source": "test/Microsoft.ML.BatchNorm.Tests/TestData/batch_renorm_reference.py (torch "
               + torch.__version__ + ", float64, Ioffe 2017 Algorithm 1)", "cases": cases}, f, indent=1)
print(path)
