#!/usr/bin/env python3
"""Goldens for lorad's optimizers, gradient clipping and learning-rate schedules.

    python3 tools/make_optimizer_fixtures.py

CPU only, one thread, a few seconds, byte-for-byte deterministic. Needs torch, transformers, prodigyopt,
lion-pytorch and bitsandbytes (its 8-bit optimizer runs on the CPU since 0.49, see below). Writes
Tests/Fixtures/goldens/optimizers.safetensors; its `__metadata__["cases"]` (JSON) describes every case.

Each optimizer case steps seeded parameters in two groups ("unet", "te") with different learning rates for 5
steps. The gradient of each step is `(p - target) + noise[step]` (float32), so Swift recomputes it exactly from the
stored targets and noise. The optimizer is built from kohya `optimizer_args` strings the way sd-scripts does
(`key=ast.literal_eval(value)`), and each step sets every group's lr to `base * multiplier[step]`, as a scheduler
would. Stored: `<case>.<param>.step<k>` after every step.

AdamW8bit: lorad follows bitsandbytes' CUDA kernels (the ones kohya users run). bitsandbytes' CPU path differs from
them: it decays before the update and quantises through a 65536-entry lookup table instead of searching the map,
which collapses values below about 1.5e-5 of a block's absmax to a few codes. So the goldens come from
`adamw8bit_cuda_reference` below, a float32 transcription of `kOptimizer32bit2State` / `kOptimizerStatic8bit2State
Blockwise` with `quantize_2D`. The script validates that transcription on bnb itself: switched to the CPU path's
decay order and lookup-table quantiser, it must match bnb's CPU AdamW8bit to float rounding (all but about one
weight in a thousand, a value on the edge of a lookup bin). It also checks that its quantiser picks the nearest code
as bnb's pure-torch fallback does, and prints how far the two semantics are.
"""
import ast
import json
import os
import sys
import warnings

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixture_io  # noqa: E402

warnings.filterwarnings("ignore")
torch.set_num_threads(1)
fixture_io.DTYPES[torch.float64] = "F64"

import bitsandbytes as bnb  # noqa: E402
import bitsandbytes.functional as bnbf  # noqa: E402
import lion_pytorch  # noqa: E402
import prodigyopt  # noqa: E402
import transformers.optimization as tro  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "goldens")
STEPS = 5
tensors = {}


def randn(generator, shape, scale=1.0):
    return (torch.randn(shape, generator=generator, dtype=torch.float32) * scale).contiguous()


# ---- problem: parameters, targets, noise ----
def make_problem(with_large):
    g = torch.Generator().manual_seed(1234)
    spec = [("unet", "a", [4, 8], False), ("unet", "c", [3, 3], True), ("te", "d", [5, 7], False)]
    if with_large:
        spec.insert(1, ("unet", "b", [4100], False))  # >= 4096: bnb's 8-bit path; 16 blocks of 256 and one of 4
    params = []
    for group, name, shape, zero in spec:
        init = torch.zeros(shape) if zero else randn(g, shape)
        # Targets and noise of several magnitudes per block, so the 8-bit maps see small and large codes.
        target = randn(g, shape) * torch.logspace(-3, 0, int(np.prod(shape))).reshape(shape).float()
        noise = [randn(g, shape, 0.1) for _ in range(STEPS)]
        params.append(dict(group=group, name=name, shape=shape, init=init, target=target, noise=noise))
    return params


def store_problem(prefix, params):
    for p in params:
        tensors[f"{prefix}.{p['name']}.init"] = p["init"]
        tensors[f"{prefix}.{p['name']}.target"] = p["target"]
        for k, n in enumerate(p["noise"]):
            tensors[f"{prefix}.{p['name']}.noise{k}"] = n


def kohya_kwargs(args):
    kwargs = {}
    for arg in args:
        key, value = arg.split("=")
        kwargs[key] = ast.literal_eval(value)
    return kwargs


def run_torch_optimizer(make, params, lrs, multipliers):
    """Steps a torch-style optimizer; returns [{param: tensor}] after each step."""
    weights = {p["name"]: p["init"].clone().requires_grad_(True) for p in params}
    groups = []
    for gname, lr in lrs.items():
        groups.append({"params": [weights[p["name"]] for p in params if p["group"] == gname], "lr": lr})
    opt = make(groups)
    history = []
    for step in range(STEPS):
        for group, base in zip(opt.param_groups, lrs.values()):
            group["lr"] = base * multipliers[step]
        for p in params:
            w = weights[p["name"]]
            w.grad = (w.detach() - p["target"]) + p["noise"][step]
        opt.step()
        history.append({name: w.detach().clone() for name, w in weights.items()})
    return history


# ---- AdamW8bit as bnb's CUDA kernels compute it ----
def quantize_2d(x, code, signed):
    """bnb kernels.cu quantize_2D, vectorised: 7-level binary search, then the nearer neighbour by midpoint."""
    x = x.astype(np.float32)
    n = x.shape[0]
    pivot = np.full(n, 127)
    upper_pivot = np.full(n, 255)
    lower_pivot = np.zeros(n, dtype=np.int64)
    lower = np.full(n, -1.0 if signed else 0.0, dtype=np.float32)
    upper = np.ones(n, dtype=np.float32)
    val = code[pivot]
    i = 64
    while i > 0:
        right = x > val
        lower_pivot = np.where(right, pivot, lower_pivot)
        lower = np.where(right, val, lower)
        upper_pivot = np.where(right, upper_pivot, pivot)
        upper = np.where(right, upper, val)
        pivot = np.where(right, pivot + i, pivot - i)
        val = code[pivot]
        i >>= 1
    half = np.float32(0.5)
    out = np.where(x > val,
                   np.where(x > (upper + val) * half, upper_pivot, pivot),
                   np.where(x < (lower + val) * half, lower_pivot, pivot))
    return out.astype(np.int64)


def quantize_lut(x, code, signed):
    """bnb's CPU quantiser (csrc/cpu_ops.cpp, 0.50): the normalised value picks one of 65536 bins, each mapped to the
    code nearest the bin's centre."""
    code32 = code.astype(np.float32)
    midpoints = np.float32(0.5) * (code32[:-1] + code32[1:])
    bins = np.float32(-1) + (np.float32(2) * np.arange(65536, dtype=np.float32)) / np.float32(65535)
    lut = np.searchsorted(midpoints, bins, side="left")
    index = ((np.clip(x, -1, 1).astype(np.float32) + np.float32(1)) * np.float32(0.5) * np.float32(65535)
             + np.float32(0.5)).astype(np.uint16)
    return lut[index]


def quantize_blockwise(values, code, signed, choose=quantize_2d, keep_sign=True):
    """Per 256-block absmax and codes; the first moment's codes keep the value's sign as the optimizer kernel does."""
    values = values.astype(np.float32)
    codes = np.zeros(values.shape[0], dtype=np.int64)
    absmax = np.zeros((values.shape[0] + 255) // 256, dtype=np.float32)
    zero_code = int(np.nonzero(code == 0)[0][0])
    for b in range(absmax.shape[0]):
        block = values[b * 256:(b + 1) * 256]
        m = np.float32(np.max(np.abs(block)))
        absmax[b] = m
        if m == 0:
            codes[b * 256:(b + 1) * 256] = zero_code
            continue
        c = choose(block / m, code, signed)
        if signed and keep_sign:
            flip = np.signbit(code[c]) != np.signbit(block)
            c = np.where(flip, np.where(block > 0, c + 1, c - 1), c) % 256
        codes[b * 256:(b + 1) * 256] = c
    return codes, absmax


def adamw8bit_cuda_reference(params, lrs, multipliers, args, cpu_variant=False):
    """With cpu_variant, what bnb's CPU path changes: decay before the update, the LUT quantiser, no sign rule."""
    kw = kohya_kwargs(args)
    b1, b2 = (np.float32(b) for b in kw.get("betas", (0.9, 0.999)))
    eps = np.float32(kw.get("eps", 1e-8))
    wd = np.float32(kw.get("weight_decay", 1e-2))
    min_size = kw.get("min_8bit_size", 4096)
    code1 = bnbf.create_dynamic_map(signed=True).numpy()
    code2 = bnbf.create_dynamic_map(signed=False).numpy()
    one = np.float32(1)
    weights = {p["name"]: p["init"].numpy().reshape(-1).copy() for p in params}
    state = {}
    history = []
    for step in range(1, STEPS + 1):
        for p in params:
            name = p["name"]
            w = weights[name]
            n = w.shape[0]
            lr = np.float32(lrs[p["group"]] * multipliers[step - 1])
            g = (w - p["target"].numpy().reshape(-1)) + p["noise"][step - 1].numpy().reshape(-1)
            c1 = one - np.power(b1, np.float32(step))
            c2 = np.sqrt(one - np.power(b2, np.float32(step)))
            step_size = -lr * c2 / c1
            if n < min_size:
                m, v = state.get(name, (np.zeros(n, np.float32), np.zeros(n, np.float32)))
                m = m * b1 + (one - b1) * g
                v = v * b2 + (one - b2) * (g * g)
                if cpu_variant and wd > 0:
                    w = w * (one - lr * wd)
                w = w + step_size * (m / (np.sqrt(v) + eps * c2))
                if wd > 0 and not cpu_variant:
                    w = w * (one - lr * wd)
                state[name] = (m, v)
            else:
                blocks = (n + 255) // 256
                q1, a1, q2, a2 = state.get(name, (np.zeros(n, np.int64), np.zeros(blocks, np.float32),
                                                  np.zeros(n, np.int64), np.zeros(blocks, np.float32)))
                per = np.arange(n) // 256
                v = code2[q2] * a2[per]
                v = v * b2 + (one - b2) * g * g
                m = code1[q1] * a1[per]
                m = m * b1 + (one - b1) * g
                if cpu_variant and wd > 0:
                    w = w * (one - lr * wd)
                w = w + step_size * (m / (np.sqrt(v) + c2 * eps))
                if wd > 0 and not cpu_variant:
                    w = w * (one - lr * wd)
                choose = quantize_lut if cpu_variant else quantize_2d
                q1, a1 = quantize_blockwise(m, code1, True, choose, keep_sign=not cpu_variant)
                q2, a2 = quantize_blockwise(v, code2, False, choose, keep_sign=not cpu_variant)
                state[name] = (q1, a1, q2, a2)
            weights[name] = w.astype(np.float32)
        history.append({k: torch.from_numpy(v.copy()).reshape(
            next(p["shape"] for p in params if p["name"] == k)) for k, v in weights.items()})
    return history, state


def check_against_bnb_cpu(params, lrs, multipliers, args, history):
    """Validates the transcription on bnb itself: switched to what bnb's CPU path does differently, it must match
    bnb's CPU AdamW8bit to float rounding (but for a rare bin edge). Returns how far the CUDA semantics (the goldens)
    are from bnb's CPU path: the largest weight difference and the count of weights that differ by more than 1% of lr.
    """
    bnb_history = run_torch_optimizer(lambda groups: bnb.optim.AdamW8bit(groups, **kohya_kwargs(args)),
                                      params, lrs, multipliers)
    cpu_like, _ = adamw8bit_cuda_reference(params, lrs, multipliers, args, cpu_variant=True)
    # A value on the edge of a lookup bin may round to the neighbouring bin: allow one weight in a thousand.
    for ours, theirs in zip(cpu_like, bnb_history):
        for name in ours:
            off = ~torch.isclose(ours[name], theirs[name], rtol=1e-6, atol=1e-6)
            assert off.sum() <= off.numel() // 1000, name
            assert (ours[name] - theirs[name]).abs().max() < 0.1 * max(lrs.values()), name
    tolerance = 0.01 * max(lrs.values())
    worst, outliers = 0.0, 0
    for name in history[-1]:
        diff = (history[-1][name] - bnb_history[-1][name]).abs()
        worst = max(worst, diff.max().item())
        outliers += int((diff > tolerance).sum())
    return worst, outliers


# ---- cases ----
CASES = [
    ("adamw_default", "AdamW", [], {"unet": 1e-3, "te": 5e-4}),
    ("adamw_options", "AdamW", ["betas=0.8,0.95", "eps=1e-6", "weight_decay=0.1"], {"unet": 2e-3, "te": 1e-3}),
    ("adamw8bit_default", "AdamW8bit", [], {"unet": 1e-3, "te": 5e-4}),
    ("adamw8bit_options", "AdamW8bit", ["betas=(0.85, 0.99)", "weight_decay=0.05", "eps=1e-7"],
     {"unet": 2e-3, "te": 1e-3}),
    ("lion_default", "Lion", [], {"unet": 1e-4, "te": 5e-5}),
    ("lion_options", "Lion", ["betas=0.95,0.98", "weight_decay=0.1"], {"unet": 1e-4, "te": 3e-5}),
    ("prodigy_default", "Prodigy", [], {"unet": 1.0, "te": 1.0}),
    ("prodigy_options", "Prodigy",
     ["use_bias_correction=True", "safeguard_warmup=True", "weight_decay=0.01", "decouple=False", "d_coef=2",
      "growth_rate=1.02", "beta3=0.9", "slice_p=2", "d0=1e-5"], {"unet": 1.0, "te": 1.0}),
    ("prodigy_zero_group", "Prodigy", ["weight_decay=0.1", "decouple=True", "d0=1e-4"], {"unet": 0.5, "te": 0.0}),
    ("prodigy_no_momentum", "Prodigy", ["betas=0.0,0.99", "beta3=None"], {"unet": 1.0, "te": 1.0}),
    ("sgd_plain", "SGD", ["weight_decay=0.01"], {"unet": 0.1, "te": 0.05}),
    ("sgd_momentum", "SGD", ["momentum=0.9", "dampening=0.1", "weight_decay=0.01"], {"unet": 0.05, "te": 0.02}),
    ("sgd_nesterov", "SGDNesterov", ["weight_decay=0.001"], {"unet": 0.05, "te": 0.02}),
]
MULTIPLIERS = {"prodigy_zero_group": [0.0, 0.5, 1.0, 1.0, 1.0]}
DEFAULT_MULTIPLIERS = [0.5, 1.0, 1.0, 0.8, 0.6]


def torch_factory(kind, args):
    kw = kohya_kwargs(args)
    if kind == "AdamW":
        return lambda groups: torch.optim.AdamW(groups, **kw)
    if kind == "Lion":
        return lambda groups: lion_pytorch.Lion(groups, **kw)
    if kind == "Prodigy":
        return lambda groups: prodigyopt.Prodigy(groups, **kw)
    if kind == "SGD":
        return lambda groups: torch.optim.SGD(groups, **kw)
    if kind == "SGDNesterov":  # kohya: momentum defaults to 0.9, nesterov=True
        kw.setdefault("momentum", 0.9)
        return lambda groups: torch.optim.SGD(groups, nesterov=True, **kw)
    raise ValueError(kind)


def main():
    cases_meta = []
    small, large = make_problem(False), make_problem(True)
    store_problem("problem", small)
    store_problem("problem8bit", large)
    notes = {}
    for name, kind, args, lrs in CASES:
        multipliers = MULTIPLIERS.get(name, DEFAULT_MULTIPLIERS)
        eight_bit = kind == "AdamW8bit"
        params = large if eight_bit else small
        if eight_bit:
            history, state = adamw8bit_cuda_reference(params, lrs, multipliers, args)
            notes[name] = check_against_bnb_cpu(params, lrs, multipliers, args, history)
            if name == "adamw8bit_default":
                q1, a1, q2, a2 = state["b"]
                tensors[f"{name}.b.state1"] = torch.from_numpy(q1.astype(np.int32))
                tensors[f"{name}.b.absmax1"] = torch.from_numpy(a1)
                tensors[f"{name}.b.state2"] = torch.from_numpy(q2.astype(np.int32))
                tensors[f"{name}.b.absmax2"] = torch.from_numpy(a2)
        else:
            history = run_torch_optimizer(torch_factory(kind, args), params, lrs, multipliers)
        for k, weights in enumerate(history):
            for pname, w in weights.items():
                # The large tensor's every step only in the first 8-bit case, to keep the file small.
                if pname == "b" and name != "adamw8bit_default" and k != STEPS - 1:
                    continue
                tensors[f"{name}.{pname}.step{k}"] = w
        cases_meta.append(dict(name=name, optimizer=kind, arguments=args, learning_rates=lrs,
                               multipliers=multipliers, problem="problem8bit" if eight_bit else "problem",
                               parameters=[dict(name=p["name"], group=p["group"], shape=p["shape"]) for p in params]))

    # ---- bnb dynamic maps and the block quantiser ----
    tensors["dynamic_map.signed"] = bnbf.create_dynamic_map(signed=True)
    tensors["dynamic_map.unsigned"] = bnbf.create_dynamic_map(signed=False)
    g = torch.Generator().manual_seed(99)
    sample = (randn(g, [700]) * torch.logspace(-6, 0, 700)).numpy()
    for signed, key in ((True, "signed"), (False, "unsigned")):
        values = sample if signed else np.abs(sample)
        code = bnbf.create_dynamic_map(signed=signed).numpy()
        codes, absmax = quantize_blockwise(values, code, signed)
        # bnb's pure-torch fallback quantiser takes the nearest code; ours must agree but for the sign rule.
        for b in range(absmax.shape[0]):
            block = values[b * 256:(b + 1) * 256] / absmax[b]
            nearest = np.abs(block[:, None] - code[None, :]).argmin(axis=1)
            chosen = codes[b * 256:(b + 1) * 256]
            worse = np.abs(block - code[chosen]) > np.abs(block - code[nearest]) + 1e-7
            assert not (worse & (np.signbit(code[nearest]) == np.signbit(block))).any()
        tensors[f"quantize.{key}.input"] = torch.from_numpy(values.astype(np.float32))
        tensors[f"quantize.{key}.codes"] = torch.from_numpy(codes.astype(np.int32))
        tensors[f"quantize.{key}.absmax"] = torch.from_numpy(absmax)

    # ---- clip_grad_norm_ ----
    clip_meta = []
    for cname, max_norm, scale in (("clip_active", 1.0, 1.0), ("clip_inactive", 100.0, 1.0)):
        grads = [randn(g, [6, 5], scale), randn(g, [17], scale), randn(g, [2, 3, 4], scale)]
        ws = [torch.zeros_like(t, requires_grad=True) for t in grads]
        for w, t in zip(ws, grads):
            w.grad = t.clone()
        total = torch.nn.utils.clip_grad_norm_(ws, max_norm)
        for i, (w, t) in enumerate(zip(ws, grads)):
            tensors[f"{cname}.grad{i}"] = t
            tensors[f"{cname}.clipped{i}"] = w.grad.clone()
        tensors[f"{cname}.total_norm"] = total.reshape([1]).float()
        clip_meta.append(dict(name=cname, max_norm=max_norm, shapes=[list(t.shape) for t in grads]))

    # ---- schedules: the transformers functions with the arguments kohya's get_scheduler_fix passes ----
    total = 20
    sched_meta = []

    class Dummy(torch.optim.SGD):
        pass

    def lambdas(schedule):
        return [schedule.lr_lambdas[0](s) for s in range(total + 3)]

    def opt(lr=1e-3):
        return Dummy([torch.zeros(1, requires_grad=True)], lr=lr)

    schedules = [
        ("constant", dict(), lambda w: tro.get_constant_schedule(opt())),
        ("constant_with_warmup", dict(warmup=3), lambda w: tro.get_constant_schedule_with_warmup(opt(), w)),
        ("linear", dict(warmup=3), lambda w: tro.get_linear_schedule_with_warmup(opt(), w, total)),
        ("linear", dict(warmup=0.2), lambda w: tro.get_linear_schedule_with_warmup(opt(), w, total)),
        ("cosine", dict(warmup=3), lambda w: tro.get_cosine_schedule_with_warmup(opt(), w, total)),
        ("cosine_with_restarts", dict(warmup=2, cycles=3),
         lambda w: tro.get_cosine_with_hard_restarts_schedule_with_warmup(opt(), w, total, num_cycles=3)),
        ("polynomial", dict(warmup=3, power=2.0, learning_rate=1e-4),
         lambda w: tro.get_polynomial_decay_schedule_with_warmup(opt(1e-4), w, total, power=2.0)),
        ("polynomial", dict(warmup=0, power=1.0, learning_rate=1.0),
         lambda w: tro.get_polynomial_decay_schedule_with_warmup(opt(1.0), w, total, power=1.0)),
        ("inverse_sqrt", dict(warmup=4), lambda w: tro.get_inverse_sqrt_schedule(opt(), w, timescale=None)),
        ("cosine_with_min_lr", dict(warmup=3, cycles=1, min_ratio=0.1),
         lambda w: tro.get_cosine_with_min_lr_schedule_with_warmup(opt(), w, total, num_cycles=0.5,
                                                                   min_lr_rate=0.1)),
        ("warmup_stable_decay", dict(warmup=3, decay=0.25, cycles=1, min_ratio=0.05),
         lambda w: tro.get_wsd_schedule(opt(), w, int(0.25 * total), num_stable_steps=total - w - int(0.25 * total),
                                        num_cycles=0.5, min_lr_ratio=0.05)),
    ]
    for i, (sname, options, build) in enumerate(schedules):
        warmup = options.get("warmup", 0)
        # kohya: a float lr_warmup_steps is a ratio of the training steps, truncated.
        warmup_steps = int(warmup * total) if isinstance(warmup, float) else warmup
        key = f"schedule{i}"
        tensors[key] = torch.tensor(lambdas(build(warmup_steps)), dtype=torch.float64)
        sched_meta.append(dict(key=key, name=sname, total=total, **options))

    metadata = {
        "cases": json.dumps(cases_meta, sort_keys=True),
        "clipping": json.dumps(clip_meta, sort_keys=True),
        "schedules": json.dumps(sched_meta, sort_keys=True),
        "steps": str(STEPS),
        "versions": json.dumps({"torch": torch.__version__.split("+")[0], "bitsandbytes": bnb.__version__,
                                "prodigyopt": "1.1.2", "lion-pytorch": "0.2.5",
                                "transformers": __import__("transformers").__version__}, sort_keys=True),
    }
    path = os.path.join(ROOT, "optimizers.safetensors")
    fixture_io.save_safetensors(path, tensors, metadata)
    for name, worst in notes.items():
        print(f"{name}: after {STEPS} steps, {worst[1]} weights of the CUDA semantics differ from bnb's CPU "
              f"AdamW8bit by more than 1% of lr (largest difference {worst[0]:.3g})")
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


if __name__ == "__main__":
    main()
