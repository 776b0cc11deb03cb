#!/usr/bin/python3
"""Peer comparison of the MultilayerPerceptron trainers with scikit-learn and PyTorch (means over seeds).

  python3 bench/peers.py tabular [--seeds 5] [--epochs 10]   multiclass on a badly scaled make_classification set:
        PyTorch's dense -> BN -> ReLU [256, 128] against ours with each weight initialization
  python3 bench/peers.py peers [--seeds 5]                    binary: breast cancer, Fashion-MNIST 0 (T-shirt/top) vs 6
        (Shirt); regression: diabetes; ours, sklearn's MLPClassifier/MLPRegressor, PyTorch; prints a Markdown table

Every side trains on the same split with the same network shape ([256, 128] hidden, ReLU; ours and PyTorch's with
batch normalization after each hidden dense layer, sklearn's has none), Adam 1e-3, mini-batches of 32, the same
epochs; seed s seeds each side's initialization and shuffling. Tabular features are standardized (StandardScaler
fitted on the training part; ours: BatchNormalize, the same map), Fashion-MNIST pixels are divided by 255. Our side
is bench/Microsoft.ML.BatchNorm.Peers (built here with dotnet). Run from the repository root.
"""
import argparse, gzip, json, os, statistics, subprocess, sys, tempfile, time
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FMNIST = "/usr/share/datasets/fashion-mnist"


def write_csv(path, x, y):
    np.savetxt(path, np.column_stack([x, y]), delimiter=",", fmt="%.9g")


def ours(task, train, test, seeds, epochs, extra=()):
    exe = [os.path.join(ROOT, "bench/Microsoft.ML.BatchNorm.Peers/bin/Release/net10.0/Microsoft.ML.BatchNorm.Peers")]
    out = subprocess.run(exe + ["--task", task, "--train", train, "--test", test, "--seeds", str(seeds),
                                "--epochs", str(epochs), *extra], check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def torch_mlp(task, xtr, ytr, xte, yte, seeds, epochs, outputs, init="torch"):
    import torch, torch.nn as nn, torch.nn.functional as F
    torch.set_num_threads(2)
    xtr_t, xte_t = torch.tensor(xtr, dtype=torch.float32), torch.tensor(xte, dtype=torch.float32)
    if task == "multiclass":
        ytr_t = torch.tensor(ytr, dtype=torch.long)
    else:
        ytr_t = torch.tensor(ytr, dtype=torch.float32)
    mean, std = (float(np.mean(ytr)), float(np.std(ytr))) if task == "regression" else (0.0, 1.0)
    results = []
    for seed in range(seeds):
        torch.manual_seed(seed); g = torch.Generator().manual_seed(seed)
        d = xtr.shape[1]
        m = nn.Sequential(nn.Linear(d, 256), nn.BatchNorm1d(256), nn.ReLU(), nn.Linear(256, 128), nn.BatchNorm1d(128),
                          nn.ReLU(), nn.Linear(128, outputs))
        if init == "he":
            for layer in m:
                if isinstance(layer, nn.Linear):
                    nn.init.kaiming_normal_(layer.weight, nonlinearity="relu"); nn.init.zeros_(layer.bias)
        opt = torch.optim.Adam(m.parameters(), lr=1e-3)
        n = xtr.shape[0]
        for _ in range(epochs):
            m.train()
            p = torch.randperm(n, generator=g)
            for i in range(0, n, 32):
                idx = p[i:i + 32]
                if len(idx) < 2: continue
                opt.zero_grad(set_to_none=True)
                z = m(xtr_t[idx])
                if task == "multiclass": loss = F.cross_entropy(z, ytr_t[idx])
                elif task == "binary": loss = F.binary_cross_entropy_with_logits(z[:, 0], ytr_t[idx])
                else: loss = F.mse_loss(z[:, 0], (ytr_t[idx] - mean) / std)
                loss.backward(); opt.step()
        m.eval()
        with torch.no_grad(): z = m(xte_t)
        results.append(metrics(task, yte, z.numpy(), mean, std))
    return results


def metrics(task, y, z, mean=0.0, std=1.0):
    from sklearn.metrics import roc_auc_score, r2_score, mean_squared_error
    if task == "multiclass": return {"accuracy": float(np.mean(z.argmax(1) == y))}
    if task == "binary": return {"accuracy": float(np.mean((z[:, 0] > 0) == (y == 1))), "auc": float(roc_auc_score(y, z[:, 0]))}
    p = z[:, 0] * std + mean
    return {"r2": float(r2_score(y, p)), "rmse": float(np.sqrt(mean_squared_error(y, p)))}


def sklearn_mlp(task, xtr, ytr, xte, yte, seeds, epochs):
    import warnings
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    results = []
    for seed in range(seeds):
        kw = dict(hidden_layer_sizes=(256, 128), activation="relu", solver="adam", learning_rate_init=1e-3, batch_size=32,
                  max_iter=epochs, random_state=seed, shuffle=True, n_iter_no_change=epochs + 1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            if task == "regression":
                mean, std = float(np.mean(ytr)), float(np.std(ytr))
                p = MLPRegressor(**kw).fit(xtr, (ytr - mean) / std).predict(xte)
                results.append(metrics(task, yte, p[:, None], mean, std))
            else:
                m = MLPClassifier(**kw).fit(xtr, ytr)
                if task == "binary":
                    pr = np.clip(m.predict_proba(xte)[:, 1].astype(np.float64), 1e-12, 1 - 1e-12)
                    results.append(metrics(task, yte, np.log(pr / (1 - pr))[:, None]))
                else:
                    results.append(metrics(task, yte, m.predict_proba(xte)))
    return results


def mean_of(results, key):
    values = [r[key] for r in results]
    return statistics.mean(values), (statistics.stdev(values) if len(values) > 1 else 0.0)


def standardize(xtr, xte):
    from sklearn.preprocessing import StandardScaler
    s = StandardScaler().fit(xtr)
    return s.transform(xtr), s.transform(xte)


def tabular_set():
    """5000 + 1000 rows, 40 features, 5 classes; columns 0-9 scaled by 1000 (+5000), 10-19 by 0.001 (-3)."""
    from sklearn.datasets import make_classification
    x, y = make_classification(n_samples=6000, n_features=40, n_informative=20, n_redundant=10, n_classes=5,
                               n_clusters_per_class=2, class_sep=1.0, flip_y=0.01, random_state=0)
    x[:, :10] = x[:, :10] * 1000 + 5000
    x[:, 10:20] = x[:, 10:20] * 0.001 - 3
    return x[:5000], y[:5000], x[5000:], y[5000:]


def run_tabular(a, tmp):
    xtr, ytr, xte, yte = tabular_set()
    train, test = os.path.join(tmp, "tab-train.csv"), os.path.join(tmp, "tab-test.csv")
    write_csv(train, xtr, ytr); write_csv(test, xte, yte)
    s_tr, s_te = standardize(xtr, xte)
    rows = []
    for init in ("torch", "he"):
        r = torch_mlp("multiclass", s_tr, ytr, s_te, yte, a.seeds, a.epochs, 5, init=init)
        rows.append((f"PyTorch, {'nn.Linear default init' if init == 'torch' else 'He normal, bias 0'}", r))
    for init in ("torch", "he", "glorot"):
        rows.append((f"ours, --init {init}", ours("multiclass", train, test, a.seeds, a.epochs, ["--init", init])))
    print(f"multiclass tabular set, {a.epochs} epochs, test accuracy over seeds 0..{a.seeds - 1}:")
    for name, r in rows:
        m, s = mean_of(r, "accuracy")
        print(f"  {name:40s} {m:.4f} +- {s:.4f}   {[round(x['accuracy'], 4) for x in r]}")


def fmnist_pair():
    def idx(name):
        with gzip.open(os.path.join(FMNIST, name)) as f: data = f.read()
        dims = data[3]; shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
        return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)
    out = []
    for part in ("train", "t10k"):
        x = idx(f"{part}-images-idx3-ubyte.gz").reshape(-1, 784).astype(np.float32) / 255
        y = idx(f"{part}-labels-idx1-ubyte.gz")
        keep = (y == 0) | (y == 6)
        out += [x[keep], (y[keep] == 6).astype(np.float32)]
    return out


def csv_set(name):
    with open(os.path.join(ROOT, "data", name)) as f:
        next(f); d = np.loadtxt(f, delimiter=",")
    return d[:, :-1], d[:, -1]


def run_peers(a, tmp):
    from sklearn.model_selection import train_test_split
    sets = []
    x, y = csv_set("breast_cancer.csv")
    xtr, xte, ytr, yte = train_test_split(x, y, test_size=0.25, random_state=0, stratify=y)
    sets.append(("breast cancer (569 x 30)", "binary", xtr, ytr, xte, yte, a.epochs_small, True))
    if os.path.isdir(FMNIST):
        xtr, ytr, xte, yte = fmnist_pair()
        sets.append(("Fashion-MNIST 0 vs 6 (12000 x 784)", "binary", xtr, ytr, xte, yte, a.epochs_fmnist, False))
    x, y = csv_set("diabetes.csv")
    xtr, xte, ytr, yte = train_test_split(x, y, test_size=0.25, random_state=0)
    sets.append(("diabetes (442 x 10)", "regression", xtr, ytr, xte, yte, a.epochs_small, True))
    print(f"| dataset | epochs | metric | ours | scikit-learn MLP | PyTorch |")
    print(f"|---|---:|---|---:|---:|---:|")
    for name, task, xtr, ytr, xte, yte, epochs, scale in sets:
        train, test = os.path.join(tmp, "train.csv"), os.path.join(tmp, "test.csv")
        write_csv(train, xtr, ytr); write_csv(test, xte, yte)
        ours_r = ours(task, train, test, a.seeds, epochs, [] if scale else ["--no-normalize"])
        s_tr, s_te = standardize(xtr, xte) if scale else (xtr, xte)
        sk_r = sklearn_mlp(task, s_tr, ytr, s_te, yte, a.seeds, epochs)
        pt_r = torch_mlp(task, s_tr, ytr, s_te, yte, a.seeds, epochs, 1)
        for key in (("accuracy", "auc") if task == "binary" else ("r2", "rmse")):
            cells = [mean_of(r, key) for r in (ours_r, sk_r, pt_r)]
            label = {"accuracy": "accuracy", "auc": "AUC", "r2": "R^2", "rmse": "RMSE"}[key]
            fmt = "{:.2f} ± {:.2f}" if key == "rmse" else "{:.4f} ± {:.4f}"
            print(f"| {name} | {epochs} | {label} | " + " | ".join(fmt.format(m, s) for m, s in cells) + " |", flush=True)


ap = argparse.ArgumentParser()
ap.add_argument("what", choices=["tabular", "peers"])
ap.add_argument("--seeds", type=int, default=5); ap.add_argument("--epochs", type=int, default=10)
ap.add_argument("--epochs-small", type=int, default=50); ap.add_argument("--epochs-fmnist", type=int, default=10)
ap.add_argument("--no-build", action="store_true")
a = ap.parse_args()
if not a.no_build:
    subprocess.run(["dotnet", "build", os.path.join(ROOT, "bench/Microsoft.ML.BatchNorm.Peers"), "-c", "Release", "-v", "q"],
                   check=True, stdout=subprocess.DEVNULL)
with tempfile.TemporaryDirectory() as tmp:
    (run_tabular if a.what == "tabular" else run_peers)(a, tmp)
