#!/usr/bin/python3
"""Independent reference for ThighSeg's contrastive losses (PCL, GCL, SimCLR).

Written after the SupConLoss of the positional contrastive learning reference code (dewenzeng/positional_cl, itself
from HobbitLong/SupContrast): features [bsz, n_views, dim], view-major contrast features, max-shifted logits, an
explicit exp/log denominator over all samples except the anchor, and the (tau / tau_base) scaling.

Input (stdin, JSON): {"cases": [{"name": str, "embeddings": [[...] * 2N], "positions": [p_0..p_{N-1}],
  "threshold": float, "temperature": float, "base_temperature": float, "partitions": int, "sigma": float}]}
Embeddings are the 2N samples in ThighSeg's order: rows 0..N-1 view 1 of slices 0..N-1, rows N..2N-1 view 2.
Output (stdout, JSON): {"<name>": {"pcl": float, "gcl": float, "simclr": float, "soft": float}, ...}
"soft" is PCL with soft positional positives (WSP, MICCAI 2023): the SupCon mask replaced by the weights
exp(-(p_i - p_j)^2 / (2 sigma^2)), i.e. mean_log_prob_pos = sum_b w_ab log_prob_ab / sum_b w_ab.
Run with Debian's /usr/bin/python3 (python3-torch 1.13).
"""
import json
import math
import sys

import torch
import torch.nn.functional as F


def supcon(features, mask, temperature, base_temperature):
    """features: [bsz, n_views, dim] (normalised); mask: [bsz, bsz] float, 1 for positive pairs of slices."""
    bsz, n_views = features.shape[0], features.shape[1]
    contrast = torch.cat(torch.unbind(features, dim=1), dim=0)  # [n_views*bsz, dim], view-major
    anchor = contrast
    adc = torch.div(torch.matmul(anchor, contrast.T), temperature)
    logits_max, _ = torch.max(adc, dim=1, keepdim=True)
    logits = adc - logits_max.detach()
    mask = mask.repeat(n_views, n_views)
    logits_mask = torch.scatter(torch.ones_like(mask), 1, torch.arange(bsz * n_views).view(-1, 1), 0)
    mask = mask * logits_mask
    exp_logits = torch.exp(logits) * logits_mask
    log_prob = logits - torch.log(exp_logits.sum(1, keepdim=True))
    mean_log_prob_pos = (mask * log_prob).sum(1) / mask.sum(1)
    loss = -(temperature / base_temperature) * mean_log_prob_pos
    return loss.view(n_views, bsz).mean().item()


def partition_of(p, partitions):
    g = math.ceil(p * partitions - 1e-9) - 1
    return min(max(g, 0), partitions - 1)


def run_case(case):
    z = torch.tensor(case["embeddings"], dtype=torch.float32)
    n = z.shape[0] // 2
    z = F.normalize(z, dim=1)
    features = torch.stack([z[:n], z[n:]], dim=1)  # [bsz, 2, dim]
    p = torch.tensor(case["positions"], dtype=torch.float32).view(-1, 1)
    t, tb = case["temperature"], case["base_temperature"]
    pcl_mask = (torch.abs(p - p.T) < case["threshold"]).float()
    g = torch.tensor([partition_of(v, case["partitions"]) for v in case["positions"]]).view(-1, 1)
    gcl_mask = torch.eq(g, g.T).float()
    simclr_mask = torch.eye(n)
    soft_mask = torch.exp(-((p - p.T) ** 2) / (2 * case["sigma"] ** 2))
    return {
        "soft": supcon(features, soft_mask, t, tb),
        "pcl": supcon(features, pcl_mask, t, tb),
        "gcl": supcon(features, gcl_mask, t, tb),
        "simclr": supcon(features, simclr_mask, t, tb),
    }


def main():
    request = json.load(sys.stdin)
    torch.set_default_dtype(torch.float32)
    out = {c["name"]: run_case(c) for c in request["cases"]}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
