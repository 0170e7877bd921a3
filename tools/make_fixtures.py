#!/usr/bin/env python3
"""Builds lorad's test fixtures: tiny seeded Stable Diffusion models and golden tensors from the reference code.

    python3 tools/make_fixtures.py

Needs torch, diffusers, transformers, safetensors and numpy (the versions used are written to
Tests/Fixtures/README.md) and the openai/CLIP BPE vocabulary shipped in Sources/Diffusion/Resources/clip. Runs on the
CPU in a minute or two and is deterministic: running it twice gives the same tensors (the safetensors writer orders
metadata keys by hash, so goldens' header bytes may differ).

Writes under Tests/Fixtures/:
  philox.safetensors            draws of tools/philox.py (lorad's RNG) for a few (seed, stream, offset, count)
  models/<name>/                diffusers folders of three tiny models: sd15-tiny, sd2-tiny (v-prediction, sharded
                                UNet), sdxl-tiny (fp16 variant files only)
  models/<name>.safetensors     the same weights as single LDM/A1111-style checkpoints (F16)
  goldens/<name>.safetensors    text encoder, UNet, VAE and whole-pipeline outputs of diffusers/transformers (NCHW)
  keysets/<arch>.json           {key: shape} of real full-size single-file checkpoints (SD1.5, SD2.1-768-v, SDXL)
"""
import gzip
import json
import os
import shutil
import sys
import warnings

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import philox  # noqa: E402

warnings.filterwarnings("ignore")
import diffusers  # noqa: E402
import transformers  # noqa: E402
from diffusers import (  # noqa: E402
    AutoencoderKL, DDIMScheduler, DPMSolverMultistepScheduler, EulerAncestralDiscreteScheduler,
    EulerDiscreteScheduler, PNDMScheduler, StableDiffusionPipeline, StableDiffusionXLPipeline, UNet2DConditionModel)
from diffusers.loaders import single_file_utils as sfu  # noqa: E402
from safetensors.torch import save_file  # noqa: E402
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection, CLIPTokenizer  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(REPO, "Tests", "Fixtures")
VOCAB_GZ = os.path.join(REPO, "Sources", "Diffusion", "Resources", "clip", "bpe_simple_vocab_16e6.txt.gz")
KEPT_MERGES = 486  # 256 bytes + 256 "</w>" bytes + 486 merges + 2 specials = 1000 tokens
torch.use_deterministic_algorithms(True)


# ---------------------------------------------------------------------------------------------------------------
# Tokenizer files


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return [chr(c) for c in cs]


def write_tokenizer(folder, pad_token):
    """vocab.json/merges.txt as transformers' openai/clip-vit-large-patch14 files, keeping the first merges only."""
    os.makedirs(folder, exist_ok=True)
    merges = gzip.open(VOCAB_GZ).read().decode("utf-8").split("\n")[1:1 + KEPT_MERGES]
    symbols = bytes_to_unicode()
    vocab = symbols + [s + "</w>" for s in symbols] + ["".join(m.split()) for m in merges]
    vocab += ["<|startoftext|>", "<|endoftext|>"]
    with open(os.path.join(folder, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump({token: i for i, token in enumerate(vocab)}, f, ensure_ascii=False)
    with open(os.path.join(folder, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "\n".join(merges) + "\n")
    special = {"bos_token": "<|startoftext|>", "eos_token": "<|endoftext|>", "unk_token": "<|endoftext|>",
               "pad_token": pad_token}
    with open(os.path.join(folder, "special_tokens_map.json"), "w") as f:
        json.dump(special, f, indent=2)
    with open(os.path.join(folder, "tokenizer_config.json"), "w") as f:
        json.dump({**special, "model_max_length": 77, "do_lower_case": True, "tokenizer_class": "CLIPTokenizer"}, f,
                  indent=2)
    return CLIPTokenizer(os.path.join(folder, "vocab.json"), os.path.join(folder, "merges.txt"), pad_token=pad_token,
                         model_max_length=77)


# ---------------------------------------------------------------------------------------------------------------
# Tiny models


def randomize(module, seed):
    """Non-trivial weights that are exactly representable in float16, so F16 and F32 copies are equal."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in sorted(module.named_parameters()):
            noise = torch.randn(p.shape, generator=generator)
            if p.dim() >= 2:
                fan_in = p[0].numel()
                value = noise * (1.2 / fan_in**0.5 if "embedding" not in name else 0.5)
            elif name.endswith("weight"):
                value = 1 + 0.2 * noise
            else:
                value = 0.1 * noise
            p.copy_(value.half().float())
    return module


def text_config(hidden, layers, heads, act, eos, projection=None):
    config = CLIPTextConfig(
        vocab_size=1000, hidden_size=hidden, intermediate_size=2 * hidden, num_hidden_layers=layers,
        num_attention_heads=heads, max_position_embeddings=77, hidden_act=act, layer_norm_eps=1e-5,
        bos_token_id=998 if eos != 2 else 0, eos_token_id=eos, pad_token_id=1,
        projection_dim=projection or hidden)
    return config


def vae_config(scaling_factor, **extra):
    return dict(in_channels=3, out_channels=3, latent_channels=4, block_out_channels=[8, 16, 16, 16],
                down_block_types=["DownEncoderBlock2D"] * 4, up_block_types=["UpDecoderBlock2D"] * 4,
                layers_per_block=1, norm_num_groups=4, sample_size=64, scaling_factor=scaling_factor, **extra)


SD15_SCHEDULER = dict(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", num_train_timesteps=1000,
                      set_alpha_to_one=False, skip_prk_steps=True, steps_offset=1, clip_sample=False,
                      trained_betas=None)
SD21_SCHEDULER = dict(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", num_train_timesteps=1000,
                      clip_sample=False, prediction_type="v_prediction", set_alpha_to_one=False, skip_prk_steps=True,
                      steps_offset=1, trained_betas=None)
SDXL_SCHEDULER = dict(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", num_train_timesteps=1000,
                      interpolation_type="linear", prediction_type="epsilon", sample_max_value=1.0,
                      set_alpha_to_one=False, skip_prk_steps=True, steps_offset=1, timestep_spacing="leading",
                      trained_betas=None, use_karras_sigmas=False, clip_sample=False)


def build_sd15(folder):
    tokenizer = write_tokenizer(os.path.join(folder, "tokenizer"), "<|endoftext|>")
    text_encoder = randomize(CLIPTextModel(text_config(64, 3, 4, "quick_gelu", 2)), 1)
    unet = randomize(UNet2DConditionModel(
        sample_size=8, in_channels=4, out_channels=4, block_out_channels=[16, 32],
        down_block_types=["CrossAttnDownBlock2D", "DownBlock2D"], up_block_types=["UpBlock2D", "CrossAttnUpBlock2D"],
        layers_per_block=2, attention_head_dim=8, cross_attention_dim=64, norm_num_groups=8,
        use_linear_projection=False), 2)
    vae = randomize(AutoencoderKL(**vae_config(0.18215)), 3)
    scheduler = PNDMScheduler.from_config(SD15_SCHEDULER)
    pipe = StableDiffusionPipeline(vae=vae, text_encoder=text_encoder, tokenizer=tokenizer, unet=unet,
                                   scheduler=scheduler, safety_checker=None, feature_extractor=None,
                                   requires_safety_checker=False)
    pipe.save_pretrained(folder, safe_serialization=True)
    return pipe


def build_sd2(folder):
    tokenizer = write_tokenizer(os.path.join(folder, "tokenizer"), "<|endoftext|>")
    text_encoder = randomize(CLIPTextModel(text_config(64, 3, 2, "gelu", 2)), 11)
    unet = randomize(UNet2DConditionModel(
        sample_size=8, in_channels=4, out_channels=4, block_out_channels=[16, 16, 32],
        down_block_types=["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
        up_block_types=["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"], layers_per_block=1,
        attention_head_dim=[2, 4, 4], use_linear_projection=True, upcast_attention=True, cross_attention_dim=64,
        norm_num_groups=16), 12)
    vae = randomize(AutoencoderKL(**vae_config(0.18215)), 13)
    scheduler = DDIMScheduler.from_config(SD21_SCHEDULER)
    pipe = StableDiffusionPipeline(vae=vae, text_encoder=text_encoder, tokenizer=tokenizer, unet=unet,
                                   scheduler=scheduler, safety_checker=None, feature_extractor=None,
                                   requires_safety_checker=False)
    pipe.save_pretrained(folder, safe_serialization=True)
    shutil.rmtree(os.path.join(folder, "unet"))
    unet.save_pretrained(os.path.join(folder, "unet"), safe_serialization=True, max_shard_size="600KB")
    return pipe


def build_sdxl(folder):
    tokenizer = write_tokenizer(os.path.join(folder, "tokenizer"), "<|endoftext|>")
    tokenizer_2 = write_tokenizer(os.path.join(folder, "tokenizer_2"), "!")
    eos = tokenizer.convert_tokens_to_ids("<|endoftext|>")
    text_encoder = randomize(CLIPTextModel(text_config(32, 3, 2, "quick_gelu", eos)), 21)
    text_encoder_2 = randomize(CLIPTextModelWithProjection(text_config(64, 3, 4, "gelu", eos, projection=32)), 22)
    unet = randomize(UNet2DConditionModel(
        sample_size=8, in_channels=4, out_channels=4, block_out_channels=[16, 32],
        down_block_types=["DownBlock2D", "CrossAttnDownBlock2D"], up_block_types=["CrossAttnUpBlock2D", "UpBlock2D"],
        layers_per_block=2, transformer_layers_per_block=[1, 2], attention_head_dim=[2, 4],
        use_linear_projection=True, cross_attention_dim=96, addition_embed_type="text_time",
        addition_time_embed_dim=8, projection_class_embeddings_input_dim=80, norm_num_groups=8), 23)
    vae = randomize(AutoencoderKL(**vae_config(0.13025, force_upcast=True)), 24)
    scheduler = EulerDiscreteScheduler.from_config(SDXL_SCHEDULER)
    pipe = StableDiffusionXLPipeline(vae=vae, text_encoder=text_encoder, text_encoder_2=text_encoder_2,
                                     tokenizer=tokenizer, tokenizer_2=tokenizer_2, unet=unet, scheduler=scheduler,
                                     force_zeros_for_empty_prompt=True, add_watermarker=False)
    pipe.to(torch.float16).save_pretrained(folder, safe_serialization=True, variant="fp16")
    pipe.to(torch.float32)
    return pipe


# ---------------------------------------------------------------------------------------------------------------
# Single files: diffusers names -> LDM names (REFERENCE 1.2/1.3), checked with diffusers' own converters


RESNET_LDM = {"norm1": "in_layers.0", "conv1": "in_layers.2", "time_emb_proj": "emb_layers.1",
              "norm2": "out_layers.0", "conv2": "out_layers.3", "conv_shortcut": "skip_connection"}


def unet_to_ldm(state, config):
    layers = config["layers_per_block"]
    out = {}
    for key, value in state.items():
        parts = key.split(".")
        if parts[0] in ("conv_in", "conv_norm_out", "conv_out", "time_embedding", "add_embedding"):
            head = {"conv_in": "input_blocks.0.0", "conv_norm_out": "out.0", "conv_out": "out.2",
                    "time_embedding": {"linear_1": "time_embed.0", "linear_2": "time_embed.2"},
                    "add_embedding": {"linear_1": "label_emb.0.0", "linear_2": "label_emb.0.2"}}[parts[0]]
            if isinstance(head, dict):
                new = f"{head[parts[1]]}.{'.'.join(parts[2:])}"
            else:
                new = f"{head}.{'.'.join(parts[1:])}"
        elif parts[0] == "down_blocks":
            i = int(parts[1])
            if parts[2] == "downsamplers":
                new = f"input_blocks.{(layers + 1) * (i + 1)}.0.op.{'.'.join(parts[5:])}"
            else:
                j = int(parts[3])
                slot = 0 if parts[2] == "resnets" else 1
                rest = ".".join(parts[4:])
                if slot == 0:
                    rest = RESNET_LDM.get(parts[4], parts[4]) + "." + ".".join(parts[5:])
                new = f"input_blocks.{(layers + 1) * i + j + 1}.{slot}.{rest}"
        elif parts[0] == "mid_block":
            j = int(parts[2])
            index = {"resnets": [0, 2], "attentions": [1]}[parts[1]][j]
            rest = ".".join(parts[3:])
            if parts[1] == "resnets":
                rest = RESNET_LDM.get(parts[3], parts[3]) + "." + ".".join(parts[4:])
            new = f"middle_block.{index}.{rest}"
        elif parts[0] == "up_blocks":
            i = int(parts[1])
            if parts[2] == "upsamplers":
                has_attention = any(k.startswith(f"up_blocks.{i}.attentions.") for k in state)
                new = f"output_blocks.{(layers + 1) * i + layers}.{2 if has_attention else 1}.conv.{parts[-1]}"
            else:
                j = int(parts[3])
                slot = 0 if parts[2] == "resnets" else 1
                rest = ".".join(parts[4:])
                if slot == 0:
                    rest = RESNET_LDM.get(parts[4], parts[4]) + "." + ".".join(parts[5:])
                new = f"output_blocks.{(layers + 1) * i + j}.{slot}.{rest}"
        else:
            raise KeyError(key)
        out["model.diffusion_model." + new] = value
    return out


def vae_to_ldm(state, config):
    levels = len(config["block_out_channels"])
    attention = {"group_norm": "norm", "to_q": "q", "to_k": "k", "to_v": "v", "to_out.0": "proj_out"}
    out = {}
    for key, value in state.items():
        new = key
        for side, blocks, ldm in (("encoder", "down_blocks", "down"), ("decoder", "up_blocks", "up")):
            prefix = f"{side}.{blocks}."
            if key.startswith(prefix):
                parts = key[len(prefix):].split(".")
                level = int(parts[0]) if side == "encoder" else levels - 1 - int(parts[0])
                if parts[1] == "resnets":
                    rest = ".".join(parts[3:]).replace("conv_shortcut", "nin_shortcut")
                    new = f"{side}.{ldm}.{level}.block.{parts[2]}.{rest}"
                else:
                    new = f"{side}.{ldm}.{level}.{'downsample' if side == 'encoder' else 'upsample'}.conv.{parts[-1]}"
        for side in ("encoder", "decoder"):
            if key.startswith(f"{side}.mid_block.resnets."):
                j = int(key.split(".")[3])
                new = f"{side}.mid.block_{j + 1}." + ".".join(key.split(".")[4:]).replace("conv_shortcut", "nin_shortcut")
            if key.startswith(f"{side}.mid_block.attentions.0."):
                rest = key[len(f"{side}.mid_block.attentions.0."):]
                for diffusers_name, ldm_name in attention.items():
                    if rest.startswith(diffusers_name + "."):
                        new = f"{side}.mid.attn_1.{ldm_name}.{rest[len(diffusers_name) + 1:]}"
                        if value.dim() == 2:
                            value = value[:, :, None, None]
            new = new.replace(f"{side}.conv_norm_out", f"{side}.norm_out")
        out["first_stage_model." + new] = value
    return out


def legacy_text_state(model):
    """The state dict under the names every published checkpoint uses (`text_model.…`, `text_projection.weight`);
    transformers 5 dropped the `text_model.` level from its own module tree and from what it saves."""
    out = {}
    for key, value in model.state_dict().items():
        out[key if key.startswith(("text_model.", "text_projection.")) else "text_model." + key] = value
    return out


def rewrite_text_encoder_names(folder):
    """Rewrites a saved text encoder's weights under the published names (see `legacy_text_state`)."""
    from safetensors.torch import load_file
    for file in os.listdir(folder):
        if file.endswith(".safetensors"):
            path = os.path.join(folder, file)
            state = load_file(path)
            renamed = {(k if k.startswith(("text_model.", "text_projection.")) else "text_model." + k): v
                       for k, v in state.items()}
            save_file(renamed, path, metadata={"format": "pt"})


def open_clip_to_ldm(model, prefix, extra_layer_seed=None):
    """transformers CLIPTextModel(WithProjection) -> OpenCLIP names; optionally one more (unused) last resblock."""
    state = legacy_text_state(model)
    config = model.config
    out = {prefix + "token_embedding.weight": state["text_model.embeddings.token_embedding.weight"],
           prefix + "positional_embedding": state["text_model.embeddings.position_embedding.weight"],
           prefix + "ln_final.weight": state["text_model.final_layer_norm.weight"],
           prefix + "ln_final.bias": state["text_model.final_layer_norm.bias"],
           prefix + "logit_scale": torch.tensor(4.6052)}
    if "text_projection.weight" in state:
        out[prefix + "text_projection"] = state["text_projection.weight"].T.contiguous()
    else:  # SD2's OpenCLIP has a projection that the diffusion model does not use
        generator = torch.Generator().manual_seed(99)
        out[prefix + "text_projection"] = (torch.randn(config.hidden_size, config.hidden_size, generator=generator)
                                           * 0.1).half().float()
    layers = config.num_hidden_layers
    for n in range(layers):
        src = f"text_model.encoder.layers.{n}."
        dst = f"{prefix}transformer.resblocks.{n}."
        out[dst + "attn.in_proj_weight"] = torch.cat([state[src + f"self_attn.{p}_proj.weight"] for p in "qkv"])
        out[dst + "attn.in_proj_bias"] = torch.cat([state[src + f"self_attn.{p}_proj.bias"] for p in "qkv"])
        for ours, theirs in (("attn.out_proj", "self_attn.out_proj"), ("ln_1", "layer_norm1"),
                             ("ln_2", "layer_norm2"), ("mlp.c_fc", "mlp.fc1"), ("mlp.c_proj", "mlp.fc2")):
            for suffix in ("weight", "bias"):
                out[f"{dst}{ours}.{suffix}"] = state[f"{src}{theirs}.{suffix}"]
    if extra_layer_seed is not None:
        generator = torch.Generator().manual_seed(extra_layer_seed)
        template = {k[len(f"{prefix}transformer.resblocks.0."):]: v for k, v in out.items()
                    if k.startswith(f"{prefix}transformer.resblocks.0.")}
        for name, value in template.items():
            out[f"{prefix}transformer.resblocks.{layers}.{name}"] = (
                torch.randn(value.shape, generator=generator) * 0.1).half().float()
    return out


def hf_clip_to_ldm(model, prefix):
    return {prefix + k: v for k, v in legacy_text_state(model).items()}


JUNK = {"alphas_cumprod": [1000], "alphas_cumprod_prev": [1000], "betas": [1000], "log_one_minus_alphas_cumprod": [1000],
        "posterior_log_variance_clipped": [1000], "posterior_mean_coef1": [1000], "posterior_mean_coef2": [1000],
        "posterior_variance": [1000], "sqrt_alphas_cumprod": [1000], "sqrt_one_minus_alphas_cumprod": [1000],
        "sqrt_recip_alphas_cumprod": [1000], "sqrt_recipm1_alphas_cumprod": [1000], "model_ema.decay": [],
        "model_ema.num_updates": []}


def single_file(pipe, arch):
    unet_config, vae_config_ = dict(pipe.unet.config), dict(pipe.vae.config)
    checkpoint = {**unet_to_ldm(pipe.unet.state_dict(), unet_config), **vae_to_ldm(pipe.vae.state_dict(), vae_config_)}
    if arch == "sd15":
        checkpoint.update(hf_clip_to_ldm(pipe.text_encoder, "cond_stage_model.transformer."))
        checkpoint["cond_stage_model.transformer.text_model.embeddings.position_ids"] = torch.arange(77)[None]
    elif arch == "sd2":
        checkpoint.update(open_clip_to_ldm(pipe.text_encoder, "cond_stage_model.model.", extra_layer_seed=31))
    else:
        checkpoint.update(hf_clip_to_ldm(pipe.text_encoder, "conditioner.embedders.0.transformer."))
        checkpoint.update(open_clip_to_ldm(pipe.text_encoder_2, "conditioner.embedders.1.model."))
    for key, shape in JUNK.items():
        checkpoint[key] = torch.linspace(0.1, 0.9, shape[0]) if shape else torch.tensor(0.5)
    validate_single_file(checkpoint, pipe, arch)
    return {k: (v.half() if v.is_floating_point() else v).contiguous() for k, v in checkpoint.items()}


def assert_same(converted, reference, what, allow_extra=()):
    extra = set(converted) - set(reference)
    assert all(any(e.startswith(p) for p in allow_extra) for e in extra), (what, sorted(extra)[:5])
    missing = set(reference) - set(converted)
    assert not missing, (what, sorted(missing)[:5])
    for key, value in reference.items():
        assert torch.equal(converted[key].float().reshape(value.shape), value.float()), (what, key)


def validate_single_file(checkpoint, pipe, arch):
    """Load the LDM keys back through diffusers' converters: they must give the folder's tensors exactly."""
    assert_same(sfu.convert_ldm_unet_checkpoint(checkpoint, dict(pipe.unet.config)), pipe.unet.state_dict(), "unet")
    assert_same(sfu.convert_ldm_vae_checkpoint(checkpoint, dict(pipe.vae.config)), pipe.vae.state_dict(), "vae")
    if arch == "sd15":
        converted = sfu.convert_ldm_clip_checkpoint(checkpoint)
        assert_same(converted, legacy_text_state(pipe.text_encoder), "te", allow_extra=("text_model.embeddings.position_ids",))
    elif arch == "sd2":
        converted = sfu.convert_open_clip_checkpoint(pipe.text_encoder, checkpoint)
        layers = pipe.text_encoder.config.num_hidden_layers
        assert_same(converted, legacy_text_state(pipe.text_encoder), "te",
                    allow_extra=(f"text_model.encoder.layers.{layers}.", "text_projection"))
    else:
        converted = sfu.convert_ldm_clip_checkpoint(checkpoint, remove_prefix="conditioner.embedders.0.transformer.")
        assert_same(converted, legacy_text_state(pipe.text_encoder), "te1", allow_extra=("text_model.embeddings.position_ids",))
        converted = sfu.convert_open_clip_checkpoint(pipe.text_encoder_2, checkpoint, prefix="conditioner.embedders.1.model.")
        assert_same(converted, legacy_text_state(pipe.text_encoder_2), "te2")


# ---------------------------------------------------------------------------------------------------------------
# Goldens


PROMPTS = ["a photograph of an astronaut riding a horse", "",
           " ".join(["a very detailed painting of a red fox in a snowy forest at dawn, golden light,"] * 6)]


def text_goldens(goldens, prefix, tokenizer, model):
    ids = tokenizer(PROMPTS, padding="max_length", max_length=77, truncation=True, return_tensors="pt").input_ids
    out = model(ids, output_hidden_states=True)
    goldens[f"{prefix}.input_ids"] = ids
    for k, h in enumerate(out.hidden_states):
        goldens[f"{prefix}.hidden_states.{k}"] = h
    goldens[f"{prefix}.last_hidden_state"] = out.last_hidden_state
    if hasattr(out, "text_embeds"):
        goldens[f"{prefix}.text_embeds"] = out.text_embeds
    else:
        goldens[f"{prefix}.pooled"] = out.pooler_output


def unet_goldens(goldens, prefix, unet, height, width, seed):
    generator = torch.Generator().manual_seed(seed)
    sample = torch.randn(2, 4, height, width, generator=generator)
    timestep = torch.tensor([999.0, 421.5])
    context = torch.randn(2, 77, unet.config.cross_attention_dim, generator=generator)
    kwargs = {}
    if unet.config.addition_embed_type == "text_time":
        text_embeds = torch.randn(2, unet.config.projection_class_embeddings_input_dim - 6 * unet.config.addition_time_embed_dim,
                                  generator=generator)
        time_ids = torch.tensor([[64.0, 48.0, 0.0, 0.0, 64.0, 48.0], [48.0, 64.0, 2.0, 3.0, 40.0, 56.0]])
        kwargs["added_cond_kwargs"] = {"text_embeds": text_embeds, "time_ids": time_ids}
        goldens[f"{prefix}.text_embeds"], goldens[f"{prefix}.time_ids"] = text_embeds, time_ids
    goldens[f"{prefix}.sample"], goldens[f"{prefix}.timestep"] = sample, timestep
    goldens[f"{prefix}.encoder_hidden_states"] = context
    goldens[f"{prefix}.out"] = unet(sample, timestep, context, **kwargs).sample


def vae_goldens(goldens, prefix, vae, height, width, latent_size, seed):
    generator = torch.Generator().manual_seed(seed)
    image = torch.rand(1, 3, height, width, generator=generator) * 2 - 1
    posterior = vae.encode(image).latent_dist
    noise = torch.from_numpy(philox.normal(7, 0, 0, posterior.mean.numel()).reshape(posterior.mean.shape))
    import diffusers.models.autoencoders.vae as vae_module
    original = vae_module.randn_tensor
    vae_module.randn_tensor = lambda *args, **kwargs: noise.clone()
    try:
        sample = posterior.sample()
    finally:
        vae_module.randn_tensor = original
    latents = torch.randn(1, 4, *latent_size, generator=generator)
    goldens.update({f"{prefix}.image": image, f"{prefix}.mean": posterior.mean, f"{prefix}.logvar": posterior.logvar,
                    f"{prefix}.noise": noise, f"{prefix}.sample": sample, f"{prefix}.decode_in": latents,
                    f"{prefix}.decoded": vae.decode(latents).sample})


SAMPLERS = {
    "euler": (EulerDiscreteScheduler, {}),
    "euler_a": (EulerAncestralDiscreteScheduler, {}),
    "ddim": (DDIMScheduler, {}),
    "dpmpp_2m": (DPMSolverMultistepScheduler, {}),
    "dpmpp_2m_karras": (DPMSolverMultistepScheduler, {"use_karras_sigmas": True}),
}
STEPS, GUIDANCE, SEED_EULER_A = 5, 7.0, 1234


def clip_skip_embeddings(pipe, prompt, negative, clip_skip=1):
    """What diffusers' `encode_prompt(clip_skip=1)` computes: final LN of hidden_states[-(clip_skip + 1)] (its own
    code path fails on transformers 5, which moved `text_model`, so the formula is applied here)."""
    def embed(text):
        ids = pipe.tokenizer(text, padding="max_length", max_length=77, truncation=True, return_tensors="pt").input_ids
        hidden = pipe.text_encoder(ids, output_hidden_states=True).hidden_states[-(clip_skip + 1)]
        return pipe.text_encoder.final_layer_norm(hidden)
    return {"prompt_embeds": embed(prompt), "negative_prompt_embeds": embed(negative)}


def pipeline_goldens(goldens, metadata, pipe, height, width, prompt, negative, extra_cases):
    import diffusers.schedulers.scheduling_euler_ancestral_discrete as ancestral
    base_config = pipe.scheduler.config
    latent_shape = (1, 4, height // 8, width // 8)
    latents = torch.randn(*latent_shape, generator=torch.Generator().manual_seed(5))
    goldens["pipe.latents_in"] = latents
    metadata.update({"pipe.prompt": prompt, "pipe.steps": str(STEPS), "pipe.guidance": str(GUIDANCE),
                     "pipe.seed_euler_a": str(SEED_EULER_A), "pipe.height": str(height), "pipe.width": str(width)})
    if negative is not None:
        metadata["pipe.negative_prompt"] = negative
    cases = [(name, cls, extra, negative, {}) for name, (cls, extra) in SAMPLERS.items()] + extra_cases
    original = ancestral.randn_tensor
    for name, cls, extra, case_negative, call in cases:
        pipe.scheduler = cls.from_config(base_config, **extra)
        schedule = cls.from_config(base_config, **extra)
        schedule.set_timesteps(STEPS)
        goldens[f"pipe.{name}.timesteps"] = schedule.timesteps.float()
        if hasattr(schedule, "sigmas"):
            goldens[f"pipe.{name}.sigmas"] = torch.as_tensor(schedule.sigmas).float()
        for output_type in ("latent", "pt"):
            draws = philox.Generator(SEED_EULER_A, 1)
            ancestral.randn_tensor = lambda shape, **kw: torch.from_numpy(draws.normal(tuple(shape)))
            try:
                text = {"prompt": prompt, "negative_prompt": case_negative} if "prompt_embeds" not in call else {}
                result = pipe(**text, height=height, width=width,
                              num_inference_steps=STEPS, guidance_scale=GUIDANCE, latents=latents.clone(),
                              output_type=output_type, **call).images
            finally:
                ancestral.randn_tensor = original
            goldens[f"pipe.{name}.{'latents_out' if output_type == 'latent' else 'image'}"] = result


def check_reload(pipe, folder, component):
    """transformers must read the renamed file back into the same model (it maps the published names)."""
    model = getattr(pipe, component)
    kwargs = {"variant": "fp16"} if any(".fp16." in f for f in os.listdir(os.path.join(folder, component))) else {}
    loaded = type(model).from_pretrained(os.path.join(folder, component), torch_dtype=torch.float32, **kwargs)
    reference = model.state_dict()
    for key, value in loaded.state_dict().items():
        assert torch.equal(value.float(), reference[key].float()), (component, key)


REAL_SCHEDULER_CONFIGS = {
    "sd15": ("PNDMScheduler", "0.6.0", SD15_SCHEDULER),
    "sd2": ("DDIMScheduler", "0.8.0", SD21_SCHEDULER),
    "sdxl": ("EulerDiscreteScheduler", "0.19.0.dev0", SDXL_SCHEDULER),
}


def write_real_scheduler_config(folder, arch):
    """The published model's scheduler_config.json. save_pretrained would add the saving class's defaults (PNDM's
    and DDIM's timestep_spacing "leading"), which the real SD1.5/SD2.1 files lack and which change what another
    scheduler built from the file does; the goldens are made from the in-memory config, which lacks them too."""
    name, version, config = REAL_SCHEDULER_CONFIGS[arch]
    with open(os.path.join(folder, "scheduler", "scheduler_config.json"), "w") as f:
        json.dump({"_class_name": name, "_diffusers_version": version, **config}, f, indent=2, sort_keys=True)


def make_model(name, builder, arch):
    folder = os.path.join(OUT, "models", name)
    shutil.rmtree(folder, ignore_errors=True)
    pipe = builder(folder)
    pipe.set_progress_bar_config(disable=True)
    write_real_scheduler_config(folder, arch)
    for component, pad in (("tokenizer", "<|endoftext|>"), ("tokenizer_2", "!")):
        # save_pretrained writes transformers 5's files; keep the classic four that published models carry
        path = os.path.join(folder, component)
        if os.path.isdir(path):
            shutil.rmtree(path)
            write_tokenizer(path, pad)
    for component in ("text_encoder", "text_encoder_2"):
        if os.path.isdir(os.path.join(folder, component)):
            rewrite_text_encoder_names(os.path.join(folder, component))
            check_reload(pipe, folder, component)
    save_file(single_file(pipe, arch), os.path.join(OUT, "models", f"{name}.safetensors"))

    goldens, metadata = {}, {"text.prompts": json.dumps(PROMPTS)}
    with torch.no_grad():
        text_goldens(goldens, "text", pipe.tokenizer, pipe.text_encoder)
        if arch == "sdxl":
            text_goldens(goldens, "text2", pipe.tokenizer_2, pipe.text_encoder_2)
        unet_goldens(goldens, "unet", pipe.unet, 8, 8, 40)
        unet_goldens(goldens, "unet_odd", pipe.unet, 9, 7, 41)
        vae_goldens(goldens, "vae", pipe.vae, 64, 48, (6, 8), 42)
        vae_goldens(goldens, "vae_odd", pipe.vae, 36, 20, (5, 3), 43)
        prompt = "a red circle on a blue background"
        if arch == "sdxl":
            pipeline_goldens(goldens, metadata, pipe, 48, 64, prompt, None,
                             [("euler_neg", EulerDiscreteScheduler, {}, "blurry, low quality", {})])
            metadata["pipe.euler_neg.negative_prompt"] = "blurry, low quality"
        else:
            extra = [("euler_clipskip2", EulerDiscreteScheduler, {}, None, clip_skip_embeddings(pipe, prompt, "blurry, low quality"))] \
                if arch == "sd15" else []
            pipeline_goldens(goldens, metadata, pipe, 64, 64, prompt, "blurry, low quality", extra)
    os.makedirs(os.path.join(OUT, "goldens"), exist_ok=True)
    save_file({k: (v.float() if v.is_floating_point() else v).contiguous() for k, v in goldens.items()},
              os.path.join(OUT, "goldens", f"{name}.safetensors"), metadata=metadata)


def make_philox():
    tensors, metadata = {}, {}
    cases = [(0, 0, 0, 37), (1, 0, 3, 5), (2**32 + 5, 1, 0, 16), (2**64 - 1, 1, 2**32 + 1, 9), (7, 0, 0, 1),
             (1234, 1, 64, 23)]
    for k, (seed, stream, offset, count) in enumerate(cases):
        tensors[f"normal.{k}"] = torch.from_numpy(philox.normal(seed, stream, offset, count))
        tensors[f"uniform.{k}"] = torch.from_numpy(philox.uniform(seed, stream, offset, count))
        metadata[f"case.{k}"] = json.dumps({"seed": seed, "stream": stream, "offset": offset, "count": count})
    save_file(tensors, os.path.join(OUT, "philox.safetensors"), metadata=metadata)


def main():
    os.makedirs(os.path.join(OUT, "models"), exist_ok=True)
    make_philox()
    make_model("sd15-tiny", build_sd15, "sd15")
    make_model("sd2-tiny", build_sd2, "sd2")
    make_model("sdxl-tiny", build_sdxl, "sdxl")
    import make_keysets
    make_keysets.main(OUT)
    print(f"torch {torch.__version__}, diffusers {diffusers.__version__}, transformers {transformers.__version__}")
    for dirpath, _, files in sorted(os.walk(OUT)):
        for file in sorted(files):
            path = os.path.join(dirpath, file)
            print(f"{os.path.getsize(path):>10}  {os.path.relpath(path, OUT)}")


if __name__ == "__main__":
    main()
