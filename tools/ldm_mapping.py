"""diffusers/transformers parameter names -> the LDM/A1111 single-file names (CompVis, Stability's OpenCLIP, SGM).

Used by make_fixtures.py (tiny models, with values) and make_keysets.py (full-size models on the meta device); both
check the result with diffusers' own converters in `diffusers.loaders.single_file_utils`.

UNet: for `layers_per_block` L, `down_blocks.i.{resnets,attentions}.j` is `input_blocks.{(L+1)i+j+1}.{0,1}`,
`down_blocks.i.downsamplers.0.conv` is `input_blocks.{(L+1)(i+1)}.0.op`, `up_blocks.i.{resnets,attentions}.j` is
`output_blocks.{(L+1)i+j}.{0,1}` and `up_blocks.i.upsamplers.0.conv` is `output_blocks.{(L+1)i+L}.{1 or 2}.conv`
(2 when the up block has attentions). VAE: `encoder.down_blocks.i` is `encoder.down.i`, `decoder.up_blocks.i` is
`decoder.up.{levels-1-i}`, and the mid attention's linear layers are 1x1 convolutions.
"""
import torch

UNET_PREFIX = "model.diffusion_model."
VAE_PREFIX = "first_stage_model."
RESNET_LDM = {"norm1": "in_layers.0", "conv1": "in_layers.2", "time_emb_proj": "emb_layers.1",
              "norm2": "out_layers.0", "conv2": "out_layers.3", "conv_shortcut": "skip_connection"}
UNET_TOP = {"conv_in": "input_blocks.0.0", "conv_norm_out": "out.0", "conv_out": "out.2",
            "time_embedding.linear_1": "time_embed.0", "time_embedding.linear_2": "time_embed.2",
            "add_embedding.linear_1": "label_emb.0.0", "add_embedding.linear_2": "label_emb.0.2"}


def _resnet(rest):
    head, _, tail = rest.partition(".")
    return f"{RESNET_LDM[head]}.{tail}"


def unet_key(key, layers, up_blocks_with_attention):
    """One UNet2DConditionModel key -> its LDM key (without the `model.diffusion_model.` prefix)."""
    for diffusers_name, ldm_name in UNET_TOP.items():
        if key.startswith(diffusers_name + "."):
            return ldm_name + key[len(diffusers_name):]
    parts = key.split(".")
    if parts[0] == "down_blocks":
        i = int(parts[1])
        if parts[2] == "downsamplers":
            return f"input_blocks.{(layers + 1) * (i + 1)}.0.op.{parts[-1]}"
        j, rest = int(parts[3]), ".".join(parts[4:])
        if parts[2] == "resnets":
            return f"input_blocks.{(layers + 1) * i + j + 1}.0.{_resnet(rest)}"
        return f"input_blocks.{(layers + 1) * i + j + 1}.1.{rest}"
    if parts[0] == "mid_block":
        j, rest = int(parts[2]), ".".join(parts[3:])
        if parts[1] == "resnets":
            return f"middle_block.{2 * j}.{_resnet(rest)}"
        return f"middle_block.1.{rest}"
    if parts[0] == "up_blocks":
        i = int(parts[1])
        if parts[2] == "upsamplers":
            return f"output_blocks.{(layers + 1) * i + layers}.{2 if i in up_blocks_with_attention else 1}.conv.{parts[-1]}"
        j, rest = int(parts[3]), ".".join(parts[4:])
        if parts[2] == "resnets":
            return f"output_blocks.{(layers + 1) * i + j}.0.{_resnet(rest)}"
        return f"output_blocks.{(layers + 1) * i + j}.1.{rest}"
    raise KeyError(key)


def unet_to_ldm(state, config):
    layers = config["layers_per_block"]
    assert isinstance(layers, int), "per-level layers_per_block is not used by SD/SDXL"
    with_attention = {int(k.split(".")[1]) for k in state if k.startswith("up_blocks.") and ".attentions." in k}
    return {UNET_PREFIX + unet_key(k, layers, with_attention): v for k, v in state.items()}


VAE_ATTENTION = {"group_norm": "norm", "to_q": "q", "to_k": "k", "to_v": "v", "to_out.0": "proj_out"}


def vae_key(key, levels):
    """One AutoencoderKL key -> (LDM key without `first_stage_model.`, whether it is a mid-attention linear)."""
    for side, blocks, ldm, sampler in (("encoder", "down_blocks", "down", "downsample"),
                                       ("decoder", "up_blocks", "up", "upsample")):
        prefix = f"{side}.{blocks}."
        if key.startswith(prefix):
            parts = key[len(prefix):].split(".")
            level = int(parts[0]) if side == "encoder" else levels - 1 - int(parts[0])
            if parts[1] == "resnets":
                rest = ".".join(parts[3:]).replace("conv_shortcut", "nin_shortcut")
                return f"{side}.{ldm}.{level}.block.{parts[2]}.{rest}", False
            return f"{side}.{ldm}.{level}.{sampler}.conv.{parts[-1]}", False
        if key.startswith(f"{side}.mid_block.resnets."):
            parts = key.split(".")
            rest = ".".join(parts[4:]).replace("conv_shortcut", "nin_shortcut")
            return f"{side}.mid.block_{int(parts[3]) + 1}.{rest}", False
        if key.startswith(f"{side}.mid_block.attentions.0."):
            rest = key[len(f"{side}.mid_block.attentions.0."):]
            for diffusers_name, ldm_name in VAE_ATTENTION.items():
                if rest.startswith(diffusers_name + "."):
                    return f"{side}.mid.attn_1.{ldm_name}.{rest[len(diffusers_name) + 1:]}", ldm_name != "norm"
            raise KeyError(key)
        if key.startswith(f"{side}.conv_norm_out."):
            return key.replace(f"{side}.conv_norm_out.", f"{side}.norm_out."), False
    return key, False  # conv_in/conv_out of each side, quant_conv, post_quant_conv


def vae_to_ldm(state, config):
    levels = len(config["block_out_channels"])
    out = {}
    for key, value in state.items():
        new, linear = vae_key(key, levels)
        if linear and value.dim() == 2:
            value = value[:, :, None, None]
        out[VAE_PREFIX + new] = value
    return out


def published_text_state(model):
    """A text encoder's state dict under the names every published checkpoint uses (`text_model.…`,
    `text_projection.weight`): transformers 5 dropped the `text_model.` level from CLIPTextModel."""
    out = {}
    for key, value in model.state_dict().items():
        out[key if key.startswith(("text_model.", "text_projection.")) else "text_model." + key] = value
    return out


def hf_clip_to_ldm(model, prefix):
    """SD1.x `cond_stage_model.transformer.` / SDXL `conditioner.embedders.0.transformer.`: HF names kept."""
    return {prefix + k: v for k, v in published_text_state(model).items()}


OPEN_CLIP_LAYER = (("attn.out_proj", "self_attn.out_proj"), ("ln_1", "layer_norm1"), ("ln_2", "layer_norm2"),
                   ("mlp.c_fc", "mlp.fc1"), ("mlp.c_proj", "mlp.fc2"))


def open_clip_layer(state, n, src_prefix="text_model.encoder.layers."):
    """One HF CLIPEncoderLayer (published names) -> OpenCLIP resblock names (q, k, v stacked in in_proj)."""
    src = f"{src_prefix}{n}."
    out = {"attn.in_proj_weight": torch.cat([state[src + f"self_attn.{p}_proj.weight"] for p in "qkv"]),
           "attn.in_proj_bias": torch.cat([state[src + f"self_attn.{p}_proj.bias"] for p in "qkv"])}
    for ours, theirs in OPEN_CLIP_LAYER:
        for suffix in ("weight", "bias"):
            out[f"{ours}.{suffix}"] = state[f"{src}{theirs}.{suffix}"]
    return out


def open_clip_to_ldm(model, prefix, projection, logit_scale, extra_layer=None):
    """CLIPTextModel(WithProjection) -> OpenCLIP names under `prefix`. `projection` is the OpenCLIP
    `text_projection` ([width, proj], applied as `x @ P`), i.e. the transpose of HF's `text_projection.weight`;
    `extra_layer` (a {resblock name: tensor} dict) is appended as one more, last resblock."""
    state = published_text_state(model)
    out = {prefix + "token_embedding.weight": state["text_model.embeddings.token_embedding.weight"],
           prefix + "positional_embedding": state["text_model.embeddings.position_embedding.weight"],
           prefix + "ln_final.weight": state["text_model.final_layer_norm.weight"],
           prefix + "ln_final.bias": state["text_model.final_layer_norm.bias"],
           prefix + "text_projection": projection, prefix + "logit_scale": logit_scale}
    layers = model.config.num_hidden_layers
    for n in range(layers):
        for name, value in open_clip_layer(state, n).items():
            out[f"{prefix}transformer.resblocks.{n}.{name}"] = value
    if extra_layer is not None:
        for name, value in extra_layer.items():
            out[f"{prefix}transformer.resblocks.{layers}.{name}"] = value
    return out


def open_clip_to_hf(checkpoint, prefix):
    """The inverse of `open_clip_to_ldm` (published HF names; every resblock in the file, the projection as HF's
    `text_projection.weight`). Used where diffusers' converter cannot be (it drops only SD2's resblock 23)."""
    out = {"text_model.embeddings.token_embedding.weight": checkpoint[prefix + "token_embedding.weight"],
           "text_model.embeddings.position_embedding.weight": checkpoint[prefix + "positional_embedding"],
           "text_model.final_layer_norm.weight": checkpoint[prefix + "ln_final.weight"],
           "text_model.final_layer_norm.bias": checkpoint[prefix + "ln_final.bias"],
           "text_projection.weight": checkpoint[prefix + "text_projection"].T}
    n = 0
    while f"{prefix}transformer.resblocks.{n}.ln_1.weight" in checkpoint:
        src, dst = f"{prefix}transformer.resblocks.{n}.", f"text_model.encoder.layers.{n}."
        for kind in ("weight", "bias"):
            q, k, v = checkpoint[src + f"attn.in_proj_{kind}"].chunk(3)
            for name, value in zip("qkv", (q, k, v)):
                out[f"{dst}self_attn.{name}_proj.{kind}"] = value
            for ours, theirs in OPEN_CLIP_LAYER:
                out[f"{dst}{theirs}.{kind}"] = checkpoint[f"{src}{ours}.{kind}"]
        n += 1
    return out


def compvis_junk(num_train_timesteps=1000, beta_start=0.00085, beta_end=0.012, ema=True):
    """The non-model tensors that CompVis/Stability LatentDiffusion checkpoints carry (DDPM schedule buffers,
    F32 [1000]; `model_ema.decay` F32 [], `model_ema.num_updates` I32 [])."""
    betas = torch.linspace(beta_start**0.5, beta_end**0.5, num_train_timesteps, dtype=torch.float64) ** 2
    alphas_cumprod = torch.cumprod(1 - betas, 0)
    prev = torch.cat([torch.ones(1, dtype=torch.float64), alphas_cumprod[:-1]])
    variance = betas * (1 - prev) / (1 - alphas_cumprod)
    junk = {"betas": betas, "alphas_cumprod": alphas_cumprod, "alphas_cumprod_prev": prev,
            "sqrt_alphas_cumprod": alphas_cumprod.sqrt(), "sqrt_one_minus_alphas_cumprod": (1 - alphas_cumprod).sqrt(),
            "log_one_minus_alphas_cumprod": (1 - alphas_cumprod).log(),
            "sqrt_recip_alphas_cumprod": (1 / alphas_cumprod).sqrt(),
            "sqrt_recipm1_alphas_cumprod": (1 / alphas_cumprod - 1).sqrt(),
            "posterior_variance": variance,
            "posterior_log_variance_clipped": torch.cat([variance[1:2], variance[1:]]).log(),
            "posterior_mean_coef1": betas * prev.sqrt() / (1 - alphas_cumprod),
            "posterior_mean_coef2": (1 - prev) * (1 - betas).sqrt() / (1 - alphas_cumprod)}
    junk = {k: v.float() for k, v in junk.items()}
    if ema:
        junk["model_ema.decay"] = torch.tensor(0.9999, dtype=torch.float32)
        junk["model_ema.num_updates"] = torch.tensor(0, dtype=torch.int32)
    return junk
