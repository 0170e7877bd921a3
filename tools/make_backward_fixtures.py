"""Goldens for the backward ops of lorad's CPU backend: Tests/Fixtures/goldens/backward.safetensors.

Every gradient comes from torch autograd in float32 of the loss sum(output * upstream), with seeded inputs and
upstream gradients. Images are computed NCHW as PyTorch does and stored NHWC, convolution weights OHWI: lorad's layouts.
Attention tensors are stored as lorad's [B, L, heads*D] (heads are consecutive blocks of D channels).

    python3 tools/make_backward_fixtures.py

CPU, one thread, no network; two runs give byte-identical files (no metadata, so the safetensors header is sorted).
"""
import os

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "goldens", "backward.safetensors")
torch.set_num_threads(1)
generator = torch.Generator().manual_seed(20251123)
tensors = {}


def randn(*shape, scale=1.0):
    return (torch.randn(*shape, generator=generator, dtype=torch.float32) * scale).requires_grad_()


def nhwc(x):
    return x.detach().permute(0, 2, 3, 1).contiguous()


def ohwi(w):
    return w.detach().permute(0, 2, 3, 1).contiguous()


def backward(output):
    """Upstream gradient for `output` and the loss whose gradients autograd then fills in."""
    upstream = torch.randn(*output.shape, generator=generator, dtype=torch.float32)
    (output * upstream).sum().backward()
    return upstream


def conv(name, shape, out_channels, kernel, stride, pad):  # pad = (left, right, top, bottom), F.pad's order
    x = randn(*shape)
    w = randn(out_channels, shape[1], kernel, kernel, scale=0.5)
    b = randn(out_channels, scale=0.1)
    y = F.conv2d(F.pad(x, pad), w, b, stride=stride)
    dy = backward(y)
    tensors.update({f"{name}.x": nhwc(x), f"{name}.weight": ohwi(w), f"{name}.dy": nhwc(dy),
                    f"{name}.dx": nhwc(x.grad), f"{name}.dweight": ohwi(w.grad), f"{name}.dbias": b.grad})


# Stride 2 with padding top 1, left 0, bottom 2, right 1, odd sizes.
conv("conv_s2", (2, 3, 7, 6), 4, 3, 2, (0, 1, 1, 2))
# 3×3, padding 1, stride 1.
conv("conv_3x3", (1, 5, 6, 5), 3, 3, 1, (1, 1, 1, 1))

# GroupNorm (6 channels in 3 groups) then SiLU, as the resnets do.
x = randn(2, 6, 5, 3, scale=2.0)
x.data += 0.5
gamma, beta = randn(6, scale=0.3), randn(6, scale=0.3)
gamma.data += 1
dy = backward(F.silu(F.group_norm(x, 3, gamma, beta, eps=1e-6)))
tensors.update({"group_norm_silu.x": nhwc(x), "group_norm_silu.weight": gamma.detach(),
                "group_norm_silu.bias": beta.detach(), "group_norm_silu.dy": nhwc(dy),
                "group_norm_silu.dx": nhwc(x.grad), "group_norm_silu.dweight": gamma.grad,
                "group_norm_silu.dbias": beta.grad})

# LayerNorm over the last dimension.
x = randn(2, 5, 12, scale=1.5)
gamma, beta = randn(12, scale=0.3), randn(12, scale=0.3)
gamma.data += 1
dy = backward(F.layer_norm(x, (12,), gamma, beta, eps=1e-5))
tensors.update({"layer_norm.x": x.detach(), "layer_norm.weight": gamma.detach(), "layer_norm.bias": beta.detach(),
                "layer_norm.dy": dy, "layer_norm.dx": x.grad, "layer_norm.dweight": gamma.grad,
                "layer_norm.dbias": beta.grad})

# Activations on [3, 17] values in about ±6.
for name, fn in [("silu", F.silu), ("gelu", F.gelu), ("quick_gelu", lambda v: v * torch.sigmoid(1.702 * v))]:
    x = randn(3, 17, scale=3.0)
    dy = backward(fn(x))
    tensors.update({f"{name}.x": x.detach(), f"{name}.dy": dy, f"{name}.dx": x.grad})

# GEGLU: diffusers' chunk order (the second half is the gate).
x = randn(2, 3, 16, scale=2.0)
hidden, gate = x.chunk(2, dim=-1)
dy = backward(hidden * F.gelu(gate))
tensors.update({"geglu.x": x.detach(), "geglu.dy": dy, "geglu.dx": x.grad})


def attention(name, batch, heads, queries, keys, head_dim, causal):
    def split(t, length):  # [B, L, heads*D] -> [B, heads, L, D]
        return t.view(batch, length, heads, head_dim).transpose(1, 2)

    q = randn(batch, queries, heads * head_dim)
    k = randn(batch, keys, heads * head_dim)
    v = randn(batch, keys, heads * head_dim)
    o = F.scaled_dot_product_attention(split(q, queries), split(k, keys), split(v, keys), is_causal=causal)
    dy = backward(o.transpose(1, 2).reshape(batch, queries, heads * head_dim))
    tensors.update({f"{name}.q": q.detach(), f"{name}.k": k.detach(), f"{name}.v": v.detach(), f"{name}.dy": dy,
                    f"{name}.dq": q.grad, f"{name}.dk": k.grad, f"{name}.dv": v.grad})


attention("attention_self", 2, 2, 6, 6, 4, False)
attention("attention_causal", 1, 3, 6, 6, 5, True)
attention("attention_cross", 2, 2, 5, 7, 3, False)
# PyTorch's is_causal with Lq ≠ Lk masks key j > query i (top-left aligned), as lorad's forward does.
attention("attention_causal_cross", 1, 1, 5, 7, 4, True)

# Nearest resize 4×5 → 7×9 (no integer factor).
x = randn(2, 3, 4, 5)
dy = backward(F.interpolate(x, size=(7, 9), mode="nearest"))
tensors.update({"upsample.x": nhwc(x), "upsample.dy": nhwc(dy), "upsample.dx": nhwc(x.grad)})

# Gathering rows (with repeats, one row never picked): its gradient is index_add of the upstream gradient.
table = randn(5, 2, 3)
rows = torch.tensor([3, 0, 3, 4, 1, 3], dtype=torch.int64)
dy = backward(table[rows])
assert torch.equal(table.grad, torch.zeros(5, 2, 3).index_add(0, rows, dy))
tensors.update({"scatter.rows": rows, "scatter.dy": dy, "scatter.dx": table.grad})

# Broadcast add: the gradient of each broadcast operand is the upstream gradient summed to its shape.
a = randn(2, 3, 4, 5)
operands = {"c": randn(5), "b11c": randn(2, 1, 1, 5), "one": randn(1), "scalar": randn(()), "h11": randn(3, 1, 1)}
dy = backward(sum((a + b for b in operands.values()), torch.zeros(())))
tensors["broadcast.dy"] = dy
for name, b in operands.items():
    tensors[f"broadcast.d{name}"] = b.grad

save_file({name: t.detach().contiguous() for name, t in tensors.items()}, OUT)
