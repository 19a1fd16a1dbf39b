#!/usr/bin/python3
"""PyTorch side of ThighSeg's peer harness: the same U-Net, losses and steps, written the way a PyTorch user would.

Driven by `dotnet run -c Release --project benchmarks/ThighSeg.Benchmarks -- peer` (see benchmarks/peer/README.md),
which writes, per case, the weights ThighSeg initialised (raw little-endian files + weights.json), the inputs and
ThighSeg's outputs. This script loads those weights into its own module definitions with a strict state-dict load
(same parameter names, shapes and count), recomputes the outputs, loss and gradient norm for the identical-output check
(round 0 only), and times the same step: warm-up steps, then blocks of `reps` steps with a device synchronisation
at each block end. Results: <dir>/python_round<R>.json.

The network follows the reference design (dewenzeng/positional_cl) exactly as ThighSeg's UNet2d builds it:
ConvBlock = [Conv3x3(bias=False), BatchNorm, LeakyReLU(0.01)] x 2; encoder of `depth` ConvBlocks (F, 2F, 4F, 8F) each
followed by 2x2 max-pooling, centre ConvBlock to 16F; decoder of ConvTranspose2d(2x2, stride 2, bias) + concat(skip)
+ ConvBlock; bias-free 1x1 output conv. Projection head: global average pool, Linear(16F,16F), ReLU, Linear(16F,D).
The contrastive loss is the SupConLoss of the reference code (max-shifted logits, exp/log with a logits mask).

Runs with Debian's /usr/bin/python3 (python3-torch 1.13, CPU) or any newer PyTorch (CUDA).
"""
import argparse
import json
import math
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class ConvBlock(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1, bias=False)
        self.norm1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.norm2 = nn.BatchNorm2d(cout)

    def forward(self, x):
        x = F.leaky_relu(self.norm1(self.conv1(x)), 0.01)
        return F.leaky_relu(self.norm2(self.conv2(x)), 0.01)


class UNetEncoder(nn.Module):
    def __init__(self, f, depth, cin=1):
        super().__init__()
        blocks = []
        for i in range(depth):
            blocks.append(ConvBlock(cin, f << i))
            cin = f << i
        self.levels = nn.ModuleList(blocks)
        self.centre = ConvBlock(cin, f << depth)

    def encode(self, x):
        skips = []
        for level in self.levels:
            s = level(x)
            skips.append(s)
            x = F.max_pool2d(s, 2, 2)
        return self.centre(x), skips

    def forward(self, x):
        return self.encode(x)[0]


class UNet2d(nn.Module):
    def __init__(self, f, depth, classes):
        super().__init__()
        self.encoder = UNetEncoder(f, depth)
        ups, decs = [], []
        cin = f << depth
        for i in range(depth - 1, -1, -1):
            cout = f << i
            ups.append(nn.ConvTranspose2d(cin, cout, 2, stride=2))
            decs.append(ConvBlock(2 * cout, cout))
            cin = cout
        self.ups = nn.ModuleList(ups)
        self.decoders = nn.ModuleList(decs)
        self.output = nn.Conv2d(f, classes, 1, bias=False)

    def forward(self, x):
        x, skips = self.encoder.encode(x)
        for j, (up, dec) in enumerate(zip(self.ups, self.decoders)):
            x = dec(torch.cat([up(x), skips[len(skips) - 1 - j]], 1))
        return self.output(x)


class ProjectionHead(nn.Module):
    def __init__(self, cin, dim):
        super().__init__()
        self.fc1 = nn.Linear(cin, cin)
        self.fc2 = nn.Linear(cin, dim)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))))


class ContrastiveNetwork(nn.Module):
    def __init__(self, f, depth, dim):
        super().__init__()
        self.encoder = UNetEncoder(f, depth)
        self.head = ProjectionHead(f << depth, dim)

    def forward(self, x):
        return self.head(self.encoder(x))


def supcon(z, mask, temperature, base_temperature):
    """Reference SupConLoss ("out" form) on embeddings z [M, D] (view-major) and a float positive mask [M, M]."""
    z = F.normalize(z, dim=1)
    m = z.shape[0]
    adc = torch.div(torch.matmul(z, z.T), temperature)
    logits_max, _ = torch.max(adc, dim=1, keepdim=True)
    logits = adc - logits_max.detach()
    logits_mask = torch.scatter(torch.ones_like(mask), 1, torch.arange(m, device=z.device).view(-1, 1), 0)
    mask = mask * logits_mask
    exp_logits = torch.exp(logits) * logits_mask
    log_prob = logits - torch.log(exp_logits.sum(1, keepdim=True))
    mean_log_prob_pos = (mask * log_prob).sum(1) / mask.sum(1).clamp_min(1.0)
    return (-(temperature / base_temperature) * mean_log_prob_pos).mean()


def partition_of(p, partitions):
    g = math.ceil(p * partitions - 1e-9) - 1
    return min(max(g, 0), partitions - 1)


def contrastive_loss(method, z, positions, partitions, threshold=0.1, temperature=0.1, base_temperature=0.07):
    if method == "pcl":
        p = positions.view(-1, 1)
        mask = (torch.abs(p - p.T) < threshold).float()
    elif method == "gcl":
        g = partitions.view(-1, 1)
        mask = torch.eq(g, g.T).float()
    else:
        n = z.shape[0] // 2
        ids = torch.arange(n, device=z.device).repeat(2).view(-1, 1)
        mask = torch.eq(ids, ids.T).float()
    return supcon(z, mask, temperature, base_temperature)


def soft_dice_loss(logits, target):
    c = logits.shape[1]
    probs = F.softmax(logits, 1)
    onehot = F.one_hot(target, c).permute(0, 3, 1, 2).to(probs.dtype)
    dims = (0, 2, 3)
    inter = (probs * onehot).sum(dims)
    denom = probs.sum(dims) + onehot.sum(dims)
    dice = (2 * inter + 1e-5) / (denom + 1e-5)
    return 1 - dice[1:].mean()


def read_raw(path, dtype, shape):
    data = open(path, "rb").read()
    t = torch.frombuffer(bytearray(data), dtype=dtype)
    return t.reshape(shape).clone()


def load_state(module, case_dir):
    entries = json.load(open(os.path.join(case_dir, "weights.json")))
    state = {}
    for e in entries:
        dtype = torch.int64 if e["dtype"] == "int64" else torch.float32
        state[e["name"]] = read_raw(os.path.join(case_dir, e["file"]), dtype, e["shape"])
    module.load_state_dict(state, strict=True)


def rss_reset():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def rss_peak_mb():
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


class Case:
    def __init__(self, spec, case_dir, device, channels_last, bf16=False):
        self.spec = spec
        self.bf16 = bf16
        self.kind = spec["kind"]
        self.device = device
        f, size, batch = spec["filters"], spec["size"], spec["batch"]
        self.module = None
        self.optimizer = None
        self.target = self.positions = self.partitions = None
        if self.kind == "loss":
            m = spec["embeddings"]
            self.input = read_raw(os.path.join(case_dir, "input.bin"), torch.float32, (m, 128)).to(device).requires_grad_()
            p = read_raw(os.path.join(case_dir, "positions.bin"), torch.float32, (m // 2,))
            self.positions = p.repeat(2).to(device)
            self.partitions = torch.tensor([partition_of(float(v), 4) for v in p]).repeat(2).to(device)
            return
        images = 2 * batch if self.kind == "pretrain" else batch
        x = read_raw(os.path.join(case_dir, "input.bin"), torch.float32, (images, 1, size, size))
        if self.kind == "pretrain":
            self.module = ContrastiveNetwork(f, 4, 128)
            p = read_raw(os.path.join(case_dir, "positions.bin"), torch.float32, (batch,))
            self.positions = p.repeat(2).to(device)
        else:
            self.module = UNet2d(f, 4, 9)
            self.target = read_raw(os.path.join(case_dir, "target.bin"), torch.int64, (batch, size, size)).to(device)
        load_state(self.module, case_dir)
        self.module.to(device)
        self.input = x.to(device)
        if channels_last:
            self.module.to(memory_format=torch.channels_last)
            self.input = self.input.contiguous(memory_format=torch.channels_last)
        self.module.train(self.kind != "infer")
        if self.kind == "unet-train":
            self.optimizer = torch.optim.Adam(self.module.parameters(), 1e-3)
        elif self.kind == "finetune":
            self.optimizer = torch.optim.Adam(self.module.parameters(), 1e-3, weight_decay=1e-5)
        elif self.kind == "pretrain":
            self.optimizer = torch.optim.SGD(self.module.parameters(), 0.01, momentum=0.9, weight_decay=1e-5)

    def net(self, x):
        # bf16: autocast around the network only (PyTorch's recipe); losses and softmax see fp32, as in ThighSeg.
        if not self.bf16:
            return self.module(x)
        with torch.autocast(device_type=self.device.type, dtype=torch.bfloat16):
            y = self.module(x)
        return y.float()

    def forward(self):
        k = self.kind
        if k == "loss":
            loss = contrastive_loss(self.spec["method"], self.input, self.positions, self.partitions)
            return loss.reshape(1), loss
        if k == "pretrain":
            z = self.net(self.input)
            return z, contrastive_loss("pcl", z, self.positions, None)
        logits = self.net(self.input)
        if k == "finetune":
            return logits, F.cross_entropy(logits, self.target) + soft_dice_loss(logits, self.target)
        return logits, F.cross_entropy(logits, self.target)

    def infer(self):
        return F.softmax(self.net(self.input), 1)

    def check(self, case_dir):
        params = list(self.module.parameters()) if self.module is not None else []
        if self.kind == "infer":
            with torch.no_grad():
                out = self.infer()
            loss = None
        else:
            out, loss = self.forward()
            loss.backward()
        grads = [self.input.grad] if self.kind == "loss" else [p.grad for p in params]
        gn = math.sqrt(sum(float(g.double().pow(2).sum()) for g in grads if g is not None))
        if self.kind == "loss":
            self.input.grad = None
        else:
            self.module.zero_grad(set_to_none=True)
        out.detach().float().contiguous().cpu().numpy().tofile(os.path.join(case_dir, "python_output.bin"))
        json.dump({"loss": float(loss) if loss is not None else 0.0, "grad_norm": gn,
                   "param_count": sum(p.numel() for p in params), "output_numel": out.numel()},
                  open(os.path.join(case_dir, "python_check.json"), "w"))

    def step(self):
        if self.kind == "infer":
            with torch.no_grad():
                self.infer().argmax(1)
            return
        if self.kind == "loss":
            self.input.grad = None
            _, loss = self.forward()
            loss.backward()
            return
        self.optimizer.zero_grad(set_to_none=True)
        _, loss = self.forward()
        loss.backward()
        self.optimizer.step()


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--round", type=int, default=0)
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--channels-last", action="store_true")
    ap.add_argument("--tf32", action="store_true")
    ap.add_argument("--cudnn-benchmark", action="store_true")
    ap.add_argument("--bf16", action="store_true", help="bf16 autocast around the network's forward pass")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    device = torch.device(a.device)
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = a.tf32
        torch.backends.cudnn.allow_tf32 = a.tf32
        torch.backends.cudnn.benchmark = a.cudnn_benchmark
    cases = json.load(open(os.path.join(a.dir, "cases.json")))
    env = f"PyTorch {torch.__version__}, threads {torch.get_num_threads()}"
    if device.type == "cuda":
        env += f", {torch.cuda.get_device_name(0)}, CUDA {torch.version.cuda}, cuDNN {torch.backends.cudnn.version()}"
    results = {}
    for spec in cases:
        case_dir = os.path.join(a.dir, spec["name"])
        rss_reset()
        if device.type == "cuda":
            torch.cuda.reset_peak_memory_stats()
        c = Case(spec, case_dir, device, a.channels_last, a.bf16)
        if a.check:
            c.check(case_dir)
        for _ in range(spec["warmup"]):
            c.step()
        sync(device)
        blocks, cpu_blocks = [], []
        for _ in range(spec["blocks"]):
            c0 = time.process_time()
            t0 = time.perf_counter()
            for _ in range(spec["reps"]):
                c.step()
            sync(device)
            blocks.append((time.perf_counter() - t0) * 1000 / spec["reps"])
            cpu_blocks.append((time.process_time() - c0) * 1000 / spec["reps"])
        r = {"blocks": blocks, "cpu_blocks": cpu_blocks, "rss_peak_mb": rss_peak_mb()}
        if device.type == "cuda":
            r["gpu_peak_mb"] = torch.cuda.max_memory_allocated() / 2 ** 20
        results[spec["name"]] = r
        del c
    json.dump({"env": env, "cases": results}, open(os.path.join(a.dir, f"python_round{a.round}.json"), "w"))


if __name__ == "__main__":
    main()
